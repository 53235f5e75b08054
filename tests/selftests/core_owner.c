// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: owner rules.  Checked against vhost-net's device node; the
 * owner logic lives in the shared core, so any vhost device would do.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vguest.h"

#define DEV "/dev/vhost-net"

FIXTURE(owner) {
	struct vg_dev d;
};

FIXTURE_SETUP(owner)
{
	ASSERT_EQ(0, vg_open(&self->d, DEV, 0));
}

FIXTURE_TEARDOWN(owner)
{
	vg_close(&self->d);
}

TEST_F(owner, set_owner_once)
{
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
}

TEST_F(owner, set_owner_twice_is_ebusy)
{
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(EBUSY, errno);
}

TEST_F(owner, mem_table_before_owner_is_eperm)
{
	ASSERT_EQ(-EPERM, vg_set_mem_table_default(&self->d));
}

TEST_F(owner, vring_num_before_owner_is_eperm)
{
	struct vhost_vring_state s = { .index = 0, .num = 256 };

	ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_VRING_NUM, &s));
	ASSERT_EQ(EPERM, errno);
}

TEST_F(owner, reset_owner_allows_new_owner)
{
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, vg_set_mem_table_default(&self->d));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_RESET_OWNER, NULL));
	/* After a reset the device has no owner and no memory table. */
	ASSERT_EQ(-EPERM, vg_set_mem_table_default(&self->d));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, vg_set_mem_table_default(&self->d));
}

TEST_F(owner, other_process_is_not_owner)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* A child shares the fd but not the mm: it is not the owner. */
		int r = vg_set_mem_table_default(&self->d);

		_exit(r == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
