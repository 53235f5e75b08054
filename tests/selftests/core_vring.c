// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: per-virtqueue ioctls (VHOST_SET_VRING_NUM/ADDR/BASE, busyloop
 * timeout, endianness) and their validation, through /dev/vhost-net.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core_util.h"
#include "vnet.h"

#define NUM 64

FIXTURE(vring) {
	struct vn_ctx c;
	int fd;
	struct vg_vq *q;	/* the TX queue, set up with NUM entries */
};

FIXTURE_SETUP(vring)
{
	ASSERT_EQ(0, vn_setup_unattached(&self->c, VN_HDR_VHOST, 0, NUM));
	self->fd = self->c.d.fd;
	self->q = &self->c.d.vq[VN_TXQ];
}

FIXTURE_TEARDOWN(vring)
{
	vn_teardown(&self->c);
}

static int set_num(int fd, unsigned int idx, unsigned int num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return ioctl(fd, VHOST_SET_VRING_NUM, &s) ? -errno : 0;
}

static int set_base(int fd, unsigned int idx, unsigned int num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return ioctl(fd, VHOST_SET_VRING_BASE, &s) ? -errno : 0;
}

static int get_state(int fd, unsigned long req, unsigned int idx, unsigned int *num)
{
	struct vhost_vring_state s = { .index = idx, .num = 0xdeadbeef };

	if (ioctl(fd, req, &s))
		return -errno;
	*num = s.num;
	return 0;
}

/* Re-issue SET_VRING_ADDR for the TX queue with one ring moved by @d/@a/@u bytes. */
static int addr_shifted(struct vg_vq *q, int fd, long d, long a, long u)
{
	return cu_set_vring_addr(fd, VN_TXQ, (uintptr_t)q->desc + d, (uintptr_t)q->avail + a,
				 (uintptr_t)q->used + u, 0, 0);
}

/*
 * A ring size that is not a power of two is EINVAL.
 * Shown to fail with the ring size check reverted (vhh_vring_num_valid in
 * vhh_vring_set_num, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, num_not_power_of_two_einval)
{
	static const unsigned int bad[] = { 3, 255, 1000, 32767 };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = set_num(self->fd, VN_TXQ, bad[i]);

		EXPECT_EQ(-EINVAL, r) TH_LOG("num %u", bad[i]);
	}
}

/*
 * A ring size of 0 is EINVAL.
 * Shown to fail with the ring size check reverted (vhh_vring_num_valid in
 * vhh_vring_set_num, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, num_zero_einval)
{
	EXPECT_EQ(-EINVAL, set_num(self->fd, VN_TXQ, 0));
}

/*
 * Ring sizes above the 16-bit index space are EINVAL.
 * Shown to fail with the ring size check reverted (vhh_vring_num_valid in
 * vhh_vring_set_num, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, num_too_big_einval)
{
	static const unsigned int bad[] = { 65536, 0x20000, 0x80000000u, 0xffffffffu };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = set_num(self->fd, VN_TXQ, bad[i]);

		EXPECT_EQ(-EINVAL, r) TH_LOG("num %u", bad[i]);
	}
}

/* Powers of two from 1 to 32768 are accepted. */
TEST_F(vring, num_valid_accepted)
{
	for (unsigned int n = 1; n <= 32768; n <<= 1) {
		int r = set_num(self->fd, VN_TXQ, n);

		EXPECT_EQ(0, r) TH_LOG("num %u", n);
	}
}

