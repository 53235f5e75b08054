// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net notification conformance, on both queues:
 *  - VRING_AVAIL_F_NO_INTERRUPT (no EVENT_IDX): used entries still appear,
 *    the call eventfd is not signalled; clearing the flag brings calls back;
 *  - VIRTIO_RING_F_EVENT_IDX: the call is signalled exactly when used->idx
 *    moves past used_event, and the device publishes avail_event so that a
 *    guest honouring it still gets its kicks processed;
 *  - when RX runs out of buffers with a frame pending, the device must ask
 *    for a kick (used->flags without NO_NOTIFY / avail_event caught up),
 *    otherwise a guest that honours suppression would deadlock.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "net_util.h"

FIXTURE(notify) {
	struct vn_ctx c;
	bool up;
};

FIXTURE_VARIANT(notify) {
	enum vn_hdr_mode mode;
};

FIXTURE_VARIANT_ADD(notify, vhost_hdr) { .mode = VN_HDR_VHOST };
FIXTURE_VARIANT_ADD(notify, tap_hdr) { .mode = VN_HDR_TAP };

FIXTURE_SETUP(notify)
{
	self->up = false;
}

FIXTURE_TEARDOWN(notify)
{
	if (self->up)
		vn_teardown(&self->c);
}

static void setup(struct __test_metadata *_metadata, struct _test_data_notify *self,
		  enum vn_hdr_mode mode, bool event_idx)
{
	ASSERT_EQ(0, vn_setup(&self->c, mode,
			      event_idx ? 1ULL << VIRTIO_RING_F_EVENT_IDX : 0, 256));
	self->up = true;
	ASSERT_EQ(0, nu_pkt_rcvbuf(&self->c, 8 << 20));
}

/* TX @n frames (seed base..), one kick; wait until used->idx advanced by n. */
static void tx_n(struct __test_metadata *_metadata, struct vn_ctx *c,
		 unsigned int n, uint32_t base)
{
	uint16_t target = nu_used_idx(&c->d, VN_TXQ) + n;

	for (unsigned int i = 0; i < n; i++)
		ASSERT_LE(0, nu_tx_frame(c, 60 + 10 * i, base + i, 1, false));
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_TXQ, target, 5000));
	for (unsigned int i = 0; i < n; i++)
		ASSERT_EQ(0, nu_expect_frame(c, 60 + 10 * i, base + i, 5000));
	nu_used_consume_all(&c->d, VN_TXQ);
}

/* RX: post @n buffers (one kick), send n frames; wait until all used. */
static void rx_n(struct __test_metadata *_metadata, struct vn_ctx *c,
		 unsigned int n, uint32_t base)
{
	uint16_t target = nu_used_idx(&c->d, VN_RXQ) + n;

	for (unsigned int i = 0; i < n; i++) {
		int h = vn_rx_post(c, 2048, NULL);

		ASSERT_LE(0, h);
		vg_publish(&c->d, VN_RXQ, h);
	}
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	for (unsigned int i = 0; i < n; i++)
		ASSERT_EQ(0, nu_send_frame(c, 60 + 10 * i, base + i));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, target, 5000));
	nu_used_consume_all(&c->d, VN_RXQ);
}

typedef void (*xfer_fn)(struct __test_metadata *, struct vn_ctx *,
			unsigned int, uint32_t);

static void no_interrupt(struct __test_metadata *_metadata, struct vn_ctx *c,
			 unsigned int q, xfer_fn xfer)
{
	int call = c->d.vq[q].call_fd;

	vg_eventfd_drain(call);
	c->d.vq[q].avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	xfer(_metadata, c, 4, 100);
	ASSERT_EQ(0, vg_wait_call(&c->d, q, 500));
	c->d.vq[q].avail->flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	xfer(_metadata, c, 1, 200);
	ASSERT_EQ(1, vg_wait_call(&c->d, q, 2000));
}

/* TX: NO_INTERRUPT set -> frames go out, no call; cleared -> call again. */
TEST_F(notify, tx_no_interrupt_flag_suppresses_call)
{
	setup(_metadata, self, variant->mode, false);
	no_interrupt(_metadata, &self->c, VN_TXQ, tx_n);
}

/* RX: NO_INTERRUPT set -> frames land, no call; cleared -> call again. */
TEST_F(notify, rx_no_interrupt_flag_suppresses_call)
{
	setup(_metadata, self, variant->mode, false);
	no_interrupt(_metadata, &self->c, VN_RXQ, rx_n);
}

static void event_idx_gate(struct __test_metadata *_metadata, struct vn_ctx *c,
			   unsigned int q, xfer_fn xfer)
{
	vg_eventfd_drain(c->d.vq[q].call_fd);
	nu_set_used_event(&c->d, q, 0);
	xfer(_metadata, c, 1, 300);			/* used 0 -> 1 */
	ASSERT_EQ(1, vg_wait_call(&c->d, q, 2000));
	nu_set_used_event(&c->d, q, 3);
	xfer(_metadata, c, 2, 310);			/* used 1 -> 3 */
	ASSERT_EQ(3, nu_used_idx(&c->d, q));
	ASSERT_EQ(0, vg_wait_call(&c->d, q, 500));
	xfer(_metadata, c, 2, 320);			/* used 3 -> 5: passes 3 */
	ASSERT_EQ(1, vg_wait_call(&c->d, q, 2000));
	/* used_event far behind (already passed): no call for 5 -> 6 */
	nu_set_used_event(&c->d, q, 1);
	xfer(_metadata, c, 1, 330);
	ASSERT_EQ(0, vg_wait_call(&c->d, q, 500));
}

