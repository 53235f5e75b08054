// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the translation table of vhh_core (drivers/core/iotlb.c).
 *
 * Seed vhost.c-0002: ranges are inclusive [start, last] so the whole
 * 64-bit space is one entry and nothing wraps; inverted or wrapping ranges
 * are refused; the memory table refuses overlaps, the device IOTLB retires
 * its oldest entry when full, and neither grows past its limit.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/module.h>

#include "vhh/compat.h"
#include "vhh/iotlb.h"

static struct vhh_iotlb *table(struct kunit *test, unsigned int limit,
			       unsigned int flags)
{
	struct vhh_iotlb *t = vhh_iotlb_alloc(limit, flags);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void add_and_find(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, 0);
	struct vhh_iotlb_map *m;

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1000, 0x1fff, 0x7000,
					    VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	m = vhh_iotlb_find(t, 0x1800, 0x1800);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, m->start, 0x1000ull);
	KUNIT_EXPECT_EQ(test, m->last, 0x1fffull);
	KUNIT_EXPECT_EQ(test, m->addr, 0x7000ull);
	KUNIT_EXPECT_EQ(test, m->perm, (u32)VHH_PERM_RW);
	/* Inclusive bounds: both end bytes hit, their neighbours do not. */
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x1000, 0x1000));
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x1fff, 0x1fff));
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0xfff, 0xfff));
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0x2000, 0x2fff));
	/* A query range that only partly overlaps still finds it. */
	KUNIT_EXPECT_PTR_EQ(test, vhh_iotlb_find(t, 0, 0x1000), m);
	vhh_iotlb_free(t);
}

/*
 * Shown to fail with the last < start and addr overflow checks reverted
 * (vhh_iotlb_add in drivers/core/iotlb.c), 2026-11-25.
 */
static void inverted_and_wrapping_rejected(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, 0);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x2000, 0x1fff, 0, VHH_PERM_RW),
			-EINVAL);
	/* addr + (last - start) past 2^64 */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, 0x1f, U64_MAX - 0xf,
					    VHH_PERM_RO), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, U64_MAX, 1, VHH_PERM_RO),
			-EINVAL);
	/* ...while ending exactly on the last byte is fine. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, 0xf, U64_MAX - 0xf,
					    VHH_PERM_RO), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	vhh_iotlb_free(t);
}

/*
 * Seed vhost.c-0002: [0, 2^64 - 1] is one entry, no size to overflow.
 * Shown to fail with the overlap check reverted (vhh_iotlb_add in
 * drivers/core/iotlb.c), 2026-11-25.
 */
static void whole_range(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, VHH_IOTLB_NO_OVERLAP);
	struct vhh_iotlb_map *m;

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, U64_MAX, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	m = vhh_iotlb_find(t, U64_MAX, U64_MAX);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, m->start, 0ull);
	KUNIT_EXPECT_EQ(test, m->last, U64_MAX);
	KUNIT_EXPECT_PTR_EQ(test, vhh_iotlb_find(t, 0, 0), m);
	/* Everything overlaps it. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, U64_MAX, U64_MAX, 0,
					    VHH_PERM_RW), -EEXIST);
	/* Deleting its last byte removes the whole entry. */
	vhh_iotlb_del_range(t, U64_MAX, U64_MAX);
	KUNIT_EXPECT_EQ(test, t->nmaps, 0u);
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0, U64_MAX));
	vhh_iotlb_free(t);
}

/*
 * Shown to fail with the overlap check reverted (vhh_iotlb_add in
 * drivers/core/iotlb.c), 2026-11-25.
 */
static void no_overlap(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, VHH_IOTLB_NO_OVERLAP);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x10000, 0x1ffff, 0x100000,
					    VHH_PERM_RW), 0);
	/* Same range, partial overlaps on either side, one byte inside. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x10000, 0x1ffff, 0x100000,
					    VHH_PERM_RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x18000, 0x27fff, 0x200000,
					    VHH_PERM_RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x8000, 0x10000, 0x200000,
					    VHH_PERM_RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1ffff, 0x1ffff, 0x200000,
					    VHH_PERM_RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	/* Adjacent ranges do not overlap. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x20000, 0x2ffff, 0x200000,
					    VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, 0xffff, 0x300000,
					    VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 3u);
	vhh_iotlb_free(t);
}

/* The device IOTLB may hold overlapping entries (like 6.1). */
static void overlap_allowed_without_flag(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, VHH_IOTLB_RETIRE);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1000, 0x2fff, 0xa000,
					    VHH_PERM_RO), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x2000, 0x3fff, 0xb000,
					    VHH_PERM_WO), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 2u);
	/* The lowest start comes first. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_find(t, 0x2000, 0x2000)->start,
			0x1000ull);
	vhh_iotlb_free(t);
}

static void find_next_in_order(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, VHH_IOTLB_NO_OVERLAP);
	struct vhh_iotlb_map *m;

	/* Inserted out of order on purpose. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 40, 49, 0x4000, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, 9, 0x1000, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 20, 29, 0x2000, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 60, 69, 0x6000, VHH_PERM_RW), 0);

	m = vhh_iotlb_find(t, 5, 45);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, m->start, 0ull);
	m = vhh_iotlb_next(m, 5, 45);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, m->start, 20ull);
	m = vhh_iotlb_next(m, 5, 45);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, m->start, 40ull);
	/* [60, 69] is outside the query. */
	KUNIT_EXPECT_NULL(test, vhh_iotlb_next(m, 5, 45));
	/* A hole between entries finds nothing. */
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 10, 19));
	vhh_iotlb_free(t);
}

