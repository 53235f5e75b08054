// SPDX-License-Identifier: GPL-2.0
/*
 * Address translation tables: an interval tree of inclusive [start, last]
 * ranges plus a list in insertion order so a bounded cache can retire its
 * oldest entry.  Used for the memory table (no overlap, no retirement) and
 * for the device IOTLB (overlap allowed, oldest entry retired when full).
 */
#include <linux/interval_tree_generic.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <vhh/compat.h>
#include <vhh/iotlb.h>

#define VHH_MAP_START(map) ((map)->start)
#define VHH_MAP_LAST(map) ((map)->last)

INTERVAL_TREE_DEFINE(struct vhh_iotlb_map, rb, u64, __subtree_last,
		     VHH_MAP_START, VHH_MAP_LAST, static inline, vhh_itree);

static void vhh_iotlb_unlink(struct vhh_iotlb *iotlb,
			     struct vhh_iotlb_map *map)
{
	vhh_itree_remove(map, &iotlb->root);
	list_del(&map->link);
	iotlb->nmaps--;
}

struct vhh_iotlb *vhh_iotlb_alloc(unsigned int limit, unsigned int flags)
{
	struct vhh_iotlb *iotlb = kzalloc(sizeof(*iotlb), GFP_KERNEL_ACCOUNT);

	if (!iotlb)
		return NULL;
	iotlb->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iotlb->list);
	iotlb->limit = limit;
	iotlb->flags = flags;
	return iotlb;
}
VHH_EXPORT(vhh_iotlb_alloc);

void vhh_iotlb_reset(struct vhh_iotlb *iotlb)
{
	struct vhh_iotlb_map *map, *tmp;

	/* Dropping everything: no need to rebalance the tree per entry. */
	list_for_each_entry_safe(map, tmp, &iotlb->list, link)
		kfree(map);
	INIT_LIST_HEAD(&iotlb->list);
	iotlb->root = RB_ROOT_CACHED;
	iotlb->nmaps = 0;
}
VHH_EXPORT(vhh_iotlb_reset);

void vhh_iotlb_free(struct vhh_iotlb *iotlb)
{
	if (!iotlb)
		return;
	vhh_iotlb_reset(iotlb);
	kfree(iotlb);
}
VHH_EXPORT(vhh_iotlb_free);

int vhh_iotlb_add(struct vhh_iotlb *iotlb, u64 start, u64 last, u64 addr,
		  u32 perm)
{
	struct vhh_iotlb_map *map;
	u64 addr_last;

	/* Inclusive bounds: [0, U64_MAX] is representable, nothing wraps. */
	if (last < start)
		return -EINVAL;
	if (check_add_overflow(addr, last - start, &addr_last))
		return -EINVAL;
	if ((iotlb->flags & VHH_IOTLB_NO_OVERLAP) &&
	    vhh_itree_iter_first(&iotlb->root, start, last))
		return -EEXIST;

	if (iotlb->nmaps >= iotlb->limit) {
		if (!(iotlb->flags & VHH_IOTLB_RETIRE) || !iotlb->nmaps)
			return -ENOSPC;
		/* Full cache: recycle the oldest entry's node. */
		map = list_first_entry(&iotlb->list, struct vhh_iotlb_map,
				       link);
		vhh_iotlb_unlink(iotlb, map);
	} else {
		map = kmalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
		if (!map)
			return -ENOMEM;
	}

	map->start = start;
	map->last = last;
	map->addr = addr;
	map->perm = perm;
	vhh_itree_insert(map, &iotlb->root);
	list_add_tail(&map->link, &iotlb->list);
	iotlb->nmaps++;
	return 0;
}
VHH_EXPORT(vhh_iotlb_add);

void vhh_iotlb_del_range(struct vhh_iotlb *iotlb, u64 start, u64 last)
{
	struct vhh_iotlb_map *map;

	if (last < start)
		return;
	while ((map = vhh_itree_iter_first(&iotlb->root, start, last))) {
		vhh_iotlb_unlink(iotlb, map);
		kfree(map);
	}
}
VHH_EXPORT(vhh_iotlb_del_range);

struct vhh_iotlb_map *vhh_iotlb_find(struct vhh_iotlb *iotlb, u64 start,
				     u64 last)
{
	return vhh_itree_iter_first(&iotlb->root, start, last);
}
VHH_EXPORT(vhh_iotlb_find);

struct vhh_iotlb_map *vhh_iotlb_next(struct vhh_iotlb_map *map, u64 start,
				     u64 last)
{
	return vhh_itree_iter_next(map, start, last);
}
VHH_EXPORT(vhh_iotlb_next);
