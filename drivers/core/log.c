// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page logging of the hardened vhost core: one bit per 4 KiB guest
 * page in the bitmap at vq->log_base, set for every guest page the device
 * writes (buffers and the used ring), so userspace can migrate a running
 * guest.
 *
 * Seed vhost.c-0003: 6.1 logs every IOTLB iovec in full (the guest's
 * descriptor lengths, not the bytes written), rescans the memory table at
 * every step and pins one bitmap page per bit without a scheduling point;
 * a guest can keep a host CPU busy for minutes.  Here only the bytes
 * written are logged, each region once, one pin per bitmap page, in
 * chunks of VHH_LOG_CHUNK with cond_resched() between them.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "ring.h"

/* Set the bits of guest pages [first, last] in the user bitmap. */
static int vhh_log_pages(struct vhh_vq *vq, u64 first, u64 last)
{
	u64 base = (u64)(uintptr_t)vq->log_base;

	while (first <= last) {
		unsigned long uaddr, bit, n, i;
		struct page *page;
		void *kaddr;
		u64 byte;
		int r;

		if (check_add_overflow(base, first / 8, &byte) ||
		    byte > ULONG_MAX)
			return -EFAULT;
		uaddr = byte;
		r = pin_user_pages_fast(uaddr & PAGE_MASK, 1, FOLL_WRITE, &page);
		if (r != 1)
			return r < 0 ? r : -EFAULT;
		/* Every bit of the range that lives in this bitmap page. */
		bit = (uaddr & ~PAGE_MASK) * 8 + first % 8;
		n = min_t(u64, last - first + 1, PAGE_SIZE * 8 - bit);
		kaddr = kmap_local_page(page);
		for (i = 0; i < n; i++)
			set_bit(bit + i, kaddr);
		kunmap_local(kaddr);
		unpin_user_pages_dirty_lock(&page, 1, true);
		first += n;
	}
	return 0;
}

/* Log [gpa, gpa + len) of guest-physical memory, in bounded chunks. */
static int vhh_log_gpa(struct vhh_vq *vq, u64 gpa, u64 len)
{
	u64 last;
	int r;

	if (!len)
		return 0;
	if (!vhh_range_last(gpa, len, &last))
		return -EFAULT;
	for (;;) {
		u64 step = vhh_log_step(last - gpa + 1);
		u64 end = gpa + (step - 1);

		r = vhh_log_pages(vq, gpa / VHH_LOG_PAGE, end / VHH_LOG_PAGE);
		if (r)
			return r;
		if (end == last)
			return 0;
		gpa = end + 1;
		cond_resched();
	}
}

/*
 * Log [hva, hva + len) of the owner's memory: every guest-physical range
 * of the memory table that maps onto it (several may alias one HVA).
 */
static int vhh_log_hva(struct vhh_vq *vq, u64 hva, u64 len)
{
	const struct vhh_iotlb_map *map;
	bool hit = false;
	u64 last;
	int r;

	if (!len)
		return 0;
	if (!vq->umem || !vhh_range_last(hva, len, &last))
		return -EFAULT;
	list_for_each_entry(map, &vq->umem->list, link) {
		u64 map_end = map->addr + (map->last - map->start);
		u64 s, e;

		if (map->addr > last || map_end < hva)
			continue;
		s = max(map->addr, hva);
		e = min(map_end, last);
		r = vhh_log_gpa(vq, map->start + (s - map->addr), e - s + 1);
		if (r)
			return r;
		hit = true;
		cond_resched();
	}
	return hit ? 0 : -EFAULT;
}

int vhh_log_used(struct vhh_vq *vq, u64 used_offset, u64 len)
{
	struct iovec *iov = vq->log_iov;
	u64 gpa;
	int i, n, r;

	if (!vq->iotlb) {
		if (check_add_overflow(vq->log_addr, used_offset, &gpa))
			return -EFAULT;
		return vhh_log_gpa(vq, gpa, len);
	}

	/* log_addr is an IOVA then: log where the used ring really is. */
	n = vhh_translate(vq, (u64)(uintptr_t)vq->used + used_offset, len, iov,
			  ARRAY_SIZE(vq->log_iov), VHH_PERM_WO);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		r = vhh_log_hva(vq, (u64)(uintptr_t)iov[i].iov_base,
				iov[i].iov_len);
		if (r)
			return r;
	}
	return 0;
}

/* End of a logged write: @left bytes the buffers did not cover. */
static int vhh_log_done(struct vhh_vq *vq, u64 left)
{
	if (unlikely(left)) {
		pr_debug("vhh: logged write longer than its buffers (%llu left)\n",
			 left);
		return -EINVAL;
	}
	vhh_log_signal(vq);
	return 0;
}

int vhh_log_write_iov(struct vhh_vq *vq, u64 len, const struct iovec *iov,
		      int count)
{
	int i, r;

	/* The data must be visible before the log bits that announce it. */
	smp_wmb();
	/* Only the first @len bytes of the buffers were written. */
	for (i = 0; i < count && len; i++) {
		u64 l = min_t(u64, iov[i].iov_len, len);

		r = vhh_log_hva(vq, (u64)(uintptr_t)iov[i].iov_base, l);
		if (r)
			return r;
		len -= l;
	}
	return vhh_log_done(vq, len);
}
VHH_EXPORT(vhh_log_write_iov);

int vhh_log_write(struct vhh_vq *vq, struct vhh_log *log,
		  unsigned int log_num, u64 len, struct iovec *iov, int count)
{
	unsigned int i;
	int r;

	if (vq->iotlb)
		return vhh_log_write_iov(vq, len, iov, count);

	/* The data must be visible before the log bits that announce it. */
	smp_wmb();
	for (i = 0; i < log_num && len; i++) {
		u64 l = min(log[i].len, len);

		r = vhh_log_gpa(vq, log[i].addr, l);
		if (r)
			return r;
		len -= l;
	}
	return vhh_log_done(vq, len);
}
VHH_EXPORT(vhh_log_write);
