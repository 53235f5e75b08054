// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi worker ioctls (6.12's ABI, offered by ours on every kernel):
 * VHOST_NEW_WORKER, VHOST_FREE_WORKER, VHOST_ATTACH_VRING_WORKER and
 * VHOST_GET_VRING_WORKER, as QEMU 8.2 and later use them for
 * "worker_per_virtqueue" (vhost_scsi_set_workers(): one NEW_WORKER and one
 * ATTACH_VRING_WORKER per request queue after the first, right after
 * SET_OWNER, before any ring is set up).  Two request queues (2 and 3)
 * carry I/O on their own workers, and each errno is the one 6.12 returns.
 *
 * Shown to fail where the ioctls are missing: the in-tree module of 6.1
 * (ENOTTY, EPERM without an owner) fails every case, an expected failure
 * there.  The same cases pass on 6.12's in-tree module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "scsi_util.h"
#include "setup_skip.h"

#include <vhh/uapi.h>

#define DISK_BYTES (4u << 20)
#define RING 128
#define IOQ2 3		/* the second request queue */
#define BLK 512

static int new_worker(int fd, unsigned int *id)
{
	struct vhost_worker_state st = { .worker_id = 0xdeadbeef };

	if (ioctl(fd, VHOST_NEW_WORKER, &st))
		return -errno;
	*id = st.worker_id;
	return 0;
}

static int free_worker(int fd, unsigned int id)
{
	struct vhost_worker_state st = { .worker_id = id };

	return ioctl(fd, VHOST_FREE_WORKER, &st) ? -errno : 0;
}

static int attach_worker(int fd, unsigned int index, unsigned int id)
{
	struct vhost_vring_worker w = { .index = index, .worker_id = id };

	return ioctl(fd, VHOST_ATTACH_VRING_WORKER, &w) ? -errno : 0;
}

static int get_worker(int fd, unsigned int index, unsigned int *id)
{
	struct vhost_vring_worker w = { .index = index, .worker_id = ~0u };

	if (ioctl(fd, VHOST_GET_VRING_WORKER, &w))
		return -errno;
	*id = w.worker_id;
	return 0;
}

/*
 * The count once it settles on @want within 3 s: a stopped worker leaves
 * /proc a moment after the ioctl that stopped it returns.
 */
static int worker_count_settles(int want)
{
	int tids[64], n = vg_worker_tids(tids, 64);

	for (long long end = vg_now_ms() + 3000; n != want &&
	     vg_now_ms() < end; n = vg_worker_tids(tids, 64))
		usleep(10000);
	return n;
}

/* voluntary_ctxt_switches of task @tid: each sleep of a worker counts. */
static long worker_sleeps(int tid)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (vg_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "voluntary_ctxt_switches:");
	return p ? atol(p + strlen("voluntary_ctxt_switches:")) : -1;
}

/* Write a pattern through the current request queue, read it back. */
static int io_roundtrip(struct scsi_dev *s, uint32_t lba, uint32_t seed)
{
	uint8_t *w = vg_alloc(&s->d, 8 * BLK, 64);
	uint8_t *r = vg_alloc(&s->d, 8 * BLK, 64);

	if (!w || !r)
		return -ENOMEM;
	vg_fill_pattern(w, 8 * BLK, seed);
	memset(r, 0, 8 * BLK);
	if (scsi_write(s, 0, lba, w, 8 * BLK, 2, false))
		return -EIO;
	if (scsi_read(s, 0, lba, r, 8 * BLK, 3, false))
		return -EIO;
	return vg_check_pattern(r, 8 * BLK, seed) ? 0 : -EBADMSG;
}

/*
 * A target with one ramdisk LUN, and a device whose request queues 2 and 3
 * are both set up before SET_ENDPOINT (ring setup is refused once a
 * backend is attached).
 */
FIXTURE(wk) {
	struct scsi_tgt t;
	struct scsi_dev s;
	unsigned int def;	/* id of the worker SET_OWNER made */
};

FIXTURE_SETUP(wk)
{
	const char *why;

	memset(&self->s, 0, sizeof(self->s));
	self->s.d.fd = -1;
	if (!scsi_available(&why))
		SETUP_SKIP("%s", why);
	ASSERT_EQ(0, scsi_tgt_create(&self->t));
	ASSERT_EQ(0, scsi_tgt_add_ramdisk(&self->t, 0, DISK_BYTES));
	ASSERT_EQ(0, scsi_tgt_make_nexus(&self->t));
	ASSERT_EQ(0, scsi_dev_open(&self->s, RING, 0, 0));
	ASSERT_EQ(0, vg_vq_setup(&self->s.d, IOQ2, RING));
	ASSERT_EQ(0, get_worker(self->s.d.fd, SCSI_IOQ, &self->def));
}

