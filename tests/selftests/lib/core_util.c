// SPDX-License-Identifier: GPL-2.0
/*
 * core_util: small helpers shared by the core_* ABI selftests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "core_util.h"

int cu_open_owned(struct vg_dev *d, size_t mem)
{
	int r = vg_open(d, CU_DEV, mem);

	if (r)
		return r;
	return ioctl(d->fd, VHOST_SET_OWNER, NULL) ? -errno : 0;
}

ssize_t cu_iotlb_v2(int fd, uint8_t type, uint64_t iova, uint64_t size,
		    uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.iotlb.type = type;
	m.iotlb.iova = iova;
	m.iotlb.size = size;
	m.iotlb.uaddr = uaddr;
	m.iotlb.perm = perm;
	n = write(fd, &m, sizeof(m));
	return n < 0 ? -errno : n;
}

int cu_poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

unsigned int cu_max_mem_regions(void)
{
	char buf[32];
	long v;

	if (vg_read_file("/sys/module/vhost/parameters/max_mem_regions", buf,
			 sizeof(buf)) <= 0)
		return 64;
	v = strtol(buf, NULL, 10);
	return v > 0 ? v : 64;
}

enum cu_core cu_core(void)
{
	if (!access("/sys/module/vhh_core/holders/vhost_net", F_OK))
		return CU_CORE_OURS;
	if (!access("/sys/module/vhost/holders/vhost_net", F_OK))
		return CU_CORE_INTREE;
	return CU_CORE_UNKNOWN;
}

int cu_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		      uint64_t used, unsigned int flags, uint64_t log_addr)
{
	struct vhost_vring_addr a = {
		.index = idx,
		.flags = flags,
		.desc_user_addr = desc,
		.avail_user_addr = avail,
		.used_user_addr = used,
		.log_guest_addr = log_addr,
	};

	return ioctl(fd, VHOST_SET_VRING_ADDR, &a) ? -errno : 0;
}
