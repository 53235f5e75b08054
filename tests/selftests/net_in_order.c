// SPDX-License-Identifier: GPL-2.0
/*
 * VIRTIO_F_IN_ORDER on vhost-net (7.2's in-tree module offers it, ours on
 * every kernel).  The driver lays its chains out one after the other in the
 * descriptor table and may rely on the device using them in that order: a
 * used element stands for its buffer and every earlier one not yet used
 * (virtio 1.2, 2.7.9).  7.2 writes one element per TX batch and per RX
 * frame; ours writes one per buffer, also in order.  The checks read the
 * used ring the way an in-order driver does, so both forms pass and any
 * reordering fails.  Shown to fail: 6.1 and 6.12 in-tree do not offer the
 * bit (expected failure there).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "net_util.h"

#define RING 1024
#define RXBUF 256	/* small RX buffers: a frame spans several */

/* An in-order driver's view of the used rings. */
struct walk {
	uint16_t consumed[2];	/* buffers used so far */
	uint16_t pos[2];	/* slot of the next used element */
};

FIXTURE(io) {
	struct vn_ctx c;
	struct walk w;
};

FIXTURE_SETUP(io)
{
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST,
			      (1ULL << VIRTIO_F_IN_ORDER) |
			      (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			      (1ULL << VIRTIO_RING_F_INDIRECT_DESC), RING));
	ASSERT_EQ(0, nu_pkt_rcvbuf(&self->c, 32 << 20));
}

FIXTURE_TEARDOWN(io)
{
	vn_teardown(&self->c);
}

/*
 * Read used elements until @n more buffers, whose heads are @heads, are
 * used.  Each element's id must be one of those still pending; it uses that
 * buffer and every pending one before it, and the next element sits that
 * many slots further (the used index counts buffers).  Returns how many
 * elements were read, -1 on an id out of order, -2 on a timeout.
 */
static int in_order_take(struct vn_ctx *c, struct walk *w, unsigned int q,
			 const uint16_t *heads, unsigned int n)
{
	struct vg_dev *d = &c->d;
	unsigned int done = 0, elems = 0;

	while (done < n) {
		struct vring_used_elem e;
		unsigned int j;

		if (!nu_wait_used_idx(d, q, w->pos[q] + 1, 10000))
			return -2;
		e = nu_used_elem(d, q, w->pos[q]);
		for (j = done; j < n && heads[j] != e.id; j++)
			;
		if (j == n)
			return -1;
		w->pos[q] += j + 1 - done;
		done = j + 1;
		elems++;
	}
	if (nu_used_idx(d, q) != (uint16_t)(w->consumed[q] + n))
		return -1;
	w->consumed[q] += n;
	d->vq[q].last_used = w->consumed[q];
	return elems;
}

TEST_F(io, offered_and_negotiated)
{
	uint64_t f = 0;

	ASSERT_EQ(0, vg_get_features(&self->c.d, &f));
	ASSERT_NE(0ULL, f & (1ULL << VIRTIO_F_IN_ORDER));
}

/* 300 frames of 1 to 4 segments, direct and indirect, in three kicks. */
TEST_F(io, tx_chains_used_in_order)
{
	static uint8_t f[NU_RXBUF];
	uint16_t heads[100];
	int elems;

	for (unsigned int k = 0; k < 3; k++) {
		for (unsigned int i = 0; i < 100; i++) {
			unsigned int seed = 1000 * k + i;
			size_t len = 60 + (seed * 37) % 1400;
			int h;

			vn_make_frame(f, len, seed);
			h = vn_tx_post(&self->c, f, len, 1 + i % 4, i % 5 == 0);
			ASSERT_LE(0, h);
			heads[i] = h;
		}
		vg_publish_many(&self->c.d, VN_TXQ, heads, 100);
		ASSERT_EQ(0, vg_kick(&self->c.d, VN_TXQ));
		elems = in_order_take(&self->c, &self->w, VN_TXQ, heads, 100);
		ASSERT_LT(0, elems);
		TH_LOG("kick %u: 100 buffers in %d used elements", k, elems);
		for (unsigned int i = 0; i < 100; i++) {
			unsigned int seed = 1000 * k + i;

			ASSERT_EQ(0, nu_expect_frame(&self->c,
						     60 + (seed * 37) % 1400,
						     seed, 5000))
				TH_LOG("frame %u of kick %u", i, k);
		}
	}
}

/*
 * 40 frames into 256-byte buffers: each frame spans several, in order, its
 * header says how many, and the bytes come out whole.
 */
TEST_F(io, rx_merged_frames_used_in_order)
{
	static uint16_t heads[RING];
	static uint8_t *bufs[RING];
	static uint8_t got[NU_RXBUF], want[NU_RXBUF];
	size_t hdr = self->c.hdr_len;
	unsigned int posted = 0, first = 0;

	for (unsigned int i = 0; i < 600; i++) {
		void *p;
		int h = vn_rx_post(&self->c, RXBUF, &p);

		ASSERT_LE(0, h);
		heads[posted] = h;
		bufs[posted++] = p;
	}
	vg_publish_many(&self->c.d, VN_RXQ, heads, posted);
	ASSERT_EQ(0, vg_kick(&self->c.d, VN_RXQ));
	for (unsigned int i = 0; i < 40; i++) {
		size_t len = 60 + (i * 97) % 1400, left = len + hdr, off = 0;
		unsigned int nbuf = (left + RXBUF - 1) / RXBUF;
		struct virtio_net_hdr_mrg_rxbuf *h;

		ASSERT_EQ(0, nu_send_frame(&self->c, len, 500 + i));
		ASSERT_LT(0, in_order_take(&self->c, &self->w, VN_RXQ,
						 heads + first, nbuf))
			TH_LOG("frame %u (%u buffers)", i, nbuf);
		h = (void *)bufs[first];
		ASSERT_EQ(nbuf, h->num_buffers);
		for (unsigned int b = 0; b < nbuf; b++) {
			size_t piece = left < RXBUF ? left : RXBUF;

			memcpy(got + off, bufs[first + b], piece);
			off += piece;
			left -= piece;
		}
		vn_make_frame(want, len, 500 + i);
		ASSERT_EQ(0, memcmp(got + hdr, want, len)) TH_LOG("frame %u", i);
		first += nbuf;
	}
}

TEST_HARNESS_MAIN