/* Any vring ioctl on an index >= the number of queues (2 on vhost-net) is ENOBUFS. */
TEST_F(vring, index_out_of_range_enobufs)
{
	static const unsigned int idx[] = { 2, 3, 256, 0x7fffffff, 0xffffffffu };
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(idx); i++) {
		struct vhost_vring_state s = { .index = idx[i], .num = 64 };
		struct vhost_vring_file f = { .index = idx[i], .fd = efd };
		struct vhost_vring_addr a = {
			.index = idx[i],
			.desc_user_addr = (uintptr_t)self->q->desc,
			.avail_user_addr = (uintptr_t)self->q->avail,
			.used_user_addr = (uintptr_t)self->q->used,
		};
		static const unsigned long st[] = {
			VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE, VHOST_GET_VRING_BASE,
			VHOST_SET_VRING_BUSYLOOP_TIMEOUT, VHOST_GET_VRING_BUSYLOOP_TIMEOUT,
		};
		static const unsigned long fl[] = {
			VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_SET_VRING_ERR,
			VHOST_NET_SET_BACKEND,
		};

		for (unsigned int j = 0; j < ARRAY_SIZE(st); j++) {
			s.index = idx[i];
			errno = 0;
			EXPECT_EQ(-1, ioctl(self->fd, st[j], &s));
			EXPECT_EQ(ENOBUFS, errno) TH_LOG("idx %u state ioctl %#lx", idx[i], st[j]);
		}
		for (unsigned int j = 0; j < ARRAY_SIZE(fl); j++) {
			int fd = fl[j] == VHOST_NET_SET_BACKEND ? self->c.tap_fd : efd;

			f.fd = fd;
			errno = 0;
			EXPECT_EQ(-1, ioctl(self->fd, fl[j], &f));
			EXPECT_EQ(ENOBUFS, errno) TH_LOG("idx %u file ioctl %#lx", idx[i], fl[j]);
		}
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_ADDR, &a));
		EXPECT_EQ(ENOBUFS, errno) TH_LOG("idx %u SET_VRING_ADDR", idx[i]);
	}
	close(efd);
}

/*
 * A descriptor table that is not 16-byte aligned is EINVAL.  6.1 does not
 * check the descriptor table's alignment at all (spdk-threat-1: validate
 * input before use; expected failure in-tree).
 * Shown to fail with the ring address check reverted (vhh_check_ring_addrs
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, misaligned_desc_einval)
{
	for (long off = 1; off < 16; off <<= 1) {
		EXPECT_EQ(-EINVAL, addr_shifted(self->q, self->fd, off, 0, 0))
			TH_LOG("desc misaligned by %ld accepted", off);
	}
}

/*
 * An avail ring that is not 2-byte aligned is EINVAL.
 * Shown to fail with the ring address check reverted (vhh_check_ring_addrs
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, misaligned_avail_einval)
{
	EXPECT_EQ(-EINVAL, addr_shifted(self->q, self->fd, 0, 1, 0));
}

/*
 * A used ring that is not 4-byte aligned is EINVAL.
 * Shown to fail with the ring address check reverted (vhh_check_ring_addrs
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, misaligned_used_einval)
{
	EXPECT_EQ(-EINVAL, addr_shifted(self->q, self->fd, 0, 0, 1));
	EXPECT_EQ(-EINVAL, addr_shifted(self->q, self->fd, 0, 0, 2));
}

/*
 * A used-ring log address that is not 4-byte aligned is EINVAL.
 * Shown to fail with the log address alignment check reverted
 * (vhh_vring_set_addr in drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, misaligned_log_addr_einval)
{
	EXPECT_EQ(-EINVAL, cu_set_vring_addr(self->fd, VN_TXQ, (uintptr_t)self->q->desc,
					     (uintptr_t)self->q->avail,
					     (uintptr_t)self->q->used,
					     1u << VHOST_VRING_F_LOG,
					     self->q->used_gpa + 2));
}

/*
 * Unknown SET_VRING_ADDR flags are EOPNOTSUPP.
 * Shown to fail with the flags check reverted (vhh_vring_set_addr in
 * drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, unknown_addr_flags_eopnotsupp)
{
	EXPECT_EQ(-EOPNOTSUPP, cu_set_vring_addr(self->fd, VN_TXQ, (uintptr_t)self->q->desc,
						 (uintptr_t)self->q->avail,
						 (uintptr_t)self->q->used, 1u << 1, 0));
}

/*
 * Overlapping rings must be refused by SET_VRING_ADDR with EINVAL (our
 * vhh_check_ring_addrs; the size is known by then).  spdk-threat-5
 * (overlapping queue addresses); 6.1 never compares the rings: expected
 * failure in-tree.  Rings that come to overlap only after SET_VRING_ADDR
 * are ring_grown_into_overlap_attach_fails.  This used to pass on any
 * refusal, and on a SET_VRING_ADDR that failed for another reason without
 * trying the attach ("if (r) return;").  Shown to fail, 2026-12-01, with
 * the expected errno pointed at EFAULT (ours answers EINVAL).
 */