FIXTURE_TEARDOWN(wk)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

static void wk_endpoint(struct __test_metadata *_metadata, struct scsi_dev *s,
			struct scsi_tgt *t)
{
	ASSERT_EQ(0, scsi_set_endpoint(s, t->wwpn));
	ASSERT_EQ(0, scsi_clear_ua(s, 0));
}

/*
 * QEMU's order: NEW_WORKER + ATTACH before the endpoint; then I/O on both
 * queues, each on its worker; the new worker is a thread of its own that
 * really runs queue 3 (it sleeps and wakes for it).
 */
TEST_F(wk, qemu_order_io_on_two_workers)
{
	int before[64], after[64], nb, na, tid = -1;
	unsigned int id = 0, got = 0;
	long s0, s1;

	nb = vg_worker_tids(before, 64);
	ASSERT_EQ(1, nb);
	ASSERT_EQ(0, new_worker(self->s.d.fd, &id));
	ASSERT_NE(self->def, id);
	na = vg_worker_tids(after, 64);
	ASSERT_EQ(2, na);
	for (int i = 0; i < na; i++)
		if (after[i] != before[0])
			tid = after[i];
	ASSERT_NE(-1, tid);
	ASSERT_EQ(0, attach_worker(self->s.d.fd, IOQ2, id));
	ASSERT_EQ(0, get_worker(self->s.d.fd, IOQ2, &got));
	ASSERT_EQ(id, got);
	ASSERT_EQ(0, get_worker(self->s.d.fd, SCSI_IOQ, &got));
	ASSERT_EQ(self->def, got);
	wk_endpoint(_metadata, &self->s, &self->t);

	ASSERT_EQ(0, io_roundtrip(&self->s, 0, 11));
	s0 = worker_sleeps(tid);
	ASSERT_LE(0, s0);
	self->s.ioq = IOQ2;
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, io_roundtrip(&self->s, 16 + 8 * i, 100 + i));
	s1 = worker_sleeps(tid);
	ASSERT_LT(s0, s1) TH_LOG("worker %d never woke for queue 3", tid);
	/* what queue 3 wrote, queue 2 reads back */
	self->s.ioq = 0;
	{
		uint8_t *r = vg_alloc(&self->s.d, 8 * BLK, 64);

		ASSERT_NE(NULL, r);
		ASSERT_EQ(0, scsi_read(&self->s, 0, 16, r, 8 * BLK, 1, false));
		ASSERT_TRUE(vg_check_pattern(r, 8 * BLK, 100));
	}
}

/* FREE of an attached worker is EBUSY; detached, it goes; twice, ENODEV. */
TEST_F(wk, free_attached_is_ebusy_then_free)
{
	unsigned int id = 0;

	ASSERT_EQ(0, new_worker(self->s.d.fd, &id));
	ASSERT_EQ(0, attach_worker(self->s.d.fd, IOQ2, id));
	wk_endpoint(_metadata, &self->s, &self->t);
	ASSERT_EQ(-EBUSY, free_worker(self->s.d.fd, id));
	self->s.ioq = IOQ2;
	ASSERT_EQ(0, io_roundtrip(&self->s, 0, 21));
	/* back to the default worker, with a backend: the old one is flushed */
	ASSERT_EQ(0, attach_worker(self->s.d.fd, IOQ2, self->def));
	ASSERT_EQ(0, free_worker(self->s.d.fd, id));
	ASSERT_EQ(1, worker_count_settles(1));
	ASSERT_EQ(-ENODEV, free_worker(self->s.d.fd, id));
	ASSERT_EQ(0, io_roundtrip(&self->s, 8, 22));
}

/* 6.12's errnos for indexes and ids out of range. */
TEST_F(wk, bad_index_and_id)
{
	unsigned int id = 0;

	ASSERT_EQ(-ENOBUFS, attach_worker(self->s.d.fd, 100000, self->def));
	ASSERT_EQ(-ENOBUFS, get_worker(self->s.d.fd, 100000, &id));
	ASSERT_EQ(-ENODEV, attach_worker(self->s.d.fd, IOQ2, 12345));
	ASSERT_EQ(-ENODEV, free_worker(self->s.d.fd, 12345));
	/* nothing changed */
	ASSERT_EQ(0, get_worker(self->s.d.fd, IOQ2, &id));
	ASSERT_EQ(self->def, id);
}

