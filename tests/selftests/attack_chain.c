// SPDX-License-Identifier: GPL-2.0
/*
 * attack_chain: malformed descriptor chains against the vhost core's chain
 * walker (vhost_get_vq_desc/get_indirect/translate_desc), driven through
 * vhost-net.  Seeds: 004 (virtio hardening: chain walking, direction,
 * bounds) and 003 (SPDK threat 2/5: malformed requests, queue indices).
 *
 * Every test crafts the chain with raw writes into the descriptor table,
 * kicks, and checks the hardened behaviour: the request is never completed
 * as if valid (TX: nothing comes out of the tap; RX: the buffer is not
 * written), the queue's error eventfd fires or the request is failed with
 * a used entry of len 0 (either is accepted; 6.1 always takes the error
 * eventfd path and then ignores the queue until the next kick), nothing
 * hangs, and after the guest resets the queue (backend off, fresh rings,
 * VHOST_SET_VRING_BASE 0, backend on) a valid frame gets through.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "attack_util.h"

#define NUM 256
#define F_NEXT VRING_DESC_F_NEXT
#define F_WRITE VRING_DESC_F_WRITE
#define F_IND VRING_DESC_F_INDIRECT

FIXTURE(chain) {
	struct vn_ctx c;
};

FIXTURE_SETUP(chain)
{
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST,
			      1ULL << VIRTIO_RING_F_INDIRECT_DESC, NUM));
}

FIXTURE_TEARDOWN(chain)
{
	vn_teardown(&self->c);
}

static uint64_t gpa(struct vn_ctx *c, const void *p)
{
	return vg_gpa(&c->d, p);
}

/*
 * Publish @head on TX, kick, require a rejection with nothing on the tap,
 * then reset the queue and require a valid frame to get through.
 * Shown to fail with the broken-state reset reverted (vq->broken = false in
 * vhh_vq_reconfigured, drivers/core/vring.c, and vhh_vq_init_access,
 * drivers/core/access.c), 2026-11-25. Every test using it fails then.
 */
static void tx_reject_and_recover(struct __test_metadata *_metadata,
				  struct vn_ctx *c, int head)
{
	uint8_t got[2048] = { 0 };
	enum at_outcome o;
	ssize_t n;

	vn_pkt_flush(c);
	vg_publish(&c->d, VN_TXQ, head);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	o = at_wait_outcome(c, VN_TXQ, head, 3000);
	EXPECT_TRUE(at_rejected(o)) TH_LOG("outcome %d (0 none, 3 bad used)", o);
	n = vn_pkt_recv(c, got, sizeof(got), 500);
	EXPECT_EQ(-ETIMEDOUT, n) TH_LOG("malformed TX chain was sent: %zd bytes, type %02x%02x",
					 n, got[12], got[13]);
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x5eed));
}

/*
 * RX: publish @head, kick, send a frame; require a rejection and that
 * @buf (@len bytes, prefilled with 0xa5 by the caller) stays untouched,
 * then reset and require a valid RX to land.
 * Shown to fail with the broken-state reset reverted (vq->broken = false in
 * vhh_vq_reconfigured, drivers/core/vring.c, and vhh_vq_init_access,
 * drivers/core/access.c), 2026-11-25. Every test using it fails then.
 */
static void rx_reject_and_recover(struct __test_metadata *_metadata,
				  struct vn_ctx *c, int head,
				  const uint8_t *buf, size_t len)
{
	uint8_t frame[200];
	enum at_outcome o;

	vg_publish(&c->d, VN_RXQ, head);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 77);
	ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	o = at_wait_outcome(c, VN_RXQ, head, 3000);
	EXPECT_TRUE(at_rejected(o)) TH_LOG("outcome %d (0 none, 3 bad used)", o);
	for (size_t i = 0; buf && i < len; i++) {
		if (buf[i] != 0xa5) {
			EXPECT_EQ(0xa5, buf[i]) TH_LOG("buffer written at %zu", i);
			break;
		}
	}
	ASSERT_EQ(0, at_reset_queue(c, VN_RXQ));
	ASSERT_EQ(0, at_rx_valid(c, 150, 0xbeef));
}

/* Seed 004 chain walking: a descriptor whose next points to itself. 6.1 passes. */
TEST_F(chain, tx_desc_self_loop_rejected)
{
	struct vn_ctx *c = &self->c;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), tot, F_NEXT, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 chain walking: a 2-cycle 0 -> 1 -> 0. 6.1 passes. */
