// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net with both queues busy at once: TX and RX traffic run
 * concurrently (one guest thread per queue, host sender and receiver),
 * with and without a busy-poll timeout (VHOST_SET_VRING_BUSYLOOP_TIMEOUT,
 * which makes the TX and RX handlers poll each other's queue): every frame
 * arrives once, in order, byte-exact, and the worker goes idle afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "net_util.h"

#define DX_FRAMES 2000
#define DX_RING 256
#define DX_TX_WIN 48
#define DX_RX_WIN 128
#define DX_SLOT 2048

FIXTURE(duplex) {
	struct vn_ctx c;
	uint8_t *txpool, *rxpool;
};

FIXTURE_VARIANT(duplex) {
	enum vn_hdr_mode mode;
	unsigned int busyloop_us;
	bool mrg;
};

FIXTURE_VARIANT_ADD(duplex, vhost_hdr) { .mode = VN_HDR_VHOST };
FIXTURE_VARIANT_ADD(duplex, tap_hdr) { .mode = VN_HDR_TAP };
FIXTURE_VARIANT_ADD(duplex, vhost_hdr_busyloop) {
	.mode = VN_HDR_VHOST, .busyloop_us = 200 };
FIXTURE_VARIANT_ADD(duplex, tap_hdr_busyloop_mrg) {
	.mode = VN_HDR_TAP, .busyloop_us = 200, .mrg = true };

FIXTURE_SETUP(duplex)
{
	ASSERT_EQ(0, vn_setup(&self->c, variant->mode,
			      variant->mrg ? 1ULL << VIRTIO_NET_F_MRG_RXBUF : 0,
			      DX_RING));
	ASSERT_EQ(0, nu_pkt_rcvbuf(&self->c, 32 << 20));
	for (unsigned int q = 0; q < 2 && variant->busyloop_us; q++) {
		struct vhost_vring_state s = { .index = q,
					       .num = variant->busyloop_us };

		ASSERT_EQ(0, ioctl(self->c.d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	}
	/* all guest memory is carved out before the threads start */
	self->txpool = vg_alloc(&self->c.d, DX_TX_WIN * DX_SLOT, 64);
	self->rxpool = vg_alloc(&self->c.d, DX_RING * DX_SLOT, 64);
	ASSERT_NE(NULL, self->txpool);
	ASSERT_NE(NULL, self->rxpool);
}

FIXTURE_TEARDOWN(duplex)
{
	vn_teardown(&self->c);
}

static size_t dx_len(unsigned int i, unsigned int salt)
{
	return 60 + (i * salt) % 1455;
}

struct dx {
	struct vn_ctx *c;
	uint8_t *txpool, *rxpool;
	unsigned int rx_delivered;	/* atomic: test writes, sender thread reads */
	char err[160];
};

/* Guest TX: post DX_FRAMES frames, at most DX_TX_WIN in flight. */
static void *guest_tx(void *arg)
{
	struct dx *x = arg;
	struct vg_dev *d = &x->c->d;
	unsigned int posted = 0;
	long long end = vg_now_ms() + 120000;

	while (posted < DX_FRAMES) {
		uint16_t used = nu_used_idx(d, VN_TXQ);
		unsigned int n = 0;

		while (posted < DX_FRAMES && (uint16_t)(posted - used) < DX_TX_WIN) {
			uint8_t *slot = x->txpool + (posted % DX_TX_WIN) * DX_SLOT;
			size_t len = dx_len(posted, 211);
			struct vg_seg s = { slot, x->c->hdr_len + len, false };
			int h;

			memset(slot, 0, x->c->hdr_len);
			vn_make_frame(slot + x->c->hdr_len, len, 60000 + posted);
			h = vg_add_chain(d, VN_TXQ, &s, 1, false);
			if (h < 0) {
				snprintf(x->err, sizeof(x->err), "tx add_chain %d", h);
				return NULL;
			}
			vg_publish(d, VN_TXQ, h);
			posted++;
			n++;
		}
		if (n)
			vg_kick(d, VN_TXQ);
		else
			usleep(200);
		if (vg_now_ms() > end) {
			snprintf(x->err, sizeof(x->err), "tx stalled at %u", posted);
			return NULL;
		}
	}
	if (!nu_wait_used_idx(d, VN_TXQ, DX_FRAMES, 10000))
		snprintf(x->err, sizeof(x->err), "tx used %u of %u",
			 nu_used_idx(d, VN_TXQ), DX_FRAMES);
	return NULL;
}

/* Host RX sender: DX_FRAMES frames, at most DX_RX_WIN ahead of the guest. */
static void *host_send(void *arg)
{
	struct dx *x = arg;

	for (unsigned int i = 0; i < DX_FRAMES; i++) {
		long long end = vg_now_ms() + 30000;
		int r;

		while (i - __atomic_load_n(&x->rx_delivered, __ATOMIC_ACQUIRE) >= DX_RX_WIN) {
			if (vg_now_ms() > end)
				return NULL;
			usleep(200);
		}
		r = nu_send_frame(x->c, dx_len(i, 173), 90000 + i);
		if (r) {
			snprintf(x->err, sizeof(x->err), "send %d", r);
			return NULL;
		}
	}
	return NULL;
}

/* Host TX receiver: every guest frame, in order. */
static void *host_recv(void *arg)
{
	struct dx *x = arg;

	for (unsigned int i = 0; i < DX_FRAMES; i++) {
		int r = nu_expect_frame(x->c, dx_len(i, 211), 60000 + i, 10000);

		if (r) {
			snprintf(x->err, sizeof(x->err), "tx frame %u: %d", i, r);
			return NULL;
		}
	}
	return NULL;
}

/*
 * 2000 frames each way at the same time (guest TX <= 48 in flight, host RX
 * <= 128 ahead): all arrive once, in order, byte-exact; afterwards the
 * worker is idle (<= 10 ticks in 1.5 s) even with busy polling enabled.
 */
TEST_F_TIMEOUT(duplex, both_directions_concurrently_in_order, 240)
{
	struct dx x = { .c = &self->c, .txpool = self->txpool,
			.rxpool = self->rxpool };
	struct vg_dev *d = &self->c.d;
	static uint8_t want[2048];
	unsigned int posted = 0, got = 0;
	pthread_t tt, ts, tr;
	long t0, t1;

	/* RX buffers: slot = head, one descriptor each */
	for (; posted < DX_RX_WIN; posted++) {
		struct vg_seg s = { self->rxpool + (posted % DX_RING) * DX_SLOT,
				    DX_SLOT, true };
		int h = vg_add_chain(d, VN_RXQ, &s, 1, false);

		ASSERT_EQ((int)(posted % DX_RING), h);
		vg_publish(d, VN_RXQ, h);
	}
	ASSERT_EQ(0, vg_kick(d, VN_RXQ));
	ASSERT_EQ(0, pthread_create(&tr, NULL, host_recv, &x));
	ASSERT_EQ(0, pthread_create(&ts, NULL, host_send, &x));
	ASSERT_EQ(0, pthread_create(&tt, NULL, guest_tx, &x));

	/* this thread is the guest's RX side */
	while (got < DX_FRAMES) {
		size_t len = dx_len(got, 173);
		uint32_t id, ulen;
		uint8_t *buf;

		if (!vg_wait_used(d, VN_RXQ, 10000, &id, &ulen)) {
			snprintf(x.err, sizeof(x.err), "rx stalled after %u", got);
			break;
		}
		buf = self->rxpool + id * DX_SLOT;
		vn_make_frame(want, len, 90000 + got);
		if (ulen != self->c.hdr_len + len ||
		    memcmp(want, buf + self->c.hdr_len, len)) {
			snprintf(x.err, sizeof(x.err), "rx frame %u: len %u want %zu",
				 got, ulen, self->c.hdr_len + len);
			break;
		}
		if (variant->mrg &&
		    ((struct virtio_net_hdr_mrg_rxbuf *)buf)->num_buffers != 1) {
			snprintf(x.err, sizeof(x.err), "rx frame %u: num_buffers", got);
			break;
		}
		got++;
		__atomic_store_n(&x.rx_delivered, got, __ATOMIC_RELEASE);
		if (posted < DX_FRAMES) {
			struct vg_seg s = { self->rxpool + (posted % DX_RING) * DX_SLOT,
					    DX_SLOT, true };
			int h = vg_add_chain(d, VN_RXQ, &s, 1, false);

			vg_publish(d, VN_RXQ, h);
			posted++;
			if (!(posted % 8))
				vg_kick(d, VN_RXQ);
		}
	}
	pthread_join(tt, NULL);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	ASSERT_STREQ("", x.err);
	ASSERT_EQ((unsigned int)DX_FRAMES, got);
	ASSERT_EQ(-ETIMEDOUT, nu_expect_frame(&self->c, 60, 0, 200));

	usleep(200 * 1000);
	t0 = vn_worker_ticks(&self->c);
	usleep(1500 * 1000);
	t1 = vn_worker_ticks(&self->c);
	ASSERT_LE(0, t0);
	ASSERT_LE(0, t1);
	EXPECT_GE(10, t1 - t0) TH_LOG("worker used %ld ticks while idle", t1 - t0);
}

TEST_HARNESS_MAIN
