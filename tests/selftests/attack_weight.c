// SPDX-License-Identifier: GPL-2.0
/*
 * attack_weight: more work than one worker pass may do (packet weight 256,
 * byte weight 0x80000 in 6.1 vhost-net) behind a single kick.  The device
 * must requeue itself and finish everything without another kick (the
 * vhost-net analogue of seed 000 scsi.c-0001, weight stall), in bounded
 * time and byte-exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "attack_util.h"

#define NUM 1024

FIXTURE(weight) {
	struct vn_ctx c;
	uint8_t *rbuf;
};

FIXTURE_SETUP(weight)
{
	int rcv = 64 << 20;

	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST, 0, NUM));
	ASSERT_EQ(0, setsockopt(self->c.pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE,
				&rcv, sizeof(rcv)));
	self->rbuf = malloc(70000);
	ASSERT_NE(NULL, self->rbuf);
}

FIXTURE_TEARDOWN(weight)
{
	vn_teardown(&self->c);
	free(self->rbuf);
}

/*
 * Seed 000 scsi.c-0001 (weight stall), vhost-net TX flavour: 10 frames of
 * 60000 bytes (past the byte weight) then 300 of 1500 (past the packet
 * weight) on a 1024 ring, one kick: all complete and arrive in order,
 * byte-exact, within 30 s.  6.1 passes.
 * Shown to fail with the weight requeue reverted (vhh_exceeds_weight in
 * drivers/core/worker.c), 2026-11-25.
 */
TEST_F_TIMEOUT(weight, tx_past_byte_and_packet_weight_one_kick, 90)
{
	struct vn_ctx *c = &self->c;
	const unsigned int nbig = 10, nsmall = 300, n = nbig + nsmall;
	uint16_t heads[NUM];
	uint8_t *frame = malloc(60000);
	long long t0;

	ASSERT_NE(NULL, frame);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = i < nbig ? 60000 : 1500;
		int h;

		vn_make_frame(frame, len, 1000 + i);
		h = vn_tx_post(c, frame, len, i < nbig ? 4 : 1, false);
		ASSERT_GE(h, 0);
		heads[i] = h;
	}
	vg_publish_many(&c->d, VN_TXQ, heads, n);
	t0 = vg_now_ms();
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id, len;

		ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 10000, &id, &len))
			TH_LOG("stalled after %u of %u completions", i, n);
		ASSERT_EQ(heads[i], id);
	}
	ASSERT_LT(vg_now_ms() - t0, 30000);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = i < nbig ? 60000 : 1500;
		ssize_t r = vn_pkt_recv(c, self->rbuf, 70000, 5000);

		ASSERT_EQ((ssize_t)len, r) TH_LOG("frame %u", i);
		vn_make_frame(frame, len, 1000 + i);
		ASSERT_EQ(0, memcmp(frame, self->rbuf, len)) TH_LOG("frame %u", i);
	}
	ASSERT_EQ(0, vg_wait_err(&c->d, VN_TXQ, 0));
	free(frame);
}

/*
 * Same for RX: 600 frames of 1500 bytes (past both weights) queued on the
 * tap before the guest posts 1024 buffers and kicks once: all 600 land in
 * order, byte-exact.  6.1 passes.
 * Shown to fail with the weight requeue reverted (vhh_exceeds_weight in
 * drivers/core/worker.c), 2026-11-25.
 */
TEST_F_TIMEOUT(weight, rx_past_byte_and_packet_weight_one_kick, 90)
{
	struct vn_ctx *c = &self->c;
	const unsigned int n = 600;
	static void *bufs[NUM];
	uint16_t heads[NUM];
	uint8_t frame[1500];

	ASSERT_EQ(0, at_set_txqlen(c->ifname, 4096));
	for (unsigned int i = 0; i < n; i++) {
		vn_make_frame(frame, sizeof(frame), 5000 + i);
		ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame))) TH_LOG("frame %u", i);
	}
	for (unsigned int i = 0; i < NUM; i++) {
		int h = vn_rx_post(c, 1536 + c->hdr_len, &bufs[i]);

		ASSERT_GE(h, 0);
		heads[i] = h;
	}
	vg_publish_many(&c->d, VN_RXQ, heads, NUM);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	for (unsigned int i = 0; i < n; i++) {
		uint32_t id, len;

		ASSERT_EQ(1, vg_wait_used(&c->d, VN_RXQ, 10000, &id, &len))
			TH_LOG("stalled after %u of %u frames", i, n);
		ASSERT_EQ(heads[i], id);
		ASSERT_EQ(c->hdr_len + sizeof(frame), len);
		vn_make_frame(frame, sizeof(frame), 5000 + i);
		ASSERT_EQ(0, memcmp(frame, (uint8_t *)bufs[i] + c->hdr_len,
				    sizeof(frame))) TH_LOG("frame %u", i);
	}
	ASSERT_EQ(0, vg_wait_err(&c->d, VN_RXQ, 0));
}

TEST_HARNESS_MAIN
