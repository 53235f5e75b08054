// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: the kick/call/err eventfds of a virtqueue and the log eventfd.
 * Anything that is not an eventfd must be refused (seed 003, SPDK
 * threats #6/#10: the connection socket or another fd passed as an
 * eventfd); -1 unbinds; replacing an fd on a running queue takes effect.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core_util.h"
#include "vnet.h"

static const unsigned long vring_fd_ioctls[] = {
	VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_SET_VRING_ERR,
};
static const char *const vring_fd_names[] = { "KICK", "CALL", "ERR" };

static int set_vring_fd(int vfd, unsigned long req, unsigned int idx, int fd)
{
	struct vhost_vring_file f = { .index = idx, .fd = fd };

	return ioctl(vfd, req, &f) ? -errno : 0;
}

static int set_log_fd(int vfd, int fd)
{
	return ioctl(vfd, VHOST_SET_LOG_FD, &fd) ? -errno : 0;
}

FIXTURE(fds) {
	struct vn_ctx c;
	int fd;
};

FIXTURE_SETUP(fds)
{
	ASSERT_EQ(0, vn_setup_unattached(&self->c, VN_HDR_VHOST, 0, 64));
	self->fd = self->c.d.fd;
}

FIXTURE_TEARDOWN(fds)
{
	vn_teardown(&self->c);
}

/* @bad is refused by KICK, CALL and ERR on both queues with @err. */
static void expect_refused(struct __test_metadata *_metadata, int vfd, int bad, int err)
{
	for (unsigned int q = 0; q < 2; q++) {
		for (unsigned int i = 0; i < 3; i++) {
			int r = set_vring_fd(vfd, vring_fd_ioctls[i], q, bad);

			EXPECT_EQ(-err, r) TH_LOG("SET_VRING_%s q%u: %d (%s)", vring_fd_names[i],
						  q, r, strerror(-r));
		}
	}
}

/* Run one TX frame through the device; returns 1 when it was used. */
static int tx_one(struct vn_ctx *c, uint32_t seed)
{
	uint8_t frame[96];
	int head;

	vn_make_frame(frame, sizeof(frame), seed);
	head = vn_tx_post(c, frame, sizeof(frame), 1, false);
	if (head < 0)
		return head;
	vg_publish(&c->d, VN_TXQ, head);
	vg_kick(&c->d, VN_TXQ);
	return vg_wait_used(&c->d, VN_TXQ, 3000, NULL, NULL);
}

/* A pipe (either end) is not an eventfd: EINVAL. */
TEST_F(fds, pipe_as_vring_fd_einval)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	expect_refused(_metadata, self->fd, p[0], EINVAL);
	expect_refused(_metadata, self->fd, p[1], EINVAL);
	close(p[0]);
	close(p[1]);
}

/* A regular file is not an eventfd: EINVAL. */
TEST_F(fds, regular_file_as_vring_fd_einval)
{
	int f = open("core_fds.tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ASSERT_GE(f, 0);
	unlink("core_fds.tmp");
	expect_refused(_metadata, self->fd, f, EINVAL);
	close(f);
}

/* The vhost fd itself as kick/call/err: EINVAL (spdk-threat-6; in-tree passes). */
TEST_F(fds, vhost_fd_as_vring_fd_einval)
{
	expect_refused(_metadata, self->fd, self->fd, EINVAL);
	EXPECT_EQ(-EINVAL, set_log_fd(self->fd, self->fd));
}

/* Sockets (a unix socket, the tap) as eventfds: EINVAL (spdk-threat-6/10). */
TEST_F(fds, socket_as_vring_fd_einval)
{
	int sp[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	expect_refused(_metadata, self->fd, sp[0], EINVAL);
	expect_refused(_metadata, self->fd, self->c.tap_fd, EINVAL);
	close(sp[0]);
	close(sp[1]);
}

/* A closed fd number, or one far beyond the table: EBADF. */
TEST_F(fds, closed_fd_ebadf)
{
	int e = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(e, 0);
	close(e);
	expect_refused(_metadata, self->fd, e, EBADF);
	expect_refused(_metadata, self->fd, 1 << 20, EBADF);
	expect_refused(_metadata, self->fd, -2, EBADF);
	EXPECT_EQ(-EBADF, set_log_fd(self->fd, e));
}

/* fd -1 (VHOST_FILE_UNBIND) is accepted and unbinds; re-binding works. */
TEST_F(fds, unbind_with_minus_one_accepted)
{
	for (unsigned int i = 0; i < 3; i++) {
		EXPECT_EQ(0, set_vring_fd(self->fd, vring_fd_ioctls[i], VN_TXQ, -1));
		EXPECT_EQ(0, set_vring_fd(self->fd, vring_fd_ioctls[i], VN_TXQ, -1));
	}
	EXPECT_EQ(0, set_log_fd(self->fd, -1));
	EXPECT_EQ(0, vg_vq_set_fds(&self->c.d, VN_TXQ));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	EXPECT_EQ(1, tx_one(&self->c, 1));
}

/* SET_LOG_FD: a pipe is EINVAL, an eventfd and -1 are accepted. */
TEST_F(fds, log_fd_must_be_eventfd)
{
	int p[2], e = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(e, 0);
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, set_log_fd(self->fd, p[0]));
	EXPECT_EQ(0, set_log_fd(self->fd, e));
	EXPECT_EQ(0, set_log_fd(self->fd, -1));
	close(p[0]);
	close(p[1]);
	close(e);
}

/*
 * A refused fd leaves the previous call eventfd in place: completions still
 * signal it.
 * Shown to fail with validate-before-swap reverted (vhh_vring_set_ctx in
 * drivers/core/vring.c), 2026-11-25.
 */
TEST_F(fds, refused_fd_keeps_previous_call)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(-EINVAL, set_vring_fd(self->fd, VHOST_SET_VRING_CALL, VN_TXQ, p[0]));
	ASSERT_EQ(-EINVAL, set_vring_fd(self->fd, VHOST_SET_VRING_KICK, VN_TXQ, p[0]));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	vg_eventfd_drain(q->call_fd);
	/* Do not let vg_wait_used consume the call: poll the used ring without it. */
	{
		int call = q->call_fd;

		q->call_fd = -1;
		EXPECT_EQ(1, tx_one(&self->c, 2));
		q->call_fd = call;
	}
	EXPECT_EQ(1, vg_wait_call(&self->c.d, VN_TXQ, 2000));
	close(p[0]);
	close(p[1]);
}

