/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address translation tables of the hardened vhost core.
 *
 * One structure serves two purposes: the memory table set by
 * VHOST_SET_MEM_TABLE (guest physical -> user virtual, no overlap allowed)
 * and the device IOTLB fed by IOTLB messages (I/O virtual -> user virtual,
 * a bounded cache whose oldest entries retire when full).  Every range is
 * an inclusive [start, last]; "size" is never stored, so a range that
 * covers the whole 64-bit space cannot overflow (seed vhost.c-0002).
 */
#ifndef _VHH_IOTLB_H
#define _VHH_IOTLB_H

#include <linux/rbtree.h>
#include <linux/list.h>
#include <linux/types.h>

/* Permissions, same values as VHOST_ACCESS_RO/WO/RW of the uapi. */
#define VHH_PERM_RO 0x1
#define VHH_PERM_WO 0x2
#define VHH_PERM_RW 0x3

/* Table flags. */
#define VHH_IOTLB_RETIRE	0x1 /* full table: drop the oldest entry */
#define VHH_IOTLB_NO_OVERLAP	0x2 /* adding an overlapping range fails */

struct vhh_iotlb_map {
	struct rb_node rb;
	struct list_head link;	/* insertion order, oldest first */
	u64 start;
	u64 last;
	u64 addr;		/* user virtual address of start */
	u32 perm;
	u64 __subtree_last;	/* interval tree bookkeeping */
};

struct vhh_iotlb {
	struct rb_root_cached root;
	struct list_head list;
	unsigned int limit;
	unsigned int nmaps;
	unsigned int flags;
};

struct vhh_iotlb *vhh_iotlb_alloc(unsigned int limit, unsigned int flags);
void vhh_iotlb_free(struct vhh_iotlb *iotlb);
void vhh_iotlb_reset(struct vhh_iotlb *iotlb);
/*
 * Add [start, last] -> addr.  -EINVAL if last < start or if addr + (last -
 * start) wraps; -EEXIST on overlap with VHH_IOTLB_NO_OVERLAP; -ENOSPC when
 * full without VHH_IOTLB_RETIRE; -ENOMEM.
 */
int vhh_iotlb_add(struct vhh_iotlb *iotlb, u64 start, u64 last, u64 addr,
		  u32 perm);
/* Remove every entry that overlaps [start, last] (last >= start). */
void vhh_iotlb_del_range(struct vhh_iotlb *iotlb, u64 start, u64 last);
/* First entry (lowest start) overlapping [start, last], or NULL. */
struct vhh_iotlb_map *vhh_iotlb_find(struct vhh_iotlb *iotlb, u64 start,
				     u64 last);
/* Next entry overlapping [start, last] after @map, or NULL. */
struct vhh_iotlb_map *vhh_iotlb_next(struct vhh_iotlb_map *map, u64 start,
				     u64 last);

#endif /* _VHH_IOTLB_H */
