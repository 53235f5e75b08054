// SPDX-License-Identifier: GPL-2.0
/*
 * attack_walk: descriptor walking must be bounded per worker pass (issue 7,
 * finding 3).
 *
 * The packet and byte weights bound what a pass delivers, not how many
 * descriptors it reads: empty descriptors carry no bytes.  With
 * VIRTIO_NET_F_MRG_RXBUF one RX frame may gather up to 1024 heads, each a
 * chain of num - 1 empty writable descriptors and one 1-byte buffer; a
 * frame larger than 1024 bytes then never fits, is dropped, and its heads
 * are reused for the next frame.  Filling the avail ring with head 0 makes
 * every frame cost 1024 * num descriptor reads (10^6 at num 1024, 3.4 *
 * 10^7 at num 32768), all with the queue mutex held and no reschedule:
 * 6.1 soft-locks at num 32768 (softlockup_panic=1 kills the boot; it runs
 * in a boot of its own for the reference, see tests/vm/isolated) and
 * keeps ioctls on the queue waiting for seconds at num 1024.
 *
 * Our core counts walked descriptors against VHH_WALK_BUDGET (16384) per
 * pass and requeues the work.  At num 1024 an RX frame that alone
 * exhausts a fresh pass is dropped like one that cannot fit, and TX chains
 * go out a few per pass; at num 32768 a single chain is longer than a
 * whole pass, which only mostly-empty chains can be: it is refused as
 * malformed and the queue stops (error eventfd) until the guest resets it.
 * Checked here: the worker really ran the attack, an ioctl that needs the
 * queue mutex is answered within IOCTL_BOUND_MS all along, and the queue
 * works afterwards (a proper buffer written into descriptor 0 takes the
 * next frame byte-exact, or after a reset when the queue was stopped).
 * Shown to fail with the budget check reverted (vhh_walk_take() always
 * true): soft lockup at num 32768, ioctl waits of seconds at num 1024,
 * 2026-12-01.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "attack_util.h"

#define ATTACK_MS 8000
#define IOCTL_BOUND_MS 2000
#define NFRAMES 32	/* 6.1 at num 1024: about 0.17 s of walking each (TCG) */
#define FLEN 1500

FIXTURE(walk) {
	struct vn_ctx c;
};

FIXTURE_VARIANT(walk) {
	unsigned int num;
	bool stops;	/* a chain is longer than a whole pass may walk */
};

FIXTURE_VARIANT_ADD(walk, n1024) { .num = 1024, .stops = false };
FIXTURE_VARIANT_ADD(walk, n32768) { .num = 32768, .stops = true };

FIXTURE_SETUP(walk)
{
	/* Rings of 32768 need about 1 MiB per queue: the default arena holds them. */
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST,
			      1ULL << VIRTIO_NET_F_MRG_RXBUF, variant->num));
}

FIXTURE_TEARDOWN(walk)
{
	vn_teardown(&self->c);
}

/* Descriptor table of @idx: one chain of num - 1 empty descriptors then @buf. */
static void long_chain(struct vg_dev *d, unsigned int idx, void *buf,
		       uint32_t len, bool write)
{
	struct vg_vq *q = &d->vq[idx];
	uint16_t f = write ? VRING_DESC_F_WRITE : 0;

	for (unsigned int i = 0; i < q->num; i++) {
		q->desc[i].addr = vg_gpa(d, buf);
		q->desc[i].len = 0;
		q->desc[i].flags = f | VRING_DESC_F_NEXT;
		q->desc[i].next = i + 1;
	}
	q->desc[q->num - 1].len = len;
	q->desc[q->num - 1].flags = f;
	q->next_desc = q->num;
}

/*
 * Time VHOST_GET_VRING_BASE on @idx (it takes the queue mutex) repeatedly
 * for @ms; returns the longest wait.
 */
static long long worst_ioctl_ms(int fd, unsigned int idx, int ms)
{
	long long end = vg_now_ms() + ms, worst = 0;

	while (vg_now_ms() < end) {
		struct vhost_vring_state s = { .index = idx };
		long long t0 = vg_now_ms(), dt;

		if (ioctl(fd, VHOST_GET_VRING_BASE, &s))
			return -errno;
		dt = vg_now_ms() - t0;
		if (dt > worst)
			worst = dt;
		usleep(50 * 1000);
	}
	return worst;
}