static void overlap_case(struct __test_metadata *_metadata, struct vn_ctx *c,
			 uint64_t desc, uint64_t avail, uint64_t used)
{
	int r = cu_set_vring_addr(c->d.fd, VN_TXQ, desc, avail, used, 0, 0);

	/* for the log only: how far an accepted overlap gets */
	if (!r)
		TH_LOG("SET_VRING_ADDR accepted the overlap; SET_BACKEND: %d",
		       vn_set_backend(c, VN_TXQ, c->tap_fd));
	ASSERT_EQ(-EINVAL, r) TH_LOG("SET_VRING_ADDR: %d", r);
}

/*
 * Descriptor table overlapping the used ring (spdk-threat-5, in-tree
 * accepts).
 * Shown to fail with the ring address check reverted (vhh_check_ring_addrs
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, desc_overlapping_used_rejected)
{
	/* used ring placed in the second half of the 1 KiB descriptor table */
	overlap_case(_metadata, &self->c, (uintptr_t)self->q->desc,
		     (uintptr_t)self->q->avail, (uintptr_t)self->q->desc + 16 * NUM / 2);
}

/*
 * Avail ring overlapping the used ring (spdk-threat-5, in-tree accepts).
 * Shown to fail with the ring address check reverted (vhh_check_ring_addrs
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, avail_overlapping_used_rejected)
{
	overlap_case(_metadata, &self->c, (uintptr_t)self->q->desc,
		     (uintptr_t)self->q->avail, (uintptr_t)self->q->avail + 64);
}

/* SET/GET_VRING_BASE round trip; 0xffff is the largest split-ring base. */
TEST_F(vring, base_round_trip)
{
	static const unsigned int v[] = { 0, 1, 1234, 0xffff };
	unsigned int got = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(v); i++) {
		ASSERT_EQ(0, set_base(self->fd, VN_TXQ, v[i]));
		ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BASE, VN_TXQ, &got));
		EXPECT_EQ(v[i], got);
	}
	/* The other queue is independent. */
	ASSERT_EQ(0, set_base(self->fd, VN_RXQ, 7));
	ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BASE, VN_TXQ, &got));
	EXPECT_EQ(0xffffu, got);
}

/*
 * A split-ring base above 0xffff is EINVAL.
 * Shown to fail with the 16-bit base check reverted (vhh_vring_set_base in
 * drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, base_too_big_einval)
{
	EXPECT_EQ(-EINVAL, set_base(self->fd, VN_TXQ, 0x10000));
	EXPECT_EQ(-EINVAL, set_base(self->fd, VN_TXQ, 0xffffffffu));
}

/* Busyloop timeout: SET then GET returns the value, per queue. */
TEST_F(vring, busyloop_timeout_round_trip)
{
	struct vhost_vring_state s = { .index = VN_TXQ, .num = 50 };
	unsigned int got = 0;

	ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, VN_TXQ, &got));
	EXPECT_EQ(0u, got);
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, VN_TXQ, &got));
	EXPECT_EQ(50u, got);
	ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, VN_RXQ, &got));
	EXPECT_EQ(0u, got);
}

/*
 * Debian's 6.1 is built without CONFIG_VHOST_CROSS_ENDIAN_LEGACY: the
 * endianness ioctls are unknown there (ENOTTY), whatever the argument.
 */
