// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the pure validation helpers in include/vhh/checks.h.
 *
 * Each case feeds the values a hostile client or guest would send.  The
 * "can fail" proof: with vhh_range_last() reduced to 6.1's unchecked
 * start + size - 1, the zero-size and wrapping cases below fail.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/module.h>

#include "vhh/checks.h"

static void range_last_normal(struct kunit *test)
{
	u64 last = 0;

	KUNIT_EXPECT_TRUE(test, vhh_range_last(0x1000, 0x1000, &last));
	KUNIT_EXPECT_EQ(test, last, 0x1fffull);
	KUNIT_EXPECT_TRUE(test, vhh_range_last(0, 1, &last));
	KUNIT_EXPECT_EQ(test, last, 0ull);
	/* The very last byte of the address space is a valid range. */
	KUNIT_EXPECT_TRUE(test, vhh_range_last(U64_MAX, 1, &last));
	KUNIT_EXPECT_EQ(test, last, U64_MAX);
	KUNIT_EXPECT_TRUE(test, vhh_range_last(0, U64_MAX, &last));
	KUNIT_EXPECT_EQ(test, last, U64_MAX - 1);
}

/*
 * Seed vhost.c-0002: size 0 at 0 must not become [0, U64_MAX].
 * Shown to fail with the zero-size check reverted (vhh_range_last in
 * include/vhh/checks.h), 2026-11-25.
 */
static void range_last_zero_size(struct kunit *test)
{
	u64 last = 0x55;

	KUNIT_EXPECT_FALSE(test, vhh_range_last(0, 0, &last));
	KUNIT_EXPECT_FALSE(test, vhh_range_last(0x1000, 0, &last));
	KUNIT_EXPECT_EQ(test, last, 0x55ull);
}

/*
 * Seed vhost.c-0002: gpa 0xFFFFFFFFFFFFFF00 + 0x200 wraps.
 * Shown to fail with the overflow check reverted (vhh_range_last in
 * include/vhh/checks.h), 2026-11-25.
 */
static void range_last_wraps(struct kunit *test)
{
	u64 last;

	KUNIT_EXPECT_FALSE(test, vhh_range_last(0xFFFFFFFFFFFFFF00ull, 0x200, &last));
	KUNIT_EXPECT_FALSE(test, vhh_range_last(U64_MAX, 2, &last));
	KUNIT_EXPECT_FALSE(test, vhh_range_last(2, U64_MAX, &last));
	/* ...while [1, 2^64) ends exactly on the last byte */
	KUNIT_EXPECT_TRUE(test, vhh_range_last(1, U64_MAX, &last));
}

/*
 * Shown to fail with the zero-size, overflow and uaddr checks reverted
 * (vhh_range_last, vhh_check_region in include/vhh/checks.h), 2026-11-25.
 */
static void check_region(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vhh_check_region(0x100000, 0x1000, 0x7f0000000000ull), 0);
	KUNIT_EXPECT_EQ(test, vhh_check_region(0, 0, 0x7f0000000000ull), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_check_region(U64_MAX - 0xff, 0x200, 0x1000), -EINVAL);
	/* userspace_addr wrapping is as bad as guest address wrapping */
	KUNIT_EXPECT_EQ(test, vhh_check_region(0x1000, 0x2000, U64_MAX - 0xfff), -EINVAL);
}

static void ranges_overlap(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vhh_ranges_overlap(0, 9, 9, 20));
	KUNIT_EXPECT_TRUE(test, vhh_ranges_overlap(5, 6, 0, 100));
	KUNIT_EXPECT_TRUE(test, vhh_ranges_overlap(0, U64_MAX, 7, 7));
	KUNIT_EXPECT_FALSE(test, vhh_ranges_overlap(0, 9, 10, 20));
	KUNIT_EXPECT_FALSE(test, vhh_ranges_overlap(10, 20, 0, 9));
}