/* Replacing the call eventfd of a running queue: the next completion signals the new one only. */
TEST_F(fds, replace_call_fd_while_running)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];
	int a = q->call_fd, b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(b, 0);
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	q->call_fd = -1;	/* vg_wait_used must not drain it */
	ASSERT_EQ(1, tx_one(&self->c, 3));
	EXPECT_EQ(1, cu_poll_in(a, 2000));
	vg_eventfd_drain(a);
	ASSERT_EQ(0, set_vring_fd(self->fd, VHOST_SET_VRING_CALL, VN_TXQ, b));
	ASSERT_EQ(1, tx_one(&self->c, 4));
	EXPECT_EQ(1, cu_poll_in(b, 2000));
	EXPECT_EQ(0, cu_poll_in(a, 500));
	q->call_fd = b;
	close(a);
}

/*
 * Replacing the kick eventfd of a running queue: only the new one wakes the
 * device.
 * Shown to fail with stopping the old kick's poll reverted
 * (vhh_vring_set_kick in drivers/core/vring.c), 2026-11-25.
 */
TEST_F(fds, replace_kick_fd_while_running)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];
	int old = q->kick_fd, nk = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t one = 1;
	uint8_t frame[96];
	int head;

	ASSERT_GE(nk, 0);
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	ASSERT_EQ(1, tx_one(&self->c, 5));
	ASSERT_EQ(0, set_vring_fd(self->fd, VHOST_SET_VRING_KICK, VN_TXQ, nk));
	vn_make_frame(frame, sizeof(frame), 6);
	head = vn_tx_post(&self->c, frame, sizeof(frame), 1, false);
	ASSERT_GE(head, 0);
	vg_publish(&self->c.d, VN_TXQ, head);
	ASSERT_EQ(8, write(old, &one, 8));
	EXPECT_EQ(0, vg_wait_used(&self->c.d, VN_TXQ, 1000, NULL, NULL));
	ASSERT_EQ(8, write(nk, &one, 8));
	EXPECT_EQ(1, vg_wait_used(&self->c.d, VN_TXQ, 3000, NULL, NULL));
	q->kick_fd = nk;
	close(old);
}

/* A descriptor outside guest memory signals the err eventfd and is not used. */
TEST_F(fds, err_fd_signalled_on_bad_descriptor)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];

	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	ASSERT_EQ(1, tx_one(&self->c, 7));
	vg_eventfd_drain(q->err_fd);
	q->desc[0].addr = 0x1000;	/* no region there */
	q->desc[0].len = 128;
	q->desc[0].flags = 0;
	vg_publish(&self->c.d, VN_TXQ, 0);
	vg_kick(&self->c.d, VN_TXQ);
	EXPECT_EQ(1, vg_wait_err(&self->c.d, VN_TXQ, 3000));
	EXPECT_EQ(0, vg_wait_used(&self->c.d, VN_TXQ, 500, NULL, NULL));
}

/*
 * The same eventfd as kick and call (a looped notification, spdk-threat-10):
 * the frame is sent and the worker does not spin on its own signal.
 */
TEST_F(fds, kick_equal_call_does_not_spin)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];
	long t0, t1;

	ASSERT_EQ(0, set_vring_fd(self->fd, VHOST_SET_VRING_CALL, VN_TXQ, q->kick_fd));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	close(q->call_fd);
	q->call_fd = -1;
	ASSERT_EQ(1, tx_one(&self->c, 8));
	usleep(200000);
	t0 = vn_worker_ticks(&self->c);
	ASSERT_GE(t0, 0);
	sleep(1);
	t1 = vn_worker_ticks(&self->c);
	ASSERT_GE(t1, 0);
	TH_LOG("worker ticks over 1 s: %ld", t1 - t0);
	EXPECT_LT(t1 - t0, 30);
}

TEST_HARNESS_MAIN