TEST_F(vring, endian_ioctls_unsupported)
{
	struct vhost_vring_state s = { .index = VN_TXQ, .num = VHOST_VRING_LITTLE_ENDIAN };

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_ENDIAN, &s));
	EXPECT_EQ(ENOTTY, errno);
	s.num = VHOST_VRING_BIG_ENDIAN;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_ENDIAN, &s));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_GET_VRING_ENDIAN, &s));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * With a live ring, SET_VRING_NUM and SET_VRING_BASE are EBUSY.
 * Shown to fail with the live-ring EBUSY checks reverted (vhh_vring_set_num
 * and vhh_vring_set_base in drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, resize_or_rebase_live_ring_ebusy)
{
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	EXPECT_EQ(-EBUSY, set_num(self->fd, VN_TXQ, 128));
	EXPECT_EQ(-EBUSY, set_base(self->fd, VN_TXQ, 3));
	/* Once the backend is detached both work again. */
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, -1));
	EXPECT_EQ(0, set_num(self->fd, VN_TXQ, NUM));
	EXPECT_EQ(0, set_base(self->fd, VN_TXQ, 0));
}

/*
 * With a live ring, moving a ring to a kernel address is EINVAL.
 * Shown to fail with the live-ring access check reverted (vhh_vq_access_ok
 * in vhh_vring_set_addr, drivers/core/vring.c), 2026-11-25.
 */
TEST_F(vring, kernel_ring_addr_on_live_ring_einval)
{
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	EXPECT_EQ(-EINVAL, cu_set_vring_addr(self->fd, VN_TXQ, CU_KERNEL_ADDR,
					     (uintptr_t)self->q->avail,
					     (uintptr_t)self->q->used, 0, 0));
	EXPECT_EQ(-EINVAL, cu_set_vring_addr(self->fd, VN_TXQ, (uintptr_t)self->q->desc,
					     (uintptr_t)self->q->avail,
					     CU_KERNEL_ADDR, 0, 0));
}

/*
 * Attaching a backend to a ring at a kernel address fails with EFAULT, the
 * errno of 6.1's vhost_net_set_backend and of ours for a ring the access
 * check refuses (it used to accept any error).
 */
TEST_F(vring, attach_with_kernel_ring_addr_fails)
{
	ASSERT_EQ(0, cu_set_vring_addr(self->fd, VN_TXQ, (uintptr_t)self->q->desc,
				       CU_KERNEL_ADDR, (uintptr_t)self->q->used, 0, 0));
	EXPECT_EQ(-EFAULT, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
}

/*
 * Rings laid out for NUM entries, then the ring grown to 2 * NUM: the avail
 * ring now runs into the used ring, so attaching a backend must fail with
 * EFAULT, vhost-net's errno for a ring the access check refuses
 * (spdk-threat-5; in-tree accepts: it checks the geometry only at
 * SET_VRING_ADDR and never for overlap).  Shown to fail with the geometry
 * re-check of vhh_vq_access_ok (drivers/core/access.c) removed, 2026-11-25.
 */
TEST_F(vring, ring_grown_into_overlap_attach_fails)
{
	/* avail: 4 + 2 * NUM bytes; used starts right after it (4-aligned) */
	uintptr_t used = ((uintptr_t)self->q->avail + 4 + 2 * NUM + 3) & ~3ul;

	ASSERT_EQ(0, cu_set_vring_addr(self->fd, VN_TXQ, (uintptr_t)self->q->desc,
				       (uintptr_t)self->q->avail, used, 0, 0));
	ASSERT_EQ(0, set_num(self->fd, VN_TXQ, 2 * NUM));
	EXPECT_EQ(-EFAULT, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
}

/* GET_VRING_BASE follows the device: after two TX frames it reads 2. */
TEST_F(vring, base_tracks_consumed_buffers)
{
	uint8_t frame[100];
	unsigned int got = 0;
	uint32_t id;

	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	for (int i = 0; i < 2; i++) {
		int head;

		vn_make_frame(frame, sizeof(frame), i);
		head = vn_tx_post(&self->c, frame, sizeof(frame), 1, false);
		ASSERT_GE(head, 0);
		vg_publish(&self->c.d, VN_TXQ, head);
		vg_kick(&self->c.d, VN_TXQ);
		ASSERT_EQ(1, vg_wait_used(&self->c.d, VN_TXQ, 3000, &id, NULL));
		EXPECT_EQ((uint32_t)head, id);
	}
	ASSERT_EQ(0, get_state(self->fd, VHOST_GET_VRING_BASE, VN_TXQ, &got));
	EXPECT_EQ(2u, got);
}

TEST_HARNESS_MAIN
