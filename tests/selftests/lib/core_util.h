/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core_util: small helpers shared by the core_* ABI selftests.
 */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stdint.h>
#include <sys/types.h>
#include "vguest.h"

#define CU_DEV "/dev/vhost-net"
/* A kernel (non-user) address: any access_ok() check must refuse it. */
#define CU_KERNEL_ADDR 0xffffffff81000000ULL

/* vg_open() on /dev/vhost-net with @mem bytes of arena, then SET_OWNER. */
int cu_open_owned(struct vg_dev *d, size_t mem);

/* Send one VHOST_IOTLB_MSG_V2 message; returns write()'s result or -errno. */
ssize_t cu_iotlb_v2(int fd, uint8_t type, uint64_t iova, uint64_t size,
		    uint64_t uaddr, uint8_t perm);

/* Wait up to @ms for POLLIN on @fd: 1 readable, 0 timeout. */
int cu_poll_in(int fd, int ms);

/* /sys/module/vhost/parameters/max_mem_regions, or 64 if unreadable. */
unsigned int cu_max_mem_regions(void);

/*
 * Which vhost core serves /dev/vhost-net: ours when vhost_net holds
 * vhh_core, in-tree when it holds vhost; unknown before vhost_net is
 * loaded.  (KUnit runs load vhh_core next to the in-tree modules, so
 * vhh_core being loaded says nothing by itself.)  For the few errnos where
 * 6.1 and our core both refuse an input but say it differently.
 */
enum cu_core { CU_CORE_UNKNOWN, CU_CORE_INTREE, CU_CORE_OURS };
enum cu_core cu_core(void);

/* VHOST_SET_VRING_ADDR with explicit addresses; returns 0 or -errno. */
int cu_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		      uint64_t used, unsigned int flags, uint64_t log_addr);

#endif
