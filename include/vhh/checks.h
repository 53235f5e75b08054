/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure validation helpers of the hardened vhost core.
 *
 * Everything here is side-effect free arithmetic on values that come from a
 * client (ioctl arguments, IOTLB messages) or a guest (ring indices, chain
 * lengths), so it can be tested exhaustively by KUnit without a device.
 * Each helper names the seed item it closes.
 */
#ifndef _VHH_CHECKS_H
#define _VHH_CHECKS_H

#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/types.h>

/* Largest split ring the virtio spec allows. */
#define VHH_MAX_VRING_NUM 32768u

/*
 * [start, start + size) as an inclusive [start, *last] range.  A zero size
 * or a range that wraps past 2^64 has no valid last byte (seed vhost.c-0002:
 * 6.1 computes start + size - 1 unchecked, so size 0 at start 0 becomes the
 * whole address space).
 */
static inline bool vhh_range_last(u64 start, u64 size, u64 *last)
{
	u64 end;

	if (!size)
		return false;
	if (check_add_overflow(start, size - 1, &end))
		return false;
	*last = end;
	return true;
}

static inline bool vhh_ranges_overlap(u64 a_start, u64 a_last, u64 b_start,
				      u64 b_last)
{
	return a_start <= b_last && b_start <= a_last;
}

/*
 * One memory-table region or IOTLB entry: guest range and user range must
 * both be non-empty and must not wrap.
 */
static inline int vhh_check_region(u64 gpa, u64 size, u64 uaddr)
{
	u64 last;

	if (!vhh_range_last(gpa, size, &last))
		return -EINVAL;
	if (!vhh_range_last(uaddr, size, &last))
		return -EINVAL;
	return 0;
}

/* Split virtqueue size: a power of two between 1 and 32768. */
static inline bool vhh_vring_num_valid(u32 num)
{
	return num && num <= VHH_MAX_VRING_NUM && !(num & (num - 1));
}

/* Byte sizes of the three split-ring parts (event index adds 2 bytes). */
static inline u64 vhh_desc_size(u32 num)
{
	return 16ull * num;
}

static inline u64 vhh_avail_size(u32 num, bool event_idx)
{
	return 4 + 2ull * num + (event_idx ? 2 : 0);
}

static inline u64 vhh_used_size(u32 num, bool event_idx)
{
	return 4 + 8ull * num + (event_idx ? 2 : 0);
}

/*
 * Ring addresses: aligned as the spec requires (16/2/4), not wrapping, and
 * not overlapping each other (SPDK threat #5: overlapping queue addresses
 * let the device's used-ring writes rewrite descriptors it is walking).
 */
static inline int vhh_check_ring_addrs(u64 desc, u64 avail, u64 used, u32 num,
				       bool event_idx)
{
	u64 dl, al, ul;

	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	if (!vhh_range_last(desc, vhh_desc_size(num), &dl) ||
	    !vhh_range_last(avail, vhh_avail_size(num, event_idx), &al) ||
	    !vhh_range_last(used, vhh_used_size(num, event_idx), &ul))
		return -EINVAL;
	if (vhh_ranges_overlap(used, ul, desc, dl) ||
	    vhh_ranges_overlap(used, ul, avail, al))
		return -EINVAL;
	return 0;
}

/*
 * The guest may only publish up to num new heads: a larger jump of the
 * avail index is a broken or hostile driver (seed 004: ring desync).
 */
static inline bool vhh_avail_jump_ok(u16 avail_idx, u16 last_avail_idx, u32 num)
{
	return (u16)(avail_idx - last_avail_idx) <= num;
}

/*
 * Accumulate a descriptor length into a chain total, refusing chains whose
 * total does not fit in 32 bits (the used-ring length field).
 */
static inline bool vhh_chain_len_add(u32 *total, u32 len)
{
	return !check_add_overflow(*total, len, total);
}

/*
 * Number of descriptors in an indirect table of @len bytes: the table must
 * be non-empty, a whole number of 16-byte descriptors and at most @max of
 * them (seed 004 bounds: 6.1 takes length 0 to its loop check and walks
 * tables of up to 65536 entries).
 */
static inline int vhh_indirect_count(u32 len, u32 max, u32 *count)
{
	if (!len || len % 16)
		return -EINVAL;
	if (len / 16 > max)
		return -E2BIG;
	*count = len / 16;
	return 0;
}

/*
 * T10-PI: the protection bytes announced by the guest are carried at the
 * front of the data; they can never exceed it (seed scsi.c-0002: 6.1 does
 * exp_data_len -= prot_bytes unchecked and underflows to ~4 GiB), and PI
 * protects data, so at least one data byte follows it (6.1 also oopses
 * when the PI takes all of the data: no data scatterlist).
 */
static inline int vhh_split_prot_bytes(u32 data_len, u32 prot_bytes,
				       u32 *exp_data_len)
{
	if (prot_bytes && prot_bytes >= data_len)
		return -EINVAL;
	*exp_data_len = data_len - prot_bytes;
	return 0;
}

/*
 * Dirty logging walks a guest-written range one page at a time; it does so
 * in chunks of at most VHH_LOG_CHUNK bytes with a reschedule point between
 * chunks (seed vhost.c-0003).  Returns the bytes to log in this step.
 */
#define VHH_LOG_CHUNK (1ull << 24)

static inline u64 vhh_log_step(u64 remaining)
{
	return remaining < VHH_LOG_CHUNK ? remaining : VHH_LOG_CHUNK;
}

#endif /* _VHH_CHECKS_H */