/* EVENT_IDX, TX: the call fires exactly when used->idx passes used_event. */
TEST_F(notify, tx_event_idx_used_event_gates_call)
{
	setup(_metadata, self, variant->mode, true);
	event_idx_gate(_metadata, &self->c, VN_TXQ, tx_n);
}

/* EVENT_IDX, RX: the call fires exactly when used->idx passes used_event. */
TEST_F(notify, rx_event_idx_used_event_gates_call)
{
	setup(_metadata, self, variant->mode, true);
	event_idx_gate(_metadata, &self->c, VN_RXQ, rx_n);
}

/*
 * EVENT_IDX, TX: once idle the device has published avail_event ==
 * avail->idx (it wants the very next kick), and a guest that kicks only
 * when avail->idx passes avail_event gets every batch sent.
 */
TEST_F(notify, tx_event_idx_avail_event_published)
{
	struct vg_vq *vq;

	setup(_metadata, self, variant->mode, true);
	vq = &self->c.d.vq[VN_TXQ];
	for (unsigned int round = 0; round < 5; round++) {
		uint16_t old = vq->avail_idx;
		uint16_t target = nu_used_idx(&self->c.d, VN_TXQ) + 3;
		uint16_t ae = nu_avail_event(&self->c.d, VN_TXQ);

		for (unsigned int i = 0; i < 3; i++)
			ASSERT_LE(0, nu_tx_frame(&self->c, 100, 400 + round * 3 + i,
						 1, false));
		/* vring_need_event(avail_event, new, old) */
		if ((uint16_t)(vq->avail_idx - ae - 1) < (uint16_t)(vq->avail_idx - old))
			ASSERT_EQ(0, vg_kick(&self->c.d, VN_TXQ));
		ASSERT_EQ(1, nu_wait_used_idx(&self->c.d, VN_TXQ, target, 5000))
			TH_LOG("round %u: avail_event %u, avail %u -> %u", round,
			       ae, old, vq->avail_idx);
		nu_used_consume_all(&self->c.d, VN_TXQ);
		for (unsigned int i = 0; i < 3; i++)
			ASSERT_EQ(0, nu_expect_frame(&self->c, 100, 400 + round * 3 + i,
						     5000));
		usleep(50 * 1000);
		ASSERT_EQ(vq->avail_idx, nu_avail_event(&self->c.d, VN_TXQ));
	}
}

/* No EVENT_IDX, TX: once idle, used->flags does not suppress kicks. */
TEST_F(notify, tx_idle_used_flags_allow_kicks)
{
	setup(_metadata, self, variant->mode, false);
	tx_n(_metadata, &self->c, 5, 500);
	usleep(50 * 1000);
	ASSERT_EQ(0, self->c.d.vq[VN_TXQ].used->flags & VRING_USED_F_NO_NOTIFY);
}

static void rx_starve(struct __test_metadata *_metadata, struct vn_ctx *c,
		      bool event_idx)
{
	struct vg_vq *vq = &c->d.vq[VN_RXQ];
	bool kick;
	int h;

	h = vn_rx_post(c, 2048, NULL);
	ASSERT_LE(0, h);
	vg_publish(&c->d, VN_RXQ, h);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	ASSERT_EQ(0, nu_send_frame(c, 100, 601));
	ASSERT_EQ(0, nu_send_frame(c, 200, 602));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, 1, 5000));
	usleep(200 * 1000);
	ASSERT_EQ(1, nu_used_idx(&c->d, VN_RXQ));
	/* out of buffers with a frame pending: it must want a kick */
	if (event_idx)
		kick = nu_avail_event(&c->d, VN_RXQ) == vq->avail_idx;
	else
		kick = !(vq->used->flags & VRING_USED_F_NO_NOTIFY);
	ASSERT_TRUE(kick)
		TH_LOG("event_idx %d: avail_event %u, avail idx %u, used flags %#x", event_idx,
		       nu_avail_event(&c->d, VN_RXQ), vq->avail_idx, vq->used->flags);
	h = vn_rx_post(c, 2048, NULL);
	ASSERT_LE(0, h);
	vg_publish(&c->d, VN_RXQ, h);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, 2, 5000));
	ASSERT_EQ((uint32_t)h, nu_used_elem(&c->d, VN_RXQ, 1).id);
	ASSERT_EQ((uint32_t)(c->hdr_len + 200), nu_used_elem(&c->d, VN_RXQ, 1).len);
}

/* No EVENT_IDX, RX starved with a frame pending: NO_NOTIFY is cleared. */
TEST_F(notify, rx_out_of_buffers_requests_kick)
{
	setup(_metadata, self, variant->mode, false);
	rx_starve(_metadata, &self->c, false);
}

/* EVENT_IDX, RX starved with a frame pending: avail_event == avail->idx. */
TEST_F(notify, rx_event_idx_out_of_buffers_requests_kick)
{
	setup(_metadata, self, variant->mode, true);
	rx_starve(_metadata, &self->c, true);
}

TEST_HARNESS_MAIN
