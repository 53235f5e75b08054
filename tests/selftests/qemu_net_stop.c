// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_net_stop: QEMU 7.2's vhost-net start/stop sequence for a queue pair
 * the guest never configured (issue 7, finding 2).
 *
 * QEMU opens one /dev/vhost-net per queue pair.  With multiqueue
 * negotiated, vhost_net_start() starts every pair; for a pair whose rings
 * the guest left at 0, vhost_dev_start() still sends SET_FEATURES and
 * SET_MEM_TABLE but vhost_virtqueue_start() returns before any
 * SET_VRING_*, and vhost_net_start_one() skips SET_BACKEND for queues that
 * are not enabled.  On stop, vhost_net_stop_one() sends
 * VHOST_NET_SET_BACKEND fd -1 for every queue of the pair and does
 * assert(r >= 0): a failure aborts QEMU at the guest's next reboot or
 * shutdown.  (FreeBSD's vtnet limited to fewer pairs does this, and so can
 * a hostile guest.)  6.1 passes.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "core_util.h"

#define BIT(n) (1ULL << (n))

FIXTURE(pair) {
	struct vg_dev d;
	int call[2];
};

FIXTURE_SETUP(pair)
{
	self->call[0] = self->call[1] = -1;
	ASSERT_EQ(0, cu_open_owned(&self->d, 0));
}

FIXTURE_TEARDOWN(pair)
{
	vg_close(&self->d);
	for (int i = 0; i < 2; i++)
		if (self->call[i] >= 0)
			close(self->call[i]);
}

/* vhost_dev_init() .. vhost_dev_start() for a pair with no rings. */
static int start_unconfigured(struct vg_dev *d, uint64_t extra, int call[2])
{
	uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MRG_RXBUF) |
		     BIT(VIRTIO_RING_F_EVENT_IDX) | extra;
	int r;

	/* vhost_virtqueue_init(): each queue gets its (masked) call fd. */
	for (int i = 0; i < 2; i++) {
		struct vhost_vring_file c = { .index = i };

		call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (call[i] < 0)
			return -errno;
		c.fd = call[i];
		if (ioctl(d->fd, VHOST_SET_VRING_CALL, &c))
			return -errno;
	}
	r = vg_set_features(d, f);
	if (r)
		return r;
	return vg_set_mem_table_default(d);
}

/* vhost_net_stop_one(): SET_BACKEND -1 on both queues, each must succeed. */
static void stop_one(struct __test_metadata *_metadata, struct vg_dev *d)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct vhost_vring_file f = { .index = i, .fd = -1 };

		errno = 0;
		EXPECT_EQ(0, ioctl(d->fd, VHOST_NET_SET_BACKEND, &f))
			TH_LOG("queue %u: detach failed, errno %d (QEMU aborts)", i, errno);
	}
}

/*
 * The plain case.  Shown to fail on our core before the fix (EFAULT from
 * the ring overlap check of the all-zero rings), 2026-12-01.
 */
TEST_F(pair, detach_unconfigured_pair)
{
	ASSERT_EQ(0, start_unconfigured(&self->d, 0, self->call));
	stop_one(_metadata, &self->d);
	/* A second stop (vhost_net_stop() after a failed start) too. */
	stop_one(_metadata, &self->d);
}

/*
 * With a vIOMMU (iommu_platform=on): vhost_dev_start() also asks for the
 * used rings' translation, vhost_device_iotlb_miss(used_phys = 0), which
 * sends an UPDATE of IOVA 0 when the guest mapped it; the detach must
 * still succeed.
 */
TEST_F(pair, detach_unconfigured_pair_with_iommu)
{
	uint64_t bf = BIT(VHOST_BACKEND_F_IOTLB_MSG_V2);

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
	ASSERT_EQ(0, start_unconfigured(&self->d, BIT(VIRTIO_F_ACCESS_PLATFORM), self->call));
	EXPECT_EQ((ssize_t)sizeof(struct vhost_msg_v2),
		  cu_iotlb_v2(self->d.fd, VHOST_IOTLB_UPDATE, 0, 4096,
			      (uintptr_t)self->d.mem, VHOST_ACCESS_RW));
	stop_one(_metadata, &self->d);
	/* vhost_dev_stop() of an IOMMU device: invalidate-all follows. */
	EXPECT_EQ((ssize_t)sizeof(struct vhost_msg_v2),
		  cu_iotlb_v2(self->d.fd, VHOST_IOTLB_INVALIDATE, 0, 0, 0, 0));
}

/* Attaching a backend to a queue without rings is still refused. */
TEST_F(pair, attach_to_unconfigured_queue_refused)
{
	int tap;
	char name[16] = "vs%d";
	struct vhost_vring_file f = { .index = 0 };

	ASSERT_EQ(0, start_unconfigured(&self->d, 0, self->call));
	tap = vg_tap_open(name, 0);
	ASSERT_LE(0, tap);
	f.fd = tap;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->d.fd, VHOST_NET_SET_BACKEND, &f));
	TH_LOG("attach to a zero ring: errno %d", errno);
	close(tap);
}

TEST_HARNESS_MAIN