/*
 * Shown to fail with the power-of-two and size limit checks reverted
 * (vhh_vring_num_valid in include/vhh/checks.h), 2026-11-25.
 */
static void vring_num(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vhh_vring_num_valid(1));
	KUNIT_EXPECT_TRUE(test, vhh_vring_num_valid(256));
	KUNIT_EXPECT_TRUE(test, vhh_vring_num_valid(32768));
	KUNIT_EXPECT_FALSE(test, vhh_vring_num_valid(0));
	KUNIT_EXPECT_FALSE(test, vhh_vring_num_valid(3));
	KUNIT_EXPECT_FALSE(test, vhh_vring_num_valid(1000));
	KUNIT_EXPECT_FALSE(test, vhh_vring_num_valid(65536));
	KUNIT_EXPECT_FALSE(test, vhh_vring_num_valid(0x80000000u));
}

static void ring_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vhh_desc_size(256), 4096ull);
	KUNIT_EXPECT_EQ(test, vhh_avail_size(256, false), 516ull);
	KUNIT_EXPECT_EQ(test, vhh_avail_size(256, true), 518ull);
	KUNIT_EXPECT_EQ(test, vhh_used_size(256, false), 2052ull);
	KUNIT_EXPECT_EQ(test, vhh_used_size(256, true), 2054ull);
}

/*
 * Shown to fail with the alignment, overlap and wrap checks reverted
 * (vhh_check_ring_addrs in include/vhh/checks.h), 2026-11-25.
 */
static void ring_addrs(struct kunit *test)
{
	/* a normal layout: desc, then avail, then used on the next page */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11000, 0x12000, 256, true), 0);
	/* misalignment of each part */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10008, 0x11000, 0x12000, 256, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11001, 0x12000, 256, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11000, 0x12002, 256, true), -EINVAL);
	/* SPDK threat #5: used ring on top of the descriptor table */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11000, 0x10800, 256, true), -EINVAL);
	/* used ring overlapping the avail ring by its event word only */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11000, 0x11204, 256, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(0x10000, 0x11000, 0x11208, 256, true), 0);
	/* a table that wraps past the end of the address space... */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(U64_MAX - 0x7ff, 0x11000, 0x12000, 256, false),
			-EINVAL);
	/* ...and one that ends exactly on its last byte */
	KUNIT_EXPECT_EQ(test, vhh_check_ring_addrs(U64_MAX - 0xfff, 0x11000, 0x12000, 256, false),
			0);
}

/*
 * Shown to fail with the jump bound reverted (vhh_avail_jump_ok in
 * include/vhh/checks.h), 2026-11-25.
 */
static void avail_jump(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vhh_avail_jump_ok(10, 10, 256));
	KUNIT_EXPECT_TRUE(test, vhh_avail_jump_ok(266, 10, 256));
	KUNIT_EXPECT_FALSE(test, vhh_avail_jump_ok(267, 10, 256));
	/* 16-bit wrap-around is normal operation */
	KUNIT_EXPECT_TRUE(test, vhh_avail_jump_ok(5, 65530, 256));
	KUNIT_EXPECT_FALSE(test, vhh_avail_jump_ok(65529, 65530, 256));
}

/*
 * Shown to fail with the overflow check reverted (vhh_chain_len_add in
 * include/vhh/checks.h), 2026-11-25.
 */
static void chain_len(struct kunit *test)
{
	u32 total = 0;

	KUNIT_EXPECT_TRUE(test, vhh_chain_len_add(&total, 0xfffffff0u));
	KUNIT_EXPECT_TRUE(test, vhh_chain_len_add(&total, 0xf));
	KUNIT_EXPECT_EQ(test, total, 0xffffffffu);
	KUNIT_EXPECT_FALSE(test, vhh_chain_len_add(&total, 1));
}

