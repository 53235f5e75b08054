// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory access of the hardened vhost core: translation of guest
 * ranges (memory table or IOTLB) into user iovecs, ring reads and writes,
 * the cached ring translations of the IOTLB, and the access checks that
 * gate starting a queue.
 *
 * Everything here runs under the queue's mutex; the tables it walks only
 * change with every queue mutex of the device held, and whoever changes
 * them calls vhh_vq_meta_reset() so that no cached map outlives its table.
 */
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/uio.h>

#include "ring.h"

/* Which table translates this queue's guest addresses. */
static inline struct vhh_iotlb *vhh_vq_table(struct vhh_vq *vq)
{
	return vq->iotlb ? vq->iotlb : vq->umem;
}

static void vhh_xlate_remember(struct vhh_vq *vq, struct vhh_iotlb *tbl,
			       const struct vhh_iotlb_map *map)
{
	vq->xlate_hit.tbl = tbl;
	vq->xlate_hit.start = map->start;
	vq->xlate_hit.last = map->last;
	vq->xlate_hit.addr = map->addr;
	vq->xlate_hit.perm = map->perm;
}

/* A hole in the table: ask userspace when it is the IOTLB, else fault. */
static int vhh_xlate_hole(struct vhh_vq *vq, u64 addr, int access)
{
	int r;

	if (!vq->iotlb)
		return -EFAULT;
	r = vhh_iotlb_miss(vq, addr, access);
	return r ? r : -EAGAIN;
}

int vhh_translate(struct vhh_vq *vq, u64 addr, u32 len, struct iovec iov[],
		  int iov_size, int access)
{
	struct vhh_iotlb *tbl = vhh_vq_table(vq);
	struct vhh_iotlb_map *map;
	u64 last, cur, end;
	int n = 0;

	if (unlikely(!len))
		return 0;
	/* A range that wraps past 2^64 is never mapped (seed 004 bounds). */
	if (unlikely(check_add_overflow(addr, (u64)len - 1, &last) || !tbl))
		return -EFAULT;
	if (unlikely(iov_size <= 0))
		return -ENOBUFS;

	/* Most buffers sit in the region the previous one did. */
	if (likely(vq->xlate_hit.tbl == tbl && addr >= vq->xlate_hit.start &&
		   last <= vq->xlate_hit.last &&
		   (vq->xlate_hit.perm & access) == access)) {
		iov[0].iov_base = (void __user *)(uintptr_t)
			(vq->xlate_hit.addr + (addr - vq->xlate_hit.start));
		iov[0].iov_len = len;
		return 1;
	}

	cur = addr;
	map = vhh_iotlb_find(tbl, cur, last);
	for (;;) {
		if (!map || map->start > cur)
			return vhh_xlate_hole(vq, cur, access);
		if ((map->perm & access) != access)
			return -EPERM;
		if (n >= iov_size)
			return -ENOBUFS;
		if (!n)
			vhh_xlate_remember(vq, tbl, map);
		end = min(map->last, last);
		iov[n].iov_base = (void __user *)(uintptr_t)
			(map->addr + (cur - map->start));
		iov[n].iov_len = end - cur + 1;
		n++;
		if (end == last)
			return n;
		cur = end + 1;
		map = vhh_iotlb_next(map, cur, last);
	}
}

int vhh_ring_xlate(struct vhh_vq *vq, void __user **p, u32 size, int access)
{
	struct iovec *iov = vq->iotlb_iov;
	int r;

	r = vhh_translate(vq, (u64)(uintptr_t)*p, size, iov,
			  ARRAY_SIZE(vq->iotlb_iov), access);
	if (unlikely(r < 0)) {
		if (r != -EAGAIN)
			vhh_vq_err(vq, "IOTLB translation failure %d: ring %p size %u\n",
				   r, *p, size);
		return r;
	}
	/* A ring field split across two mappings cannot be accessed atomically. */
	if (unlikely(r != 1 || iov[0].iov_len != size)) {
		vhh_vq_err(vq, "Non atomic ring access: %p size %u\n", *p, size);
		return -EFAULT;
	}
	*p = iov[0].iov_base;
	return 0;
}

int vhh_ring_read(struct vhh_vq *vq, void *to, const void __user *from,
		  u32 size, int type)
{
	const struct vhh_iotlb_map *map;
	u64 a = (u64)(uintptr_t)from;
	int i, n;

	if (!vq->iotlb)
		return copy_from_user(to, from, size) ? -EFAULT : 0;

	map = vq->meta_iotlb[type];
	if (likely(vhh_meta_covers(map, a, size)))
		return copy_from_user(to, (void __user *)(uintptr_t)
				      (map->addr + (a - map->start)), size) ?
			-EFAULT : 0;

	n = vhh_translate(vq, a, size, vq->iotlb_iov,
			  ARRAY_SIZE(vq->iotlb_iov), VHH_PERM_RO);
	if (unlikely(n < 0)) {
		if (n != -EAGAIN)
			vhh_vq_err(vq, "IOTLB translation failure %d: ring %p size %u\n",
				   n, from, size);
		return n;
	}
	for (i = 0; i < n; i++) {
		size_t l = vq->iotlb_iov[i].iov_len;

		if (copy_from_user(to, vq->iotlb_iov[i].iov_base, l))
			return -EFAULT;
		to += l;
	}
	return 0;
}

