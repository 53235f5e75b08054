// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for include/vhh/scsi_req.h: the layout of a virtio-scsi
 * request (header, response, data, T10-PI) and LUN decoding, fed the
 * values a hostile guest would send.
 *
 * "Can fail" proof: with the PI check of vhs_req_lay_out() reduced to
 * 6.1's (data -= pi, no comparison) the pi_* cases fail; with the LUN
 * byte 4-7 check removed, lun_trailing_bytes fails (2026-12-02).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/virtio_scsi.h>

#include "vhh/scsi_req.h"

#define REQ ((u32)sizeof(struct virtio_scsi_cmd_req))
#define REQ_PI ((u32)sizeof(struct virtio_scsi_cmd_req_pi))
#define RSP ((u32)sizeof(struct virtio_scsi_cmd_resp))

static void layout_directions(struct kunit *test)
{
	struct vhs_req_layout l;

	/* TEST UNIT READY: header and response only */
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ, RSP, REQ, RSP, 0, 0),
			VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.dir, DMA_NONE);
	KUNIT_EXPECT_EQ(test, l.data_bytes, 0u);
	/* WRITE: data-out after the header */
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ + 4096, RSP, REQ, RSP,
					      0, 0), VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.dir, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, l.data_bytes, 4096u);
	KUNIT_EXPECT_EQ(test, l.data_off, REQ);
	/* READ: data-in after the response */
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ, RSP + 512, REQ, RSP,
					      0, 0), VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.dir, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, l.data_bytes, 512u);
	KUNIT_EXPECT_EQ(test, l.data_off, RSP);
}

static void layout_short_parts(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ, RSP - 1, REQ, RSP,
					      0, 0), VHS_REQ_NO_RESPONSE);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ, 0, REQ, RSP, 0, 0),
			VHS_REQ_NO_RESPONSE);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, 20, RSP, REQ, RSP, 0, 0),
			VHS_REQ_SHORT_HEADER);
	/* the response is checked first: nothing to answer into */
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, 0, 0, REQ, RSP, 0, 0),
			VHS_REQ_NO_RESPONSE);
}

/* Data both ways needs VIRTIO_SCSI_F_INOUT, which is not offered. */
static void layout_bidi(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ + 1, RSP + 1, REQ, RSP,
					      0, 0), VHS_REQ_BIDI);
}

/* LIO takes a u32 data length: more than 4 GiB of buffers is refused. */
static void layout_huge(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ + (1ULL << 32), RSP,
					      REQ, RSP, 0, 0), VHS_REQ_TOO_BIG);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, (u64)REQ + U32_MAX, RSP, REQ,
					      RSP, 0, 0), VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.data_bytes, U32_MAX);
}

static void pi_valid(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI + 8 + 512, RSP,
					      REQ_PI, RSP, 8, 0), VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.prot_bytes, 8u);
	KUNIT_EXPECT_EQ(test, l.data_bytes, 512u);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI, RSP + 8 + 4096,
					      REQ_PI, RSP, 0, 8), VHS_REQ_OK);
	KUNIT_EXPECT_EQ(test, l.prot_bytes, 8u);
	KUNIT_EXPECT_EQ(test, l.data_bytes, 4096u);
	KUNIT_EXPECT_EQ(test, l.data_off, RSP);
}

/*
 * Seed scsi.c-0002: pi_bytesout larger than the data-out (6.1 underflows
 * exp_data_len and oopses in sg_init_table), equal to it (6.1 oopses too),
 * and the pi_bytesin twins.
 */
static void pi_larger_or_equal(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI + 512, RSP, REQ_PI,
					      RSP, 4096, 0), VHS_REQ_BAD_PI);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI + 512, RSP, REQ_PI,
					      RSP, 512, 0), VHS_REQ_BAD_PI);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI, RSP + 512, REQ_PI,
					      RSP, 0, 513), VHS_REQ_BAD_PI);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI, RSP + 512, REQ_PI,
					      RSP, 0, U32_MAX), VHS_REQ_BAD_PI);
	/* no data at all, PI claimed */
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI, RSP, REQ_PI, RSP,
					      1, 0), VHS_REQ_BAD_PI);
}