/*
 * Seed scsi.c-0002: pi_bytesout larger than the data must not underflow.
 * Shown to fail with the bound reverted (vhh_split_prot_bytes in
 * include/vhh/checks.h), 2026-11-25.
 */
static void prot_bytes(struct kunit *test)
{
	u32 exp = 0x1234;

	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(4096 + 64, 64, &exp), 0);
	KUNIT_EXPECT_EQ(test, exp, 4096u);
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(512, 0, &exp), 0);
	KUNIT_EXPECT_EQ(test, exp, 512u);
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(0, 0, &exp), 0);
	KUNIT_EXPECT_EQ(test, exp, 0u);
	exp = 0x1234;
	/* PI that takes all of the data leaves nothing to protect. */
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(512, 512, &exp), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(512, 4096, &exp), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(0, 1, &exp), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_split_prot_bytes(0, U32_MAX, &exp), -EINVAL);
	KUNIT_EXPECT_EQ(test, exp, 0x1234u);
}

/*
 * Seed vhost.c-0003: any length is logged in bounded steps.
 * Shown to fail with the chunk bound reverted (vhh_log_step in
 * include/vhh/checks.h), 2026-11-25.
 */
static void log_steps(struct kunit *test)
{
	u64 remaining = U64_MAX, steps = 0;

	KUNIT_EXPECT_EQ(test, vhh_log_step(4096), 4096ull);
	KUNIT_EXPECT_EQ(test, vhh_log_step(0), 0ull);
	while (remaining && steps < 4) {
		u64 s = vhh_log_step(remaining);

		KUNIT_EXPECT_LE(test, s, VHH_LOG_CHUNK);
		KUNIT_EXPECT_GT(test, s, 0ull);
		remaining -= s;
		steps++;
	}
	KUNIT_EXPECT_EQ(test, remaining, U64_MAX - 4 * VHH_LOG_CHUNK);
}

/*
 * Seed 004 bounds: indirect tables of length 0, not a multiple of 16 or
 * with more entries than the device walks are refused.
 * Shown to fail with the length and size checks reverted (vhh_indirect_count
 * in include/vhh/checks.h), 2026-11-25.
 */
static void indirect_count(struct kunit *test)
{
	u32 count = 0x55;

	KUNIT_EXPECT_EQ(test, vhh_indirect_count(16, 1024, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 1u);
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(1024 * 16, 1024, &count), 0);
	KUNIT_EXPECT_EQ(test, count, 1024u);
	count = 0x55;
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(0, 1024, &count), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(40, 1024, &count), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(15, 1024, &count), -EINVAL);
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(1025 * 16, 1024, &count), -E2BIG);
	/* 65537 entries: more than a 16-bit next field can chain */
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(65537 * 16, 1024, &count), -E2BIG);
	KUNIT_EXPECT_EQ(test, vhh_indirect_count(U32_MAX & ~15u, 1024, &count), -E2BIG);
	KUNIT_EXPECT_EQ(test, count, 0x55u);
}

static struct kunit_case vhh_checks_cases[] = {
	KUNIT_CASE(range_last_normal),
	KUNIT_CASE(range_last_zero_size),
	KUNIT_CASE(range_last_wraps),
	KUNIT_CASE(check_region),
	KUNIT_CASE(ranges_overlap),
	KUNIT_CASE(vring_num),
	KUNIT_CASE(ring_sizes),
	KUNIT_CASE(ring_addrs),
	KUNIT_CASE(avail_jump),
	KUNIT_CASE(chain_len),
	KUNIT_CASE(prot_bytes),
	KUNIT_CASE(log_steps),
	KUNIT_CASE(indirect_count),
	{}
};

static struct kunit_suite vhh_checks_suite = {
	.name = "vhh_checks",
	.test_cases = vhh_checks_cases,
};
kunit_test_suite(vhh_checks_suite);

MODULE_DESCRIPTION("KUnit tests for the hardened vhost validation helpers");
MODULE_LICENSE("GPL");