int vhh_ring_write(struct vhh_vq *vq, void __user *to, const void *from,
		   u32 size, int type)
{
	const struct vhh_iotlb_map *map;
	u64 a = (u64)(uintptr_t)to;
	int i, n;

	if (!vq->iotlb)
		return copy_to_user(to, from, size) ? -EFAULT : 0;

	map = vq->meta_iotlb[type];
	if (likely(vhh_meta_covers(map, a, size)))
		return copy_to_user((void __user *)(uintptr_t)
				    (map->addr + (a - map->start)), from, size) ?
			-EFAULT : 0;

	n = vhh_translate(vq, a, size, vq->iotlb_iov,
			  ARRAY_SIZE(vq->iotlb_iov), VHH_PERM_WO);
	if (unlikely(n < 0)) {
		if (n != -EAGAIN)
			vhh_vq_err(vq, "IOTLB translation failure %d: ring %p size %u\n",
				   n, to, size);
		return n;
	}
	for (i = 0; i < n; i++) {
		size_t l = vq->iotlb_iov[i].iov_len;

		if (copy_to_user(vq->iotlb_iov[i].iov_base, from, l))
			return -EFAULT;
		from += l;
	}
	return 0;
}

void vhh_vq_meta_reset(struct vhh_vq *vq)
{
	int i;

	for (i = 0; i < VHH_NUM_ADDRS; i++)
		vq->meta_iotlb[i] = NULL;
	vq->xlate_hit.tbl = NULL;
}

void vhh_dev_meta_reset(struct vhh_dev *dev)
{
	int i;

	for (i = 0; i < dev->nvqs; i++)
		vhh_vq_meta_reset(dev->vqs[i]);
}

/*
 * Is [addr, addr + len) of a ring part mapped with @access?  Caches the
 * map when one covers the whole part; queues a miss for the first hole.
 */
static bool vhh_meta_ok(struct vhh_vq *vq, int access, u64 addr, u64 len,
			int type)
{
	struct vhh_iotlb_map *map;
	u64 last, cur;

	if (check_add_overflow(addr, len - 1, &last)) {
		vhh_vq_err(vq, "Ring part %d wraps: %#llx + %#llx\n", type,
			   addr, len);
		return false;
	}
	if (vhh_meta_covers(vq->meta_iotlb[type], addr, len))
		return true;

	cur = addr;
	map = vhh_iotlb_find(vq->iotlb, cur, last);
	for (;;) {
		if (!map || map->start > cur) {
			vhh_iotlb_miss(vq, cur, access);
			return false;
		}
		if ((map->perm & access) != access) {
			vhh_vq_err(vq, "Ring part %d mapped without access %d at %#llx\n",
				   type, access, cur);
			return false;
		}
		if (cur == addr && map->last >= last)
			vq->meta_iotlb[type] = map;
		if (map->last >= last)
			return true;
		cur = map->last + 1;
		map = vhh_iotlb_next(map, cur, last);
	}
}

int vhh_vq_meta_prefetch(struct vhh_vq *vq)
{
	bool ev = vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX);
	unsigned int num = vq->num;

	/* Never set, or cleared by an IOTLB switch: nothing to do yet. */
	if (!vq->desc && !vq->avail && !vq->used)
		return 0;
	if (!vq->iotlb)
		return 1;

	return vhh_meta_ok(vq, VHH_PERM_RO, (u64)(uintptr_t)vq->desc,
			   vhh_desc_size(num), VHH_ADDR_DESC) &&
	       vhh_meta_ok(vq, VHH_PERM_RO, (u64)(uintptr_t)vq->avail,
			   vhh_avail_size(num, ev), VHH_ADDR_AVAIL) &&
	       vhh_meta_ok(vq, VHH_PERM_WO, (u64)(uintptr_t)vq->used,
			   vhh_used_size(num, ev), VHH_ADDR_USED);
}
VHH_EXPORT(vhh_vq_meta_prefetch);

/* The log bytes covering guest pages [gpa_first, gpa_last] are writable. */
static bool vhh_log_range_ok(void __user *log_base, u64 gpa_first,
			     u64 gpa_last)
{
	u64 first = gpa_first / VHH_LOG_PAGE / 8;
	u64 last = gpa_last / VHH_LOG_PAGE / 8;
	u64 base = (u64)(uintptr_t)log_base, end;

	if (check_add_overflow(base, last, &end))
		return false;
	return access_ok((void __user *)(uintptr_t)(base + first),
			 last - first + 1);
}

