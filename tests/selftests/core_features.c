// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: feature negotiation (VHOST_GET/SET_FEATURES, backend features)
 * and the VHOST_F_LOG_ALL access checks, through /dev/vhost-net.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "kselftest_harness.h"
#include "core_util.h"
#include "vnet.h"

#define BIT(n) (1ULL << (n))

FIXTURE(features) {
	struct vg_dev d;
	uint64_t offered;
};

FIXTURE_SETUP(features)
{
	ASSERT_EQ(0, cu_open_owned(&self->d, 0));
	ASSERT_EQ(0, vg_get_features(&self->d, &self->offered));
	TH_LOG("offered features 0x%llx", (unsigned long long)self->offered);
}

FIXTURE_TEARDOWN(features)
{
	vg_close(&self->d);
}

/* GET_FEATURES offers the core and vhost-net bits every user relies on. */
TEST_F(features, get_features_advertises_core_bits)
{
	EXPECT_TRUE(!!(self->offered & BIT(VHOST_F_LOG_ALL)));
	EXPECT_TRUE(!!(self->offered & BIT(VIRTIO_F_VERSION_1)));
	EXPECT_TRUE(!!(self->offered & BIT(VIRTIO_RING_F_INDIRECT_DESC)));
	EXPECT_TRUE(!!(self->offered & BIT(VIRTIO_RING_F_EVENT_IDX)));
	EXPECT_TRUE(!!(self->offered & BIT(VHOST_NET_F_VIRTIO_NET_HDR)));
	EXPECT_TRUE(!!(self->offered & BIT(VIRTIO_F_ACCESS_PLATFORM)));
}

/* Every bit that is not offered is refused with EOPNOTSUPP, one at a time. */
TEST_F(features, set_features_unknown_bit_is_eopnotsupp)
{
	for (int b = 0; b < 64; b++) {
		uint64_t f = BIT(b);

		if (self->offered & f)
			continue;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FEATURES, &f))
			TH_LOG("unoffered bit %d accepted", b);
		EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("bit %d", b);
	}
	/* All ones, too. */
	{
		uint64_t f = ~0ULL;

		EXPECT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FEATURES, &f));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
}

/* The offered set (without ACCESS_PLATFORM, which switches on the IOTLB) and 0 are accepted. */
TEST_F(features, set_offered_features_accepted)
{
	ASSERT_EQ(0, vg_set_features(&self->d, self->offered & ~BIT(VIRTIO_F_ACCESS_PLATFORM)));
	ASSERT_EQ(0, vg_set_features(&self->d, 0));
	ASSERT_EQ(0, vg_set_features(&self->d, self->offered));
}

/* GET_BACKEND_FEATURES offers IOTLB_MSG_V2 on vhost-net. */
TEST_F(features, get_backend_features_offers_iotlb_msg_v2)
{
	uint64_t bf = 0;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_BACKEND_FEATURES, &bf));
	TH_LOG("offered backend features 0x%llx", (unsigned long long)bf);
	EXPECT_TRUE(!!(bf & BIT(VHOST_BACKEND_F_IOTLB_MSG_V2)));
}

/* Unoffered backend feature bits are refused with EOPNOTSUPP. */
TEST_F(features, set_backend_features_unknown_bit_is_eopnotsupp)
{
	uint64_t bf = 0;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_BACKEND_FEATURES, &bf));
	for (int b = 0; b < 64; b++) {
		uint64_t f = BIT(b);

		if (bf & f)
			continue;
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->d.fd, VHOST_SET_BACKEND_FEATURES, &f))
			TH_LOG("unoffered backend bit %d accepted", b);
		EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("bit %d", b);
	}
}

/* The offered backend features are accepted. */
TEST_F(features, set_backend_features_offered_accepted)
{
	uint64_t bf = 0;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_BACKEND_FEATURES, &bf));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
	bf = 0;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
}

/*
 * LOG_ALL before any ring is active is accepted even without a log base:
 * the log is only checked once a backend makes a ring live (QEMU negotiates
 * LOG_ALL before it sets the log base).
 */
TEST_F(features, log_all_before_backend_is_deferred)
{
	ASSERT_EQ(0, vg_set_mem_table_default(&self->d));
	ASSERT_EQ(0, vg_set_features(&self->d, BIT(VIRTIO_F_VERSION_1) | BIT(VHOST_F_LOG_ALL)));
}

FIXTURE(logfeat) {
	struct vn_ctx c;
	uint64_t base;
	uint8_t *bitmap;
};

FIXTURE_SETUP(logfeat)
{
	/* Large enough for every page of the default arena at VG_GPA_BASE. */
	size_t sz = (VG_GPA_BASE + VG_DEFAULT_MEM) / 4096 / 8 + 4096;

	self->bitmap = calloc(1, sz);
	ASSERT_NE(NULL, self->bitmap);
	ASSERT_EQ(0, vn_setup_unattached(&self->c, VN_HDR_VHOST, 0, 64));
	self->base = self->c.d.features;
}

FIXTURE_TEARDOWN(logfeat)
{
	vn_teardown(&self->c);
	free(self->bitmap);
}

/* With a live ring, LOG_ALL is refused when the log base is a kernel address. */
TEST_F(logfeat, log_all_with_kernel_log_base_is_efault)
{
	uint64_t p = CU_KERNEL_ADDR, f = self->base | BIT(VHOST_F_LOG_ALL);

	ASSERT_EQ(0, vn_set_backend(&self->c, VN_RXQ, self->c.tap_fd));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	/* Not logging yet: the base is not used, so it is accepted. */
	ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_LOG_BASE, &p));
	ASSERT_EQ(-1, ioctl(self->c.d.fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(EFAULT, errno);
}

/* With LOG_ALL on and a live ring, moving the log base to a kernel address is EFAULT. */
TEST_F(logfeat, kernel_log_base_while_logging_is_efault)
{
	uint64_t p = (uintptr_t)self->bitmap, f = self->base | BIT(VHOST_F_LOG_ALL);

	ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_LOG_BASE, &p));
	ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_FEATURES, &f));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_RXQ, self->c.tap_fd));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	p = CU_KERNEL_ADDR;
	ASSERT_EQ(-1, ioctl(self->c.d.fd, VHOST_SET_LOG_BASE, &p));
	EXPECT_EQ(EFAULT, errno);
}

/* The deferred check happens at backend attach: LOG_ALL + kernel log base -> EFAULT. */
TEST_F(logfeat, attach_with_log_all_and_kernel_log_base_fails)
{
	uint64_t p = CU_KERNEL_ADDR, f = self->base | BIT(VHOST_F_LOG_ALL);

	ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_LOG_BASE, &p));
	ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(-EFAULT, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
}

TEST_HARNESS_MAIN