TEST_F(chain, tx_desc_two_cycle_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	at_desc(d, 1, gpa(c, b) + c->hdr_len, 100, F_NEXT, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 chain walking: the frame, then a zero-length descriptor whose
 * next points to itself.  An empty descriptor takes no iovec, so only the
 * loop bound ends the walk (a bound on iovecs would spin forever).  6.1 passes.
 * Shown to fail with the loop bound reverted (vhh_chain_walk in
 * drivers/core/desc.c), 2026-11-25. Soft lockup, the VM panics.
 */
TEST_F(chain, tx_zero_len_desc_loop_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), tot, F_NEXT, 1);
	at_desc(d, 1, gpa(c, b), 0, F_NEXT, 1);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 chain walking: a loop inside an indirect table (2 -> 1). 6.1 passes. */
TEST_F(chain, tx_indirect_table_loop_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 4 * 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	at_desc(t, 1, gpa(c, b) + c->hdr_len, 50, F_NEXT, 2);
	at_desc(t, 2, gpa(c, b) + c->hdr_len + 50, 50, F_NEXT, 1);
	at_desc(t, 3, gpa(c, b), 1, 0, 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 4 * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 chain walking: an indirect table of two entries, the frame and
 * a zero-length entry chained to itself: only the table's loop bound ends
 * the walk.  6.1 passes ("loop detected" after two entries).
 * Shown to fail with the table loop bound reverted (vhh_chain_indirect in
 * drivers/core/desc.c), 2026-11-25. Soft lockup, the VM panics.
 */
TEST_F(chain, tx_indirect_zero_len_loop_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 2 * 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), tot, F_NEXT, 1);
	at_desc(t, 1, gpa(c, b), 0, F_NEXT, 1);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 2 * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 bounds: a chain through all NUM slots and back to the head. 6.1 passes. */
TEST_F(chain, tx_chain_through_all_slots_and_back_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	size_t tot;
	uint8_t *b = at_tx_buf(c, NUM * 4, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	for (unsigned int i = 1; i < NUM; i++)
		at_desc(d, i, gpa(c, b) + c->hdr_len + 4 * (i - 1), 4, F_NEXT,
			(i + 1) % NUM);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Control for the above: a chain of exactly NUM descriptors is legal and sent exactly. */
TEST_F(chain, tx_chain_of_queue_size_accepted)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	const size_t flen = (NUM - 1) * 4;
	uint8_t got[2048];
	uint32_t id, len;
	size_t tot;
	uint8_t *b = at_tx_buf(c, flen, 9, &tot);

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	for (unsigned int i = 1; i < NUM; i++)
		at_desc(d, i, gpa(c, b) + c->hdr_len + 4 * (i - 1), 4,
			i + 1 < NUM ? F_NEXT : 0, i + 1 < NUM ? i + 1 : 0);
	vg_publish(&c->d, VN_TXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 5000, &id, &len));
	ASSERT_EQ(0u, id);
	ASSERT_EQ((ssize_t)flen, vn_pkt_recv(c, got, sizeof(got), 5000));
	ASSERT_EQ(0, memcmp(b + c->hdr_len, got, flen));
	ASSERT_EQ(0, vg_wait_err(&c->d, VN_TXQ, 0));
}

/*
 * Seed 004 bounds: an indirect table of 65537 entries (more than 16-bit next
 * allows). 6.1 passes.
 * Shown to fail with the indirect table size limit reverted
 * (vhh_indirect_count max in vhh_chain_indirect, drivers/core/desc.c),
 * 2026-11-25. The VM oopses (usercopy BUG, table copy overflows
 * vq->indirect).
 */
TEST_F(chain, tx_indirect_table_over_64k_entries_rejected)
{
	struct vn_ctx *c = &self->c;
	const unsigned int n = 65537;
	struct vring_desc *t = vg_alloc(&c->d, (size_t)n * 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	for (unsigned int i = 1; i < n; i++)
		at_desc(t, i, gpa(c, b) + c->hdr_len, 1,
			i + 1 < n ? F_NEXT : 0, (uint16_t)(i + 1));
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), n * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 bounds: an indirect table of 1100 one-byte entries (more than
 * the queue size and than UIO_MAXIOV).  Either rejected, or sent byte-exact:
 * never truncated or garbled.  6.1 rejects it (-ENOBUFS) and passes.
 */
TEST_F(chain, tx_indirect_1100_entries_rejected_or_exact)
{
	struct vn_ctx *c = &self->c;
	const unsigned int n = 1100;
	struct vring_desc *t = vg_alloc(&c->d, (size_t)n * 16, 16);
	uint8_t got[2048];
	size_t tot;
	uint8_t *b = at_tx_buf(c, n - 1, 3, &tot);
	enum at_outcome o;
	ssize_t r;

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	for (unsigned int i = 1; i < n; i++)
		at_desc(t, i, gpa(c, b) + c->hdr_len + i - 1, 1,
			i + 1 < n ? F_NEXT : 0, i + 1 < n ? i + 1 : 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), n * 16, F_IND, 0);
	vg_publish(&c->d, VN_TXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	o = at_wait_outcome(c, VN_TXQ, 0, 3000);
	ASSERT_NE(AT_NOTHING, (int)o);
	ASSERT_NE(AT_USED_BAD, (int)o);
	r = vn_pkt_recv(c, got, sizeof(got), 500);
	if (o == AT_USED0 && r >= 0) {
		ASSERT_EQ(n - 1, r);
		ASSERT_EQ(0, memcmp(b + c->hdr_len, got, n - 1));
	} else {
		ASSERT_EQ(-ETIMEDOUT, r);
	}
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x5eed));
}

/*
 * Seed 004 chain walking: an indirect descriptor inside an indirect table.
 * 6.1 passes.
 * Shown to fail with the nested indirect check reverted (vhh_chain_indirect
 * in drivers/core/desc.c), 2026-11-25.
 */
TEST_F(chain, tx_nested_indirect_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 2 * 16, 16);
	struct vring_desc *t2 = vg_alloc(&c->d, 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, t2);
	at_desc(t2, 0, gpa(c, b), 8, 0, 0);
	at_desc(t, 0, gpa(c, b), tot, F_NEXT, 1);
	at_desc(t, 1, gpa(c, t2), 16, F_IND, 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 2 * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 chain walking: INDIRECT together with NEXT (the spec forbids
 * it).  6.1 walks on after the table and sends table + next descriptor as
 * one frame: FAILS on 6.1 (expected failure).
 */
TEST_F(chain, tx_indirect_with_next_flag_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 16, 16);
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	uint8_t *extra = vg_alloc(&c->d, 32, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, extra);
	memset(extra, 0x3c, 32);
	at_desc(t, 0, gpa(c, b), tot, 0, 0);
	at_desc(d, 0, gpa(c, t), 16, F_IND | F_NEXT, 1);
	at_desc(d, 1, gpa(c, extra), 32, 0, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 bounds: indirect table length 40 (not a multiple of 16). 6.1
 * passes.
 * Shown to fail with the indirect length check reverted (vhh_indirect_count
 * in vhh_chain_indirect, drivers/core/desc.c), 2026-11-25.
 */
TEST_F(chain, tx_indirect_len_not_multiple_of_16_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 3 * 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	at_desc(t, 1, gpa(c, b) + c->hdr_len, 100, 0, 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 40, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 bounds: indirect table of length 0. 6.1 passes ("loop detected"). */
TEST_F(chain, tx_indirect_len_zero_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = vg_alloc(&c->d, 16, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, t);
	at_desc(t, 0, gpa(c, b), tot, 0, 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 0, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 bounds: indirect table address beyond the end of guest memory. 6.1 passes. */
TEST_F(chain, tx_indirect_table_outside_memory_rejected)
{
	struct vn_ctx *c = &self->c;
	uint64_t out = VG_GPA_BASE + c->d.mem_size + 0x10000;

	at_desc(c->d.vq[VN_TXQ].desc, 0, out, 2 * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 bounds: indirect table starting in memory and running past its end. 6.1 passes. */
TEST_F(chain, tx_indirect_table_straddling_memory_end_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *t = (struct vring_desc *)(c->d.mem + c->d.mem_size - 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(t, 0, gpa(c, b), tot, F_NEXT, 1);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, t), 2 * 16, F_IND, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * TX chain of two descriptors: the frame (flags @bflags) and @wlen bytes of
 * a write-only buffer, the writable one first if @writable_first.
 */
static void tx_with_writable(struct __test_metadata *_metadata,
			     struct vn_ctx *c, bool writable_first,
			     uint32_t wlen, uint16_t bflags)
{
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	uint8_t *w = vg_alloc(&c->d, 64, 16);
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, w);
	if (writable_first) {
		at_desc(d, 0, gpa(c, w), wlen, F_WRITE | F_NEXT, 1);
		at_desc(d, 1, gpa(c, b), tot, bflags, 0);
	} else {
		at_desc(d, 0, gpa(c, b), tot, bflags | F_NEXT, 1);
		at_desc(d, 1, gpa(c, w), wlen, F_WRITE, 0);
	}
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 direction: TX chain with a write-only descriptor before the readable one. 6.1 passes. */
TEST_F(chain, tx_writable_before_readable_rejected)
{
	tx_with_writable(_metadata, &self->c, true, 64, 0);
}

/* Seed 004 direction: TX chain that is entirely write-only. 6.1 passes. */
TEST_F(chain, tx_all_writable_rejected)
{
	tx_with_writable(_metadata, &self->c, false, 64, F_WRITE);
}

/*
 * Seed 004 direction: the readable frame followed by a write-only
 * descriptor, a legal order but TX has nothing to write.  6.1 passes.
 * Shown to fail with the TX in != 0 check reverted (vhn_tx_run in
 * drivers/net/tx.c), 2026-11-25.
 */
TEST_F(chain, tx_readable_then_writable_rejected)
{
	tx_with_writable(_metadata, &self->c, false, 64, 0);
}

/*
 * Seed 004 direction: a zero-length write-only descriptor ahead of the
 * readable data on TX.  6.1 counts iovecs, not descriptors, so the empty
 * writable descriptor is invisible and the frame is sent: FAILS on 6.1
 * (expected failure).
 * Shown to fail with the descriptor direction check reverted (vhh_chain_add
 * in drivers/core/desc.c), 2026-11-25.
 */
TEST_F(chain, tx_zero_len_writable_before_readable_rejected)
{
	tx_with_writable(_metadata, &self->c, true, 0, 0);
}

/* Seed 004 direction: RX chain with a readable descriptor after a writable one. 6.1 passes. */
TEST_F(chain, rx_readable_after_writable_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_RXQ].desc;
	uint8_t *w = vg_alloc(&c->d, 2048, 64);
	uint8_t *r = vg_alloc(&c->d, 64, 64);

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, r);
	memset(w, 0xa5, 2048);
	memset(r, 0xa5, 64);
	at_desc(d, 0, gpa(c, w), 2048, F_WRITE | F_NEXT, 1);
	at_desc(d, 1, gpa(c, r), 64, 0, 0);
	rx_reject_and_recover(_metadata, c, 0, w, 2048);
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(0xa5, r[i]);
}

/*
 * Seed 004 direction: RX buffer that is device-readable only must never be
 * written. 6.1 passes.
 * Shown to fail with the RX chain shape check reverted (out || !in in
 * vhn_rx_bufs, drivers/net/rx.c), 2026-11-25.
 */
TEST_F(chain, rx_readable_only_rejected)
{
	struct vn_ctx *c = &self->c;
	uint8_t *r = vg_alloc(&c->d, 2048, 64);

	ASSERT_NE(NULL, r);
	memset(r, 0xa5, 2048);
	at_desc(c->d.vq[VN_RXQ].desc, 0, gpa(c, r), 2048, 0, 0);
	rx_reject_and_recover(_metadata, c, 0, r, 2048);
}

/*
 * Seed 003 threat 2 / 004 bounds: avail ring head index == num and 0xffff.
 * 6.1 passes.
 * Shown to fail with the head index range check reverted (vhh_get_vq_desc in
 * drivers/core/desc.c), 2026-11-25.
 */
TEST_F(chain, tx_avail_head_out_of_range_rejected)
{
	struct vn_ctx *c = &self->c;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), tot, 0, 0);
	tx_reject_and_recover(_metadata, c, NUM);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), tot, 0, 0);
	tx_reject_and_recover(_metadata, c, 0xffff);
}

/*
 * Seed 004 bounds: descriptor next index == num and 0xffff. 6.1 passes.
 * Shown to fail with the next index range check reverted (vhh_chain_walk in
 * drivers/core/desc.c), 2026-11-25.
 */
TEST_F(chain, tx_next_index_out_of_range_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, NUM);
	tx_reject_and_recover(_metadata, c, 0);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	at_desc(d, 1, gpa(c, b) + c->hdr_len, 100, F_NEXT, 0xffff);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 003 threat 11 / avail index jump: avail->idx moves by num + 1 with
 * valid chains in every slot.  Nothing may be sent.  6.1 passes.
 * Shown to fail with the avail index jump check reverted (vhh_avail_jump_ok
 * in vhh_fetch_avail_idx, drivers/core/desc.c), 2026-11-25. Also with the
 * broken-state reset reverted.
 */
TEST_F(chain, tx_avail_idx_jump_beyond_queue_size_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vg_vq *vq = &c->d.vq[VN_TXQ];
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);
	enum at_outcome o;

	ASSERT_NE(NULL, b);
	for (unsigned int i = 0; i < NUM; i++) {
		at_desc(vq->desc, i, gpa(c, b), tot, 0, 0);
		vq->avail->ring[i] = i;
	}
	vq->avail_idx = NUM + 1;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	o = at_wait_outcome(c, VN_TXQ, 0, 3000);
	EXPECT_EQ(AT_ERR, (int)o) TH_LOG("outcome %d: an impossible index must not be consumed", o);
	EXPECT_TRUE(at_no_tx_frame(c, 500));
	EXPECT_EQ(0u, vg_used_pending(&c->d, VN_TXQ));
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x5eed));
}

/* Control: avail->idx moving by exactly num (a full ring) is legal; all are sent. */
TEST_F(chain, tx_avail_idx_full_ring_accepted)
{
	struct vn_ctx *c = &self->c;
	struct vg_vq *vq = &c->d.vq[VN_TXQ];
	int rcv = 8 << 20, got_frames = 0;
	uint8_t got[2048];
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	setsockopt(c->pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	for (unsigned int i = 0; i < NUM; i++) {
		at_desc(vq->desc, i, gpa(c, b), tot, 0, 0);
		vq->avail->ring[i] = i;
	}
	vq->avail_idx = NUM;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	for (unsigned int i = 0; i < NUM; i++) {
		uint32_t id, len;

		ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 5000, &id, &len));
		ASSERT_LT(id, (uint32_t)NUM);
	}
	while (vn_pkt_recv(c, got, sizeof(got), 500) == 100)
		got_frames++;
	ASSERT_EQ(NUM, got_frames);
	ASSERT_EQ(0, vg_wait_err(&c->d, VN_TXQ, 0));
}

