// SPDX-License-Identifier: GPL-2.0
/*
 * attack_ring: virtqueue rings placed where the device cannot (or may not)
 * access them, driven through vhost-net.  Seeds: 003 (SPDK threats 2 and 5:
 * invalid memory regions and queue addresses) and 004 (bounds).
 *
 * Without an IOTLB the ring addresses are host virtual addresses; a ring in
 * memory that is not backed must make the queue fail cleanly (the ioctl
 * that arms it refuses, or the error eventfd fires on the kick) and a
 * guest reset with good rings must make it work again.  With an IOTLB
 * (VIRTIO_F_ACCESS_PLATFORM) a ring or buffer outside the mapped ranges
 * must stall the queue and produce an IOTLB miss; once the guest maps it
 * the queue must resume by itself.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "attack_util.h"
#include "setup_skip.h"

#define NUM 256

enum ring_part { R_DESC, R_AVAIL, R_USED };

FIXTURE(ring) {
	struct vn_ctx c;
	void *hole;		/* PROT_NONE: mapped, never accessible */
	void *ro;		/* PROT_READ only */
};

FIXTURE_SETUP(ring)
{
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST, 0, NUM));
	self->hole = mmap(NULL, 0x10000, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->hole);
	self->ro = mmap(NULL, 0x10000, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
}

FIXTURE_TEARDOWN(ring)
{
	vn_teardown(&self->c);
	munmap(self->hole, 0x10000);
	munmap(self->ro, 0x10000);
}

static int set_addr(struct vn_ctx *c, unsigned int q, void *desc, void *avail,
		    void *used)
{
	struct vhost_vring_addr a = {
		.index = q,
		.desc_user_addr = (uintptr_t)desc,
		.avail_user_addr = (uintptr_t)avail,
		.used_user_addr = (uintptr_t)used,
	};

	return ioctl(c->d.fd, VHOST_SET_VRING_ADDR, &a) ? -errno : 0;
}

/*
 * Move one TX ring to @bad, post a valid frame (where possible), kick and
 * require a clean failure; then put the rings back, reset and send.
 */
static void bad_ring(struct __test_metadata *_metadata, struct vn_ctx *c,
		     enum ring_part part, void *bad)
{
	struct vg_vq *vq = &c->d.vq[VN_TXQ];
	void *desc = vq->desc, *avail = vq->avail, *used = vq->used;
	uint8_t frame[120];
	int head, r;

	/*
	 * Detach before publishing: with a backend attached the device may
	 * legitimately take the frame without a kick (tap wakeups run the TX
	 * handler), before the ring is moved.
	 */
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, -1));
	vn_make_frame(frame, sizeof(frame), 5);
	head = vn_tx_post(c, frame, sizeof(frame), 1, false);
	ASSERT_GE(head, 0);
	vg_publish(&c->d, VN_TXQ, head);

	r = set_addr(c, VN_TXQ, part == R_DESC ? bad : desc,
		     part == R_AVAIL ? bad : avail, part == R_USED ? bad : used);
	if (!r)
		r = vn_set_backend(c, VN_TXQ, c->tap_fd);
	if (r) {
		/* Refused up front: acceptable, but only with EFAULT/EINVAL. */
		ASSERT_TRUE(r == -EFAULT || r == -EINVAL) TH_LOG("r %d", r);
	} else {
		ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
		EXPECT_EQ(1, vg_wait_err(&c->d, VN_TXQ, 3000))
			TH_LOG("no error for an inaccessible ring");
		EXPECT_TRUE(at_no_tx_frame(c, 500));
		EXPECT_EQ(0u, vg_used_pending(&c->d, VN_TXQ));
		ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, -1));
	}
	ASSERT_EQ(0, set_addr(c, VN_TXQ, desc, avail, used));
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x77));
}

/* Seed 003 threat 5: descriptor table in inaccessible (PROT_NONE) memory. 6.1 passes. */
TEST_F(ring, desc_table_inaccessible_fails_cleanly)
{
	bad_ring(_metadata, &self->c, R_DESC, self->hole);
}

/* Seed 003 threat 5: avail ring in inaccessible memory. 6.1 passes. */
TEST_F(ring, avail_ring_inaccessible_fails_cleanly)
{
	bad_ring(_metadata, &self->c, R_AVAIL, self->hole);
}

/* Seed 003 threat 5: used ring in inaccessible memory. 6.1 passes (SET_BACKEND fails). */
TEST_F(ring, used_ring_inaccessible_fails_cleanly)
{
	bad_ring(_metadata, &self->c, R_USED, self->hole);
}

/* Seed 003 threat 5: used ring in read-only memory (the device must write it). 6.1 passes. */
TEST_F(ring, used_ring_read_only_fails_cleanly)
{
	bad_ring(_metadata, &self->c, R_USED, self->ro);
}

/* Seed 003 threat 5: the used ring overlapping the avail ring. Must not hang the worker. */
TEST_F(ring, used_ring_overlapping_avail_no_hang)
{
	struct vn_ctx *c = &self->c;
	struct vg_vq *vq = &c->d.vq[VN_TXQ];
	void *desc = vq->desc, *avail = vq->avail, *used = vq->used;
	uint8_t frame[120];
	int head, r;

	/* avail and used share memory: every used write corrupts avail. */
	vn_make_frame(frame, sizeof(frame), 6);
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, -1));
	r = set_addr(c, VN_TXQ, desc, avail, avail);
	if (!r)
		r = vn_set_backend(c, VN_TXQ, c->tap_fd);
	/* Refusing overlapping rings up front is fine too. */
	ASSERT_TRUE(r == 0 || r == -EINVAL) TH_LOG("r %d", r);
	for (int i = 0; !r && i < 8; i++) {
		head = vn_tx_post(c, frame, sizeof(frame), 1, false);
		ASSERT_GE(head, 0);
		vg_publish(&c->d, VN_TXQ, head);
	}
	if (!r) {
		ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
		usleep(500000);
		vn_pkt_flush(c);
		/* The worker must still be responsive: detaching flushes it. */
		ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, -1));
	}
	ASSERT_EQ(0, set_addr(c, VN_TXQ, desc, avail, used));
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
	ASSERT_EQ(0, at_reset_queue(c, VN_TXQ));
	vn_pkt_flush(c);
	ASSERT_EQ(0, at_tx_valid(c, 120, 0x78));
}

