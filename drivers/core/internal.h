/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of the core module; not exported.
 */
#ifndef _VHH_CORE_INTERNAL_H
#define _VHH_CORE_INTERNAL_H

#include <vhh/core.h>

/* msg.c: IOTLB message queues and misses. */
struct vhh_msg_node *vhh_new_msg(struct vhh_vq *vq, int type);
void vhh_enqueue_msg(struct vhh_dev *dev, struct list_head *head,
		     struct vhh_msg_node *node);
struct vhh_msg_node *vhh_dequeue_msg(struct vhh_dev *dev,
				     struct list_head *head);
/* Ask userspace for a translation of @iova; the queue waits for it. */
int vhh_iotlb_miss(struct vhh_vq *vq, u64 iova, int access);

/* access.c: forget cached ring translations (IOTLB changed). */
void vhh_vq_meta_reset(struct vhh_vq *vq);
void vhh_dev_meta_reset(struct vhh_dev *dev);

/*
 * access.c: translate [addr, addr + len) of guest memory (memory table or
 * IOTLB) into user iovecs.  Returns the number of iovecs, -ENOBUFS if more
 * than @iov_size are needed, -EFAULT if not mapped with @access (a pending
 * IOTLB miss gives -EAGAIN after queueing the miss).
 */
int vhh_translate(struct vhh_vq *vq, u64 addr, u32 len, struct iovec iov[],
		  int iov_size, int access);

/* log.c: log a write to the used ring (offset from its start). */
int vhh_log_used(struct vhh_vq *vq, u64 used_offset, u64 len);

/* Module parameters (main.c). */
extern unsigned short vhh_max_mem_regions;
extern int vhh_max_iotlb_entries;
extern unsigned int vhh_max_extra_workers;
extern bool vhh_fork_from_owner_default;

#endif /* _VHH_CORE_INTERNAL_H */