/* Seed 004 bounds: descriptor len 0xffffffff and 0xfffffff0 leaving guest memory. 6.1 passes. */
TEST_F(chain, tx_desc_len_near_4g_rejected)
{
	struct vn_ctx *c = &self->c;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), 0xffffffffu, 0, 0);
	tx_reject_and_recover(_metadata, c, 0);
	at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), 0xfffffff0u, 0, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/*
 * Seed 004 bounds: addr + len wrapping past 2^64, once landing nowhere and
 * once wrapping right into guest memory.  6.1 passes.
 * Shown to fail with the range wrap check reverted (vhh_translate in
 * drivers/core/access.c), 2026-11-25.
 */
TEST_F(chain, tx_desc_addr_len_wraps_rejected)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;

	at_desc(d, 0, 0xfffffffffffff000ULL, 0x2000, 0, 0);
	tx_reject_and_recover(_metadata, c, 0);
	at_desc(d, 0, 0xffffffffffffff00ULL, (uint32_t)(VG_GPA_BASE + 0x1100), 0, 0);
	tx_reject_and_recover(_metadata, c, 0);
}

/* Seed 004 bounds: RX buffer len 0xffffffff running off guest memory; not written. 6.1 passes. */
TEST_F(chain, rx_desc_len_near_4g_rejected)
{
	struct vn_ctx *c = &self->c;
	uint8_t *w = vg_alloc(&c->d, 2048, 64);

	ASSERT_NE(NULL, w);
	memset(w, 0xa5, 2048);
	at_desc(c->d.vq[VN_RXQ].desc, 0, gpa(c, w), 0xffffffffu, F_WRITE, 0);
	rx_reject_and_recover(_metadata, c, 0, w, 2048);
}

