// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: VHOST_SET/GET_FORK_FROM_OWNER (6.12).  Clients that want kernel
 * thread workers (VPP's tap driver, for one) ask for
 * VHOST_FORK_OWNER_KTHREAD before SET_OWNER and go on when the ioctl is
 * refused.  Workers that are threads of the owner (TASK) are the default
 * where the kernel has vhost_task (6.11 on: 6.12, 7.2), for the in-tree
 * module and ours; on 6.1 ours has kernel threads only and refuses TASK.
 * 6.1 in-tree has no such ioctl and fails every case (EPERM before
 * SET_OWNER, ENOTTY after): an expected failure there, and the proof that
 * the cases can fail.  Ours before task mode failed default_mode and
 * task_worker_is_owner_thread on 6.12 (it answered KTHREAD, refused TASK).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
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

/* vhost_task with a SIGKILL handler: kernels from 6.11 on. */
static bool kernel_has_vhost_task(void)
{
	return vg_kernel_at_least(6, 11);
}

/* Threads of this process named like a worker of it ("vhost-<pid>"). */
static int own_worker_threads(void)
{
	char want[32], path[300], buf[256];
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	snprintf(want, sizeof(want), "(vhost-%d)", getpid());
	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
			 e->d_name);
		if (vg_read_file(path, buf, sizeof(buf)) >= 0 &&
		    strstr(buf, want))
			n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

/* The mode a new device starts in is 6.12's default where it has one. */
TEST_F(fork, default_mode)
{
	uint8_t mode = 0xff;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(kernel_has_vhost_task() ? VHOST_FORK_OWNER_TASK :
					     VHOST_FORK_OWNER_KTHREAD, mode);
}

/*
 * TASK: the worker is a thread of the owner (it counts in its RLIMIT_NPROC
 * and cgroups); ours refuses the mode where the kernel lacks vhost_task.
 */
TEST_F(fork, task_worker_is_owner_thread)
{
	uint8_t mode = VHOST_FORK_OWNER_TASK;

	if (!kernel_has_vhost_task()) {
		ASSERT_EQ(-1, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER,
				    &mode));
		ASSERT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, own_worker_threads());
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(1, own_worker_threads());
	ASSERT_EQ(1, vg_worker_tids(NULL, 0));
	ASSERT_EQ(0, vg_set_mem_table_default(&self->d));
	ASSERT_EQ(0, vg_vq_setup(&self->d, 0, 64));
}

/* KTHREAD: the worker is a kernel thread, not one of ours. */
TEST_F(fork, kthread_worker_is_not_owner_thread)
{
	uint8_t mode = VHOST_FORK_OWNER_KTHREAD;

	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, own_worker_threads());
	ASSERT_EQ(1, vg_worker_tids(NULL, 0));
}

/*
 * The owner dies by SIGKILL while another process still holds the device
 * (QEMU killed, a forked helper keeping the fd).  In TASK mode the worker
 * dies with the owner; the holder is not the owner (EPERM) and its close
 * must not wait for the dead worker.  Kicks keep coming until the kill.
 * Shown to hang at close when a flush waited for a killed worker.
 */
static void owner_killed(struct __test_metadata *_metadata,
			 struct vg_dev *d, uint8_t mode)
{
	struct vhost_vring_state st = { .index = 0 };
	int ready[2], status;
	long long end;
	pid_t pid;
	char c;

	if (mode == VHOST_FORK_OWNER_TASK && !kernel_has_vhost_task())
		SKIP(return, "no vhost_task on this kernel");
	ASSERT_EQ(0, ioctl(d->fd, VHOST_SET_FORK_FROM_OWNER, &mode));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (ioctl(d->fd, VHOST_SET_OWNER, NULL) ||
		    vg_set_mem_table_default(d) || vg_vq_setup(d, 0, 64))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			vg_kick(d, 0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	usleep(100 * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(-1, ioctl(d->fd, VHOST_GET_VRING_BASE, &st));
	ASSERT_EQ(EPERM, errno);
	end = vg_now_ms();
	vg_close(d);
	TH_LOG("close took %lld ms", vg_now_ms() - end);
}

TEST_F_TIMEOUT(fork, task_owner_killed, 60)
{
	owner_killed(_metadata, &self->d, VHOST_FORK_OWNER_TASK);
}

TEST_F_TIMEOUT(fork, kthread_owner_killed, 60)
{
	owner_killed(_metadata, &self->d, VHOST_FORK_OWNER_KTHREAD);
}

TEST_HARNESS_MAIN