/* Every region is user memory (and loggable when @log_all). */
static bool vhh_mem_access_ok(void __user *log_base, struct vhh_iotlb *umem,
			      bool log_all)
{
	const struct vhh_iotlb_map *map;

	if (!umem)
		return false;
	list_for_each_entry(map, &umem->list, link) {
		u64 span = map->last - map->start;

		if (span == U64_MAX ||
		    !access_ok((void __user *)(uintptr_t)map->addr, span + 1))
			return false;
		if (log_all && !vhh_log_range_ok(log_base, map->start,
						 map->last))
			return false;
	}
	return true;
}

static bool vhh_vq_log_access_ok(struct vhh_vq *vq, void __user *log_base)
{
	bool ev = vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX);
	u64 last;

	if (!vhh_mem_access_ok(log_base, vq->umem,
			       vhh_has_feature(vq, VHOST_F_LOG_ALL)))
		return false;
	/* With an IOTLB the used ring is logged through its translation. */
	if (vq->iotlb || !vq->log_used)
		return true;
	if (check_add_overflow(vq->log_addr, vhh_used_size(vq->num, ev) - 1,
			       &last))
		return false;
	return vhh_log_range_ok(log_base, vq->log_addr, last);
}

bool vhh_vq_access_ok(struct vhh_vq *vq)
{
	bool ev = vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX);
	unsigned int num = vq->num;

	if (!vhh_vq_log_access_ok(vq, vq->log_base))
		return false;
	/*
	 * SET_VRING_ADDR checked the geometry for the size and features of
	 * that moment; a later SET_VRING_NUM or EVENT_IDX may have grown the
	 * rings into each other (SPDK threat #5).
	 */
	if (vhh_check_ring_addrs((uintptr_t)vq->desc, (uintptr_t)vq->avail,
				 (uintptr_t)vq->used, num, ev))
		return false;
	/* IOVAs are checked when translated (vhh_vq_meta_prefetch). */
	if (vq->iotlb)
		return true;
	return access_ok(vq->desc, vhh_desc_size(num)) &&
	       access_ok(vq->avail, vhh_avail_size(num, ev)) &&
	       access_ok(vq->used, vhh_used_size(num, ev));
}
VHH_EXPORT(vhh_vq_access_ok);

bool vhh_vq_is_setup(struct vhh_vq *vq)
{
	return vq->desc && vq->avail && vq->used && vhh_vq_access_ok(vq);
}
VHH_EXPORT(vhh_vq_is_setup);

/* Caller holds the device mutex, not the queue mutexes. */
bool vhh_log_access_ok(struct vhh_dev *dev)
{
	bool ok = true;
	int i;

	for (i = 0; i < dev->nvqs && ok; i++) {
		struct vhh_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		/* An idle queue is checked when it is started. */
		if (vq->private_data)
			ok = vhh_mem_access_ok(vq->log_base, dev->umem, true);
		mutex_unlock(&vq->mutex);
	}
	return ok;
}
VHH_EXPORT(vhh_log_access_ok);

/*
 * Would the rings of the running queues still pass with @features?
 * EVENT_IDX adds two bytes to the avail and used rings, whose fields are
 * then read unchecked (ring.h).  Caller holds the device mutex (the rings
 * cannot change meanwhile), not the queue mutexes.
 */
bool vhh_rings_fit(struct vhh_dev *dev, u64 features)
{
	bool ok = true;
	int i;

	for (i = 0; i < dev->nvqs && ok; i++) {
		struct vhh_vq *vq = dev->vqs[i];
		u64 old;

		mutex_lock(&vq->mutex);
		/* An idle queue is checked when it is started. */
		if (vq->private_data && vq->desc) {
			old = vq->acked_features;
			vq->acked_features = features;
			ok = vhh_vq_access_ok(vq);
			vq->acked_features = old;
		}
		mutex_unlock(&vq->mutex);
	}
	return ok;
}
VHH_EXPORT(vhh_rings_fit);

int vhh_vq_init_access(struct vhh_vq *vq)
{
	bool is_le = vq->is_le;
	u16 used_idx;
	int r;

	if (!vq->private_data)
		return 0;

	vq->is_le = vhh_has_feature(vq, VIRTIO_F_VERSION_1) ||
		    virtio_legacy_is_little_endian();
	vhh_vq_meta_reset(vq);

	r = vhh_update_used_flags(vq);
	if (r)
		goto err;
	vq->signalled_used_valid = false;
	r = vhh_ring_get16(vq, &used_idx, &vq->used->idx, VHH_ADDR_USED);
	if (r) {
		vhh_vq_err(vq, "Can't access used idx at %p\n", &vq->used->idx);
		goto err;
	}
	vq->last_used_idx = used_idx;
	/* A (re)started queue gets a fresh chance. */
	vq->broken = false;
	return 0;

err:
	vq->is_le = is_le;
	return r;
}
VHH_EXPORT(vhh_vq_init_access);
