// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: VHOST_SET/GET_FORK_FROM_OWNER (6.12).  Clients that want kernel
 * thread workers (VPP's tap driver, for one) ask for
 * VHOST_FORK_OWNER_KTHREAD before SET_OWNER and go on when the ioctl is
 * refused.  Ours has that one mode on every kernel; 6.12 has it too.
 * These cases hold for both; 6.1 in-tree has no such ioctl and fails
 * every case (EPERM before SET_OWNER, ENOTTY after): an expected failure
 * there, and the proof that the cases can fail.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vguest.h"

#include <vhh/uapi.h>

#define DEV "/dev/vhost-net"

FIXTURE(fork) {
	struct vg_dev d;
};

FIXTURE_SETUP(fork)
{
	ASSERT_EQ(0, vg_open(&self->d, DEV, 0));
}

FIXTURE_TEARDOWN(fork)
{
	vg_close(&self->d);
}

/* KTHREAD before SET_OWNER is taken, read back, and the device works. */
TEST_F(fork, kthread_before_owner)
{
	uint8_t mode = VHOST_FORK_OWNER_KTHREAD;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	mode = 0xff;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(VHOST_FORK_OWNER_KTHREAD, mode);
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, vg_set_mem_table_default(&self->d));
	ASSERT_EQ(0, vg_vq_setup(&self->d, 0, 64));
}

/* After SET_OWNER the mode is fixed: EBUSY, and GET still answers. */
TEST_F(fork, set_after_owner_is_ebusy)
{
	uint8_t mode = VHOST_FORK_OWNER_KTHREAD;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(EBUSY, errno);
	mode = 0xff;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(VHOST_FORK_OWNER_KTHREAD, mode);
}

/* A mode nobody defined is EINVAL, and changes nothing. */
TEST_F(fork, unknown_mode_is_einval)
{
	uint8_t mode = 7;

	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(EINVAL, errno);
	mode = VHOST_FORK_OWNER_KTHREAD;
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
}

/* A bad pointer is EFAULT, before or after the owner. */
TEST_F(fork, bad_pointer_is_efault)
{
	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_GET_FORK_FROM_OWNER, NULL));
	ASSERT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