/*
 * Seed 004: a zero-length readable descriptor in the middle of a TX chain.
 * Either rejected or sent byte-exact.  6.1 skips it and sends the frame.
 */
TEST_F(chain, tx_zero_len_desc_in_chain_rejected_or_exact)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_TXQ].desc;
	uint8_t got[2048];
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 4, &tot);
	enum at_outcome o;
	ssize_t r;

	ASSERT_NE(NULL, b);
	at_desc(d, 0, gpa(c, b), c->hdr_len, F_NEXT, 1);
	at_desc(d, 1, gpa(c, b), 0, F_NEXT, 2);
	at_desc(d, 2, gpa(c, b) + c->hdr_len, 100, 0, 0);
	vg_publish(&c->d, VN_TXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	o = at_wait_outcome(c, VN_TXQ, 0, 3000);
	ASSERT_TRUE(at_rejected(o)) TH_LOG("outcome %d", o);
	r = vn_pkt_recv(c, got, sizeof(got), 500);
	if (r >= 0) {
		ASSERT_EQ(AT_USED0, (int)o);
		ASSERT_EQ(100, r);
		ASSERT_EQ(0, memcmp(b + c->hdr_len, got, 100));
	}
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x5eed));
}

/*
 * Seed 004: an RX buffer of a single zero-length descriptor must not take a
 * frame. 6.1 passes (error).
 * Shown to fail with the RX chain shape check reverted (out || !in in
 * vhn_rx_bufs, drivers/net/rx.c), 2026-11-25.
 */
