// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net basics: one frame each way through a tap, byte for byte.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "vnet.h"

FIXTURE(basic) {
	struct vn_ctx c;
};

FIXTURE_VARIANT(basic) {
	enum vn_hdr_mode mode;
};

FIXTURE_VARIANT_ADD(basic, vhost_hdr) { .mode = VN_HDR_VHOST };
FIXTURE_VARIANT_ADD(basic, tap_hdr) { .mode = VN_HDR_TAP };

FIXTURE_SETUP(basic)
{
	ASSERT_EQ(0, vn_setup(&self->c, variant->mode, 0, 256));
}

FIXTURE_TEARDOWN(basic)
{
	vn_teardown(&self->c);
}

/* A frame the guest transmits arrives unchanged on the tap interface. */
TEST_F(basic, tx_one_frame_byte_exact)
{
	uint8_t frame[200], got[2048];
	uint32_t id, len;
	ssize_t n;
	int head;

	vn_make_frame(frame, sizeof(frame), 1);
	head = vn_tx_post(&self->c, frame, sizeof(frame), 1, false);
	ASSERT_GE(head, 0);
	vg_publish(&self->c.d, VN_TXQ, head);
	ASSERT_EQ(0, vg_kick(&self->c.d, VN_TXQ));
	ASSERT_EQ(1, vg_wait_used(&self->c.d, VN_TXQ, 5000, &id, &len));
	ASSERT_EQ((uint32_t)head, id);
	n = vn_pkt_recv(&self->c, got, sizeof(got), 5000);
	ASSERT_EQ((ssize_t)sizeof(frame), n);
	ASSERT_EQ(0, memcmp(frame, got, sizeof(frame)));
}

/* A frame sent out of the tap lands in the guest's RX buffer. */
TEST_F(basic, rx_one_frame_byte_exact)
{
	uint8_t frame[300];
	uint32_t id, len;
	void *buf;
	int head;

	head = vn_rx_post(&self->c, 2048, &buf);
	ASSERT_GE(head, 0);
	vg_publish(&self->c.d, VN_RXQ, head);
	ASSERT_EQ(0, vg_kick(&self->c.d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 2);
	ASSERT_EQ(0, vn_pkt_send(&self->c, frame, sizeof(frame)));
	ASSERT_EQ(1, vg_wait_used(&self->c.d, VN_RXQ, 5000, &id, &len));
	ASSERT_EQ((uint32_t)head, id);
	ASSERT_EQ((uint32_t)(self->c.hdr_len + sizeof(frame)), len);
	ASSERT_EQ(0, memcmp(frame, (uint8_t *)buf + self->c.hdr_len, sizeof(frame)));
}

TEST_HARNESS_MAIN