/* PI of one direction with data of the other, or both PI fields set. */
static void pi_wrong_direction(struct kunit *test)
{
	struct vhs_req_layout l;

	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI, RSP + 4096, REQ_PI,
					      RSP, 8, 0), VHS_REQ_BAD_PI);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI + 4096, RSP, REQ_PI,
					      RSP, 0, 8), VHS_REQ_BAD_PI);
	KUNIT_EXPECT_EQ(test, vhs_req_lay_out(&l, REQ_PI + 4096, RSP, REQ_PI,
					      RSP, 8, 8), VHS_REQ_BAD_PI);
}

static void range_pages(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vhs_range_pages(0x1000, 0), 0ull);
	KUNIT_EXPECT_EQ(test, vhs_range_pages(0x1000, 1), 1ull);
	KUNIT_EXPECT_EQ(test, vhs_range_pages(0x1fff, 2), 2ull);
	KUNIT_EXPECT_EQ(test, vhs_range_pages(0x1000, PAGE_SIZE), 1ull);
	KUNIT_EXPECT_EQ(test, vhs_range_pages(0x1001, PAGE_SIZE), 2ull);
}

static void lun_valid(struct kunit *test)
{
	u8 flat[8] = { 1, 1, 0x40, 0x00 };
	u8 flat_big[8] = { 1, 1, 0x41, 0x02 };
	u8 periph[8] = { 1, 1, 0x00, 0x05 };

	KUNIT_EXPECT_EQ(test, vhs_decode_lun(flat), 0);
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(flat_big), 0x102);
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(periph), 5);
}

static void lun_bad_first_byte(struct kunit *test)
{
	u8 lun[8] = { 2, 1, 0x40, 0x00 };

	KUNIT_EXPECT_EQ(test, vhs_decode_lun(lun), -1);
	lun[0] = 0;
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(lun), -1);
}

static void lun_trailing_bytes(struct kunit *test)
{
	u8 lun[8] = { 1, 1, 0x40, 0x00, 0, 0, 0, 1 };

	KUNIT_EXPECT_EQ(test, vhs_decode_lun(lun), -1);
	lun[7] = 0;
	lun[4] = 0x80;
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(lun), -1);
}

/* Peripheral addressing with a bus number, logical unit / extended forms. */
static void lun_other_methods(struct kunit *test)
{
	u8 bus[8] = { 1, 1, 0x01, 0x00 };
	u8 logical[8] = { 1, 1, 0x80, 0x00 };
	u8 extended[8] = { 1, 1, 0xc0, 0x00 };

	KUNIT_EXPECT_EQ(test, vhs_decode_lun(bus), -1);
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(logical), -1);
	KUNIT_EXPECT_EQ(test, vhs_decode_lun(extended), -1);
}

static struct kunit_case vhs_req_cases[] = {
	KUNIT_CASE(layout_directions),
	KUNIT_CASE(layout_short_parts),
	KUNIT_CASE(layout_bidi),
	KUNIT_CASE(layout_huge),
	KUNIT_CASE(pi_valid),
	KUNIT_CASE(pi_larger_or_equal),
	KUNIT_CASE(pi_wrong_direction),
	KUNIT_CASE(range_pages),
	KUNIT_CASE(lun_valid),
	KUNIT_CASE(lun_bad_first_byte),
	KUNIT_CASE(lun_trailing_bytes),
	KUNIT_CASE(lun_other_methods),
	{}
};

static struct kunit_suite vhs_req_suite = {
	.name = "vhs_req",
	.test_cases = vhs_req_cases,
};
kunit_test_suite(vhs_req_suite);

MODULE_DESCRIPTION("KUnit tests for the virtio-scsi request layout of vhost-scsi");
MODULE_LICENSE("GPL");