TEST_F_TIMEOUT(walk, rx_mrg_heads_of_empty_chains, 300)
{
	struct vn_ctx *c = &self->c;
	struct vg_dev *d = &c->d;
	struct vg_vq *q = &d->vq[VN_RXQ];
	uint16_t *heads = calloc(q->num, sizeof(*heads));
	uint8_t *one = vg_alloc(d, 64, 64), *buf;
	uint8_t frame[FLEN];
	long ticks0, ticks1;
	long long worst;
	uint32_t id, len;

	ASSERT_NE(NULL, heads);
	ASSERT_NE(NULL, one);
	long_chain(d, VN_RXQ, one, 1, true);
	vg_publish_many(d, VN_RXQ, heads, q->num);	/* head 0, num times */
	ASSERT_EQ(0, vg_kick(d, VN_RXQ));
	ticks0 = vn_worker_ticks(c);
	ASSERT_LE(0, ticks0) TH_LOG("vhost worker thread not found");
	for (uint32_t i = 0; i < NFRAMES; i++) {
		vn_make_frame(frame, sizeof(frame), 100 + i);
		ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	}
	worst = worst_ioctl_ms(d->fd, VN_RXQ, ATTACK_MS);
	ticks1 = vn_worker_ticks(c);
	TH_LOG("num %u: worst GET_VRING_BASE %lld ms, worker ticks %ld", q->num,
	       worst, ticks1 - ticks0);
	ASSERT_LE(0, worst);
	EXPECT_LT(worst, IOCTL_BOUND_MS);
	EXPECT_EQ(0U, vg_used_pending(d, VN_RXQ));
	if (variant->stops) {
		int r, i;

		ASSERT_EQ(1, vg_wait_err(d, VN_RXQ, 1000)) TH_LOG("queue not stopped");
		ASSERT_EQ(0, at_reset_queue(c, VN_RXQ));
		/* The NFRAMES frames still queued in the tap come first. */
		for (i = 0, r = -8; i < NFRAMES / 4 + 2 && r == -8; i++)
			r = at_rx_valid(c, FLEN, 7);
		EXPECT_EQ(0, r);
		free(heads);
		return;
	}
	/* The attack really ran (the frames were gathered and dropped). */
	EXPECT_LT(ticks0, ticks1);

	/* Wait for the dropped frames to drain, then repair descriptor 0. */
	for (int i = 0; i < 60 && worst_ioctl_ms(d->fd, VN_RXQ, 500) >= 0; i++) {
		long t = vn_worker_ticks(c);

		usleep(500 * 1000);
		if (vn_worker_ticks(c) == t)
			break;
	}
	buf = vg_alloc(d, 4096, 64);
	ASSERT_NE(NULL, buf);
	q->desc[0].addr = vg_gpa(d, buf);
	q->desc[0].len = 4096;
	q->desc[0].flags = VRING_DESC_F_WRITE;
	ASSERT_EQ(0, vg_kick(d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 7);
	ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	ASSERT_EQ(1, vg_wait_used(d, VN_RXQ, 10000, &id, &len))
		TH_LOG("the queue took no frame after the attack");
	EXPECT_EQ(0U, id);
	EXPECT_EQ(c->hdr_len + sizeof(frame), len);
	EXPECT_EQ(0, memcmp(frame, buf + c->hdr_len, sizeof(frame)));
	free(heads);
}

/*
 * TX: every head is a chain of num - 1 empty descriptors then a whole
 * frame (header included).  6.1 walks 256 such chains per pass (its packet
 * weight); we walk what the budget allows and requeue: all frames arrive,
 * in order, or (num 32768) the queue stops at the first chain; the queue
 * mutex is never held for long.
 */
TEST_F_TIMEOUT(walk, tx_chains_of_empty_descriptors, 300)
{
	struct vn_ctx *c = &self->c;
	struct vg_dev *d = &c->d;
	struct vg_vq *q = &d->vq[VN_TXQ];
	unsigned int n = q->num < 512 ? q->num : 512;
	uint16_t *heads = calloc(n, sizeof(*heads));
	uint8_t *pkt = vg_alloc(d, c->hdr_len + 64, 64);
	uint8_t got[256];
	long long worst;

	ASSERT_NE(NULL, heads);
	ASSERT_NE(NULL, pkt);
	memset(pkt, 0, c->hdr_len);
	vn_make_frame(pkt + c->hdr_len, 64, 9);
	long_chain(d, VN_TXQ, pkt, c->hdr_len + 64, false);
	vn_pkt_flush(c);
	vg_publish_many(d, VN_TXQ, heads, n);
	ASSERT_EQ(0, vg_kick(d, VN_TXQ));
	worst = worst_ioctl_ms(d->fd, VN_TXQ, 3000);
	TH_LOG("num %u: worst GET_VRING_BASE %lld ms", q->num, worst);
	ASSERT_LE(0, worst);
	EXPECT_LT(worst, IOCTL_BOUND_MS);
	if (variant->stops) {
		ASSERT_EQ(1, vg_wait_err(d, VN_TXQ, 1000)) TH_LOG("queue not stopped");
		EXPECT_TRUE(at_no_tx_frame(c, 200));
		ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
		EXPECT_EQ(0, at_tx_valid(c, 200, 8));
		free(heads);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		ssize_t r = vn_pkt_recv(c, got, sizeof(got), 60000);

		ASSERT_EQ(64, r) TH_LOG("frame %u of %u", i, n);
		ASSERT_EQ(0, memcmp(pkt + c->hdr_len, got, 64));
	}
	free(heads);
}

TEST_HARNESS_MAIN