/*
 * Moving a queue to a new worker while its commands are in flight loses
 * none of them: NIO writes are queued (half kicked), the queue moves, all
 * complete and read back right.
 */
#define NIO 32		/* three ring descriptors each: 96 of RING */
TEST_F(wk, attach_under_io)
{
	struct scsi_io io[NIO];
	uint8_t *buf[NIO];
	unsigned int id = 0;

	wk_endpoint(_metadata, &self->s, &self->t);
	self->s.ioq = IOQ2;
	ASSERT_EQ(0, new_worker(self->s.d.fd, &id));
	for (int i = 0; i < NIO; i++) {
		buf[i] = vg_alloc(&self->s.d, BLK, 64);
		ASSERT_NE(NULL, buf[i]);
		vg_fill_pattern(buf[i], BLK, 300 + i);
		scsi_io_init(&io[i], 0, SCSI_DIR_OUT, buf[i], BLK);
		scsi_cdb_rw10(io[i].cdb, true, 64 + i, 1);
		ASSERT_EQ(0, scsi_io_submit(&self->s, &io[i]));
		if (i == NIO / 2)
			ASSERT_EQ(0, vg_kick(&self->s.d, IOQ2));
	}
	ASSERT_EQ(0, attach_worker(self->s.d.fd, IOQ2, id));
	ASSERT_EQ(0, vg_kick(&self->s.d, IOQ2));
	ASSERT_EQ(0u, scsi_wait_all(&self->s, 10000));
	for (int i = 0; i < NIO; i++)
		ASSERT_TRUE(scsi_io_good(&io[i]));
	for (int i = 0; i < NIO; i++) {
		memset(buf[i], 0, BLK);
		ASSERT_EQ(0, scsi_read(&self->s, 0, 64 + i, buf[i], BLK, 1,
				       false));
		ASSERT_TRUE(vg_check_pattern(buf[i], BLK, 300 + i));
	}
	/* closing with the extra worker still attached frees it (kmemleak) */
}

/*
 * Ours bounds the kthreads NEW_WORKER adds (6.12 refuses them in its
 * kthread mode): with vhh_core.max_extra_workers at 1 the second is
 * EAGAIN, and freeing the first makes room again.  The in-tree modules
 * have no such parameter.  Threads of the owner (TASK mode) are bounded by
 * its RLIMIT_NPROC instead, not by the parameter.  Shown to fail with the
 * cap's check disabled in vhh_worker_create().
 */
#define MAX_EXTRA "/sys/module/vhh_core/parameters/max_extra_workers"

static int write_param(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = write(fd, v, strlen(v)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

TEST(extra_kthread_workers_are_capped)
{
	uint8_t mode = VHOST_FORK_OWNER_KTHREAD;
	char old[32] = "";
	unsigned int a = 0, b = 0;
	int fd, r;

	if (access("/sys/module/vhh_core/holders/vhost_scsi", F_OK) ||
	    vg_read_file(MAX_EXTRA, old, sizeof(old)) < 0)
		SKIP(return, "vhost_scsi is not on our core");
	fd = open(SCSI_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, ioctl(fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, write_param(MAX_EXTRA, "1"));
	ASSERT_EQ(0, new_worker(fd, &a));
	r = new_worker(fd, &b);
	ASSERT_EQ(0, free_worker(fd, a));
	ASSERT_EQ(0, new_worker(fd, &b));
	ASSERT_EQ(0, free_worker(fd, b));
	ASSERT_EQ(0, write_param(MAX_EXTRA, old));
	close(fd);
	ASSERT_EQ(-EAGAIN, r);
}

/* Before SET_OWNER the worker ioctls are EINVAL, as in 6.12. */
TEST(no_owner_is_einval)
{
	struct vhost_worker_state st = { 0 };
	const char *why;
	int fd;

	if (!scsi_available(&why))
		SKIP(return, "%s", why);
	fd = open(SCSI_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, ioctl(fd, VHOST_NEW_WORKER, &st));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

/* Another process (another mm) is not the owner: EPERM. */
TEST_F(wk, other_process_is_eperm)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned int id = 0;

		_exit(new_worker(self->s.d.fd, &id) == -EPERM &&
		      attach_worker(self->s.d.fd, IOQ2, self->def) == -EPERM ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