/*
 * A full cache retires its oldest entry, whatever its address.
 * Shown to fail with the entry limit reverted (vhh_iotlb_add in
 * drivers/core/iotlb.c), 2026-11-25.
 */
static void retire_oldest(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 2, VHH_IOTLB_RETIRE);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x5000, 0x5fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1000, 0x1fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x3000, 0x3fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 2u);
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0x5000, 0x5fff));
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x1000, 0x1fff));
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x3000, 0x3fff));
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x7000, 0x7fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0x1000, 0x1fff));
	KUNIT_EXPECT_EQ(test, t->nmaps, 2u);
	vhh_iotlb_free(t);
}

/*
 * Shown to fail with the entry limit reverted (vhh_iotlb_add in
 * drivers/core/iotlb.c), 2026-11-25.
 */
static void limit_without_retire(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 2, VHH_IOTLB_NO_OVERLAP);
	struct vhh_iotlb *empty = table(test, 0, VHH_IOTLB_RETIRE);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1000, 0x1fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x2000, 0x2fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x3000, 0x3fff, 0, VHH_PERM_RW),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, t->nmaps, 2u);
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x1000, 0x1fff));
	/* Room again after a delete. */
	vhh_iotlb_del_range(t, 0x1000, 0x1000);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x3000, 0x3fff, 0, VHH_PERM_RW), 0);
	/* Limit 0 holds nothing, even with RETIRE. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(empty, 0, 0, 0, VHH_PERM_RW),
			-ENOSPC);
	vhh_iotlb_free(t);
	vhh_iotlb_free(empty);
}

static void del_range_overlapping_only(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 16, VHH_IOTLB_NO_OVERLAP);

	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x1000, 0x1fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x2000, 0x2fff, 0, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0x3000, 0x3fff, 0, VHH_PERM_RW), 0);
	/* Inverted range: no-op. */
	vhh_iotlb_del_range(t, 0x3fff, 0x1000);
	KUNIT_EXPECT_EQ(test, t->nmaps, 3u);
	/* One byte of each of the first two entries: both go whole. */
	vhh_iotlb_del_range(t, 0x1fff, 0x2000);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0x1000, 0x2fff));
	KUNIT_EXPECT_NOT_NULL(test, vhh_iotlb_find(t, 0x3000, 0x3000));
	/* A miss deletes nothing. */
	vhh_iotlb_del_range(t, 0x5000, 0x6000);
	KUNIT_EXPECT_EQ(test, t->nmaps, 1u);
	vhh_iotlb_free(t);
}

static void reset_empties(struct kunit *test)
{
	struct vhh_iotlb *t = table(test, 64, VHH_IOTLB_NO_OVERLAP);
	u64 i;

	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, i << 12, (i << 12) + 0xfff,
						    i << 20, VHH_PERM_RW), 0);
	KUNIT_EXPECT_EQ(test, t->nmaps, 64u);
	vhh_iotlb_reset(t);
	KUNIT_EXPECT_EQ(test, t->nmaps, 0u);
	KUNIT_EXPECT_NULL(test, vhh_iotlb_find(t, 0, U64_MAX));
	KUNIT_EXPECT_TRUE(test, list_empty(&t->list));
	/* Usable again, with the same ranges. */
	KUNIT_EXPECT_EQ(test, vhh_iotlb_add(t, 0, 0xfff, 0, VHH_PERM_RW), 0);
	vhh_iotlb_free(t);
	vhh_iotlb_free(NULL);
}

static struct kunit_case vhh_iotlb_cases[] = {
	KUNIT_CASE(add_and_find),
	KUNIT_CASE(inverted_and_wrapping_rejected),
	KUNIT_CASE(whole_range),
	KUNIT_CASE(no_overlap),
	KUNIT_CASE(overlap_allowed_without_flag),
	KUNIT_CASE(find_next_in_order),
	KUNIT_CASE(retire_oldest),
	KUNIT_CASE(limit_without_retire),
	KUNIT_CASE(del_range_overlapping_only),
	KUNIT_CASE(reset_empties),
	{}
};

static struct kunit_suite vhh_iotlb_suite = {
	.name = "vhh_iotlb",
	.test_cases = vhh_iotlb_cases,
};
kunit_test_suite(vhh_iotlb_suite);

VHH_IMPORT_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vhh_core translation table");