/* ---- with an IOTLB: addresses are IOVAs ------------------------------- */

FIXTURE(iotlb) {
	struct vn_ctx c;
	uint64_t hva_base, hva_size;
};

FIXTURE_SETUP(iotlb)
{
	struct vn_ctx *c = &self->c;
	int r = at_iotlb_vn_setup(c, NUM);

	if (r == -EOPNOTSUPP || r == -EINVAL)
		SETUP_SKIP("VIRTIO_F_ACCESS_PLATFORM not offered (%d)", r);
	ASSERT_EQ(0, r);
	self->hva_base = (uintptr_t)c->d.mem;
	self->hva_size = c->d.mem_size;
}

FIXTURE_TEARDOWN(iotlb)
{
	vn_teardown(&self->c);
}

/*
 * Seed 003 threat 2: rings whose IOVA is no longer mapped.  The queue must
 * not complete anything, the device must report a miss, and after the
 * guest maps the range again the pending frame must go out.  6.1 passes.
 */
TEST_F(iotlb, ring_unmapped_stalls_then_resumes)
{
	struct vn_ctx *c = &self->c;
	uint8_t frame[120], got[2048];
	uint64_t iova = 0;
	uint32_t id, len;
	int head;

	ASSERT_EQ(0, at_tx_valid(c, 100, 1));
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_INVALIDATE, self->hva_base,
			      self->hva_size, 0, 0));
	vn_make_frame(frame, sizeof(frame), 2);
	head = vn_tx_post(c, frame, sizeof(frame), 1, false);
	ASSERT_GE(head, 0);
	vg_publish(&c->d, VN_TXQ, head);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(1, at_iotlb_wait_miss(c->d.fd, 3000, &iova));
	ASSERT_GE(iova, self->hva_base);
	ASSERT_LT(iova, self->hva_base + self->hva_size);
	ASSERT_EQ(0, vg_wait_used(&c->d, VN_TXQ, 500, NULL, NULL));
	ASSERT_TRUE(at_no_tx_frame(c, 300));
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, self->hva_base,
			      self->hva_size, self->hva_base, VHOST_ACCESS_RW));
	ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 5000, &id, &len));
	ASSERT_EQ((uint32_t)head, id);
	ASSERT_EQ((ssize_t)sizeof(frame), vn_pkt_recv(c, got, sizeof(got), 5000));
	ASSERT_EQ(0, memcmp(frame, got, sizeof(frame)));
}

/*
 * Seed 003 threat 2: a TX buffer whose IOVA is not mapped: miss, nothing
 * sent; mapped later, the same request completes byte-exact.  6.1 passes.
 */
TEST_F(iotlb, buffer_unmapped_stalls_then_resumes)
{
	struct vn_ctx *c = &self->c;
	const uint64_t far = 0x7000000000ULL;	/* IOVA with no mapping */
	uint8_t got[2048];
	uint64_t iova = 0;
	uint32_t id, len;
	size_t tot;
	uint8_t *b = at_tx_buf(c, 100, 3, &tot);

	ASSERT_NE(NULL, b);
	at_desc(c->d.vq[VN_TXQ].desc, 0, far, tot, 0, 0);
	vg_publish(&c->d, VN_TXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(1, at_iotlb_wait_miss(c->d.fd, 3000, &iova));
	ASSERT_EQ(far, iova);
	ASSERT_EQ(0, vg_wait_used(&c->d, VN_TXQ, 500, NULL, NULL));
	ASSERT_TRUE(at_no_tx_frame(c, 300));
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, far, 0x1000,
			      (uintptr_t)b, VHOST_ACCESS_RO));
	ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 5000, &id, &len));
	ASSERT_EQ(0u, id);
	ASSERT_EQ(100, vn_pkt_recv(c, got, sizeof(got), 5000));
	ASSERT_EQ(0, memcmp(b + c->hdr_len, got, 100));
}

/*
 * Seed 004 direction via the IOTLB: an RX buffer mapped read-only must
 * not be written by the device.  6.1 passes (translation -EPERM, error).
 */
TEST_F(iotlb, rx_buffer_mapped_read_only_not_written)
{
	struct vn_ctx *c = &self->c;
	const uint64_t iova = 0x6000000000ULL;
	uint8_t *w = vg_alloc(&c->d, 4096, 4096), frame[200];
	enum at_outcome o;

	ASSERT_NE(NULL, w);
	memset(w, 0xa5, 4096);
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, iova, 4096,
			      (uintptr_t)w, VHOST_ACCESS_RO));
	at_desc(c->d.vq[VN_RXQ].desc, 0, iova, 2048, VRING_DESC_F_WRITE, 0);
	vg_publish(&c->d, VN_RXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 4);
	ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	o = at_wait_outcome(c, VN_RXQ, 0, 3000);
	EXPECT_TRUE(at_rejected(o)) TH_LOG("outcome %d", o);
	for (int i = 0; i < 4096; i++) {
		uint8_t v = w[i];

		ASSERT_EQ(0xa5, v) TH_LOG("read-only buffer written at %d", i);
	}
}

TEST_HARNESS_MAIN