TEST_F(chain, rx_zero_len_buffer_rejected)
{
	struct vn_ctx *c = &self->c;
	uint8_t *w = vg_alloc(&c->d, 2048, 64);

	ASSERT_NE(NULL, w);
	memset(w, 0xa5, 2048);
	at_desc(c->d.vq[VN_RXQ].desc, 0, gpa(c, w), 0, F_WRITE, 0);
	rx_reject_and_recover(_metadata, c, 0, w, 2048);
}

/*
 * No seed (net.c get_rx_bufs, found while writing attack_log_iotlb): an RX
 * buffer of 0xfffff000 bytes lying entirely in guest memory is legal and
 * must take a frame.  6.1 subtracts the u32 buffer length from an int
 * datalen, which wraps positive, and drops the frame as an "overrun" after
 * writing one byte into the buffer without a used entry: FAILS on 6.1
 * (expected failure).
 */
TEST_F(chain, rx_buffer_over_2g_in_memory_takes_frame)
{
	struct vn_ctx *c = &self->c;
	const uint64_t big_gpa = 1ULL << 32, big_len = 1ULL << 32;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[2];
	} t = { 0 };
	uint8_t frame[200], *big;
	uint32_t id, len;

	big = mmap(NULL, big_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	memset(big, 0xa5, 4096);
	t.m.nregions = 2;
	t.r[0].guest_phys_addr = VG_GPA_BASE;
	t.r[0].memory_size = c->d.mem_size;
	t.r[0].userspace_addr = (uintptr_t)c->d.mem;
	t.r[1].guest_phys_addr = big_gpa;
	t.r[1].memory_size = big_len;
	t.r[1].userspace_addr = (uintptr_t)big;
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_MEM_TABLE, &t));
	at_desc(c->d.vq[VN_RXQ].desc, 0, big_gpa, 0xfffff000u, F_WRITE, 0);
	vg_publish(&c->d, VN_RXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 8);
	ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	EXPECT_EQ(1, vg_wait_used(&c->d, VN_RXQ, 3000, &id, &len))
		TH_LOG("frame not delivered into a legal 4 GiB - 4 KiB buffer (first byte %#x)",
		       big[0]);
	if (!_metadata->passed) {
		munmap(big, big_len);
		return;
	}
	EXPECT_EQ(0u, id);
	EXPECT_EQ(c->hdr_len + sizeof(frame), len);
	EXPECT_EQ(0, memcmp(frame, big + c->hdr_len, sizeof(frame)));
	munmap(big, big_len);
}

/*
 * Seed 004 header sizes: TX chains shorter than the 12-byte virtio-net
 * header (5 bytes), exactly the header (no frame), and header + 1 byte (a
 * runt frame): none may come out of the tap.  6.1 passes (the first two
 * with the error eventfd, the runt with a used entry after tun refuses it).
 */
TEST_F(chain, tx_runt_chains_rejected)
{
	struct vn_ctx *c = &self->c;
	static const uint32_t lens[] = { 5, 12, 13 };
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 1, &tot);

	ASSERT_NE(NULL, b);
	for (unsigned int i = 0; i < 3; i++) {
		at_desc(c->d.vq[VN_TXQ].desc, 0, gpa(c, b), lens[i], 0, 0);
		tx_reject_and_recover(_metadata, c, 0);
	}
}

TEST_HARNESS_MAIN
