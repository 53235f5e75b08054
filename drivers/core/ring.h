/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ring accessors shared by the ring half of the core (access.c, desc.c,
 * used.c, log.c); not exported.
 *
 * Without an IOTLB the ring pointers are user addresses of the owner and
 * are accessed directly (get_user/put_user keep the access_ok check as a
 * second line of defence).  With an IOTLB they are IOVAs: the translations
 * cached by vhh_vq_meta_prefetch() serve the fast path, anything else is
 * translated on the spot.
 */
#ifndef _VHH_CORE_RING_H
#define _VHH_CORE_RING_H

#include <linux/uaccess.h>
#include <vhh/checks.h>

#include "internal.h"

/* Dirty log granularity: one bit per 4 KiB guest page (uapi contract). */
#define VHH_LOG_PAGE 0x1000ull

static inline __virtio16 __user *vhh_used_event_ptr(struct vhh_vq *vq)
{
	return (__virtio16 __user *)&vq->avail->ring[vq->num];
}

static inline __virtio16 __user *vhh_avail_event_ptr(struct vhh_vq *vq)
{
	return (__virtio16 __user *)&vq->used->ring[vq->num];
}

/* access.c: IOTLB slow path of vhh_ring_ptr(). */
int vhh_ring_xlate(struct vhh_vq *vq, void __user **p, u32 size, int access);
/* access.c: copies of ring areas of any size (descriptors, used elements). */
int vhh_ring_read(struct vhh_vq *vq, void *to, const void __user *from,
		  u32 size, int type);
int vhh_ring_write(struct vhh_vq *vq, void __user *to, const void *from,
		   u32 size, int type);

/* Does the cached translation of ring part @type cover [a, a + size)? */
static inline bool vhh_meta_covers(const struct vhh_iotlb_map *map, u64 a,
				   u32 size)
{
	return map && a >= map->start && a <= map->last &&
	       map->last - a >= size - 1;
}

/* With the IOTLB on, turn the ring IOVA *@p into a host pointer. */
static inline int vhh_ring_ptr(struct vhh_vq *vq, void __user **p, u32 size,
			       int type, int access)
{
	const struct vhh_iotlb_map *map = vq->meta_iotlb[type];
	u64 a = (u64)(uintptr_t)*p;

	if (likely(vhh_meta_covers(map, a, size))) {
		*p = (void __user *)(uintptr_t)(map->addr + (a - map->start));
		return 0;
	}
	return vhh_ring_xlate(vq, p, size, access);
}

static inline int vhh_ring_get16(struct vhh_vq *vq, u16 *val,
				 __virtio16 __user *p, int type)
{
	void __user *up = p;
	__virtio16 v;
	int r;

	if (vq->iotlb) {
		r = vhh_ring_ptr(vq, &up, sizeof(v), type, VHH_PERM_RO);
		if (unlikely(r))
			return r;
	}
	/*
	 * The ring was checked with access_ok() when it was set (and an
	 * IOTLB map when it was added): the unchecked access, which is not
	 * a might_fault() preemption point (6.1) for every ring field.
	 */
	if (unlikely(__get_user(v, (__virtio16 __user *)up)))
		return -EFAULT;
	*val = vhh16_to_cpu(vq, v);
	return 0;
}

static inline int vhh_ring_put16(struct vhh_vq *vq, u16 val,
				 __virtio16 __user *p)
{
	void __user *up = p;
	int r;

	if (vq->iotlb) {
		r = vhh_ring_ptr(vq, &up, sizeof(__virtio16), VHH_ADDR_USED,
				 VHH_PERM_WO);
		if (unlikely(r))
			return r;
	}
	/* Checked when set, as in vhh_ring_get16(). */
	if (unlikely(__put_user(cpu_to_vhh16(vq, val),
				(__virtio16 __user *)up)))
		return -EFAULT;
	return 0;
}

/*
 * A malformed ring or chain stops the queue until userspace reconfigures
 * it; a pending IOTLB miss, a failed allocation or a chain too long for
 * the caller's iovec array (RX may ask again with more room) is not the
 * guest's fault.
 */
static inline int vhh_vq_break(struct vhh_vq *vq, int err)
{
	if (err != -EAGAIN && err != -ENOMEM && err != -ENOBUFS)
		vq->broken = true;
	return err;
}

/* desc.c: re-read avail->idx; 1 new heads, 0 none, < 0 broken ring. */
int vhh_fetch_avail_idx(struct vhh_vq *vq);

/* used.c: write used->flags (and log it). */
int vhh_update_used_flags(struct vhh_vq *vq);

/* log.c: tell userspace the log changed. */
static inline void vhh_log_signal(struct vhh_vq *vq)
{
	if (vq->log_ctx)
		vhh_eventfd_signal(vq->log_ctx);
}

#endif /* _VHH_CORE_RING_H */
