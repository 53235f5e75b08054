// SPDX-License-Identifier: GPL-2.0
/*
 * Core ABI: dirty page logging (VHOST_SET_LOG_BASE, VHOST_F_LOG_ALL,
 * VHOST_VRING_F_LOG, VHOST_SET_LOG_FD).  After the device writes guest
 * memory, exactly the bits of the written guest pages must be set in the
 * log bitmap (bit n = GPA page n), and no others.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "core_util.h"
#include "vnet.h"

#define BIT(n) (1ULL << (n))
#define PG 4096ULL
#define FRAME 200

FIXTURE(log) {
	struct vn_ctx c;
	uint8_t *bitmap;
	size_t bitmap_len;
	int log_fd;
};

FIXTURE_SETUP(log)
{
	self->bitmap_len = (VG_GPA_BASE + VG_DEFAULT_MEM) / PG / 8 + PG;
	self->bitmap = mmap(NULL, self->bitmap_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->bitmap);
	self->log_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_GE(self->log_fd, 0);
	ASSERT_EQ(0, vn_setup_unattached(&self->c, VN_HDR_VHOST, 0, 64));
}

FIXTURE_TEARDOWN(log)
{
	vn_teardown(&self->c);
	munmap(self->bitmap, self->bitmap_len);
	close(self->log_fd);
}

/*
 * Put queue @idx's rings on pages of their own; with @vring_log the used
 * ring is logged at @log_addr (the used ring's own GPA when 0).
 */
static int place_rings(struct vg_dev *d, unsigned int idx, bool vring_log, uint64_t log_addr)
{
	struct vg_vq *q = &d->vq[idx];

	q->desc = vg_alloc(d, PG, PG);
	q->avail = vg_alloc(d, PG, PG);
	q->used = vg_alloc(d, PG, PG);
	if (!q->used)
		return -ENOMEM;
	q->desc_gpa = vg_gpa(d, q->desc);
	q->avail_gpa = vg_gpa(d, q->avail);
	q->used_gpa = vg_gpa(d, q->used);
	return cu_set_vring_addr(d->fd, idx, (uintptr_t)q->desc, (uintptr_t)q->avail,
				 (uintptr_t)q->used, vring_log ? 1u << VHOST_VRING_F_LOG : 0,
				 vring_log ? (log_addr ? log_addr : q->used_gpa) : 0);
}

/* Log base, log eventfd, and features (+LOG_ALL if @log_all). */
static int enable_log(struct vn_ctx *c, uint8_t *bitmap, int log_fd, bool log_all)
{
	uint64_t base = (uintptr_t)bitmap, f = c->d.features;

	if (ioctl(c->d.fd, VHOST_SET_LOG_BASE, &base))
		return -errno;
	if (ioctl(c->d.fd, VHOST_SET_LOG_FD, &log_fd))
		return -errno;
	if (log_all)
		f |= BIT(VHOST_F_LOG_ALL);
	if (ioctl(c->d.fd, VHOST_SET_FEATURES, &f))
		return -errno;
	return 0;
}

/*
 * Check that exactly the pages [lo[i], hi[i]) (GPA, page granular) are
 * dirty; logs every discrepancy.  Returns the number of wrong bits.
 */
static int check_bitmap(struct __test_metadata *_metadata, const uint8_t *bm, size_t len,
			const uint64_t *lo, const uint64_t *hi, unsigned int n)
{
	int wrong = 0;

	for (size_t byte = 0; byte < len; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			uint64_t page = byte * 8 + bit;
			bool want = false, have = bm[byte] & (1u << bit);

			for (unsigned int i = 0; i < n; i++)
				if (page >= lo[i] / PG && page < (hi[i] + PG - 1) / PG)
					want = true;
			if (want != have) {
				TH_LOG("page %#llx (gpa %#llx): %s", (unsigned long long)page,
				       (unsigned long long)(page * PG),
				       have ? "dirty but not written" : "written but not dirty");
				wrong++;
			}
		}
	}
	return wrong;
}

/* Post one RX buffer straddling a page boundary; returns its GPA. */
static uint64_t post_rx_straddling(struct vn_ctx *c)
{
	uint8_t *two = vg_alloc(&c->d, 2 * PG, PG);
	struct vg_seg seg = { two + PG - 40, 2048, true };
	int head = vg_add_chain(&c->d, VN_RXQ, &seg, 1, false);

	if (head < 0)
		return 0;
	vg_publish(&c->d, VN_RXQ, head);
	vg_kick(&c->d, VN_RXQ);
	return vg_gpa(&c->d, seg.addr);
}

/* Send a frame out of the tap; wait until the guest has it.  Returns used len or -1. */
static int64_t rx_one(struct __test_metadata *_metadata, struct vn_ctx *c, uint64_t buf_gpa)
{
	uint8_t frame[FRAME];
	uint32_t len = 0;

	vn_make_frame(frame, sizeof(frame), 0x10c);
	if (vn_pkt_send(c, frame, sizeof(frame)))
		return -1;
	if (vg_wait_used(&c->d, VN_RXQ, 3000, NULL, &len) != 1)
		return -1;
	EXPECT_EQ(0, memcmp((uint8_t *)vg_hva(&c->d, buf_gpa) + c->hdr_len, frame, FRAME));
	return len;
}

/*
 * Rings on @idx (the used ring logged at @log_addr, 0 = where it is; logging
 * of that ring and LOG_ALL both @log), the log set and the tap as backend.
 */
static int start_logged(struct vn_ctx *c, uint8_t *bitmap, int log_fd, unsigned int idx,
			bool log, uint64_t log_addr)
{
	int r = place_rings(&c->d, idx, log, log_addr);

	if (!r)
		r = enable_log(c, bitmap, log_fd, log);
	if (!r)
		r = vn_set_backend(c, idx, c->tap_fd);
	return r;
}

/* start_logged() on RX, then one frame into a page-straddling buffer: its GPA. */
static uint64_t rx_logged(struct __test_metadata *_metadata, struct vn_ctx *c, uint8_t *bitmap,
			  int log_fd, bool log, uint64_t log_addr)
{
	uint64_t buf;

	ASSERT_EQ(0, start_logged(c, bitmap, log_fd, VN_RXQ, log, log_addr));
	buf = post_rx_straddling(c);
	ASSERT_TRUE(buf != 0);
	ASSERT_EQ((int64_t)(c->hdr_len + FRAME), rx_one(_metadata, c, buf));
	return buf;
}

/* RX with LOG_ALL: the written buffer pages and the used-ring page are dirty, nothing else. */
TEST_F(log, rx_dirties_exactly_written_pages)
{
	struct vg_vq *q = &self->c.d.vq[VN_RXQ];
	uint64_t buf, lo[2], hi[2];

	buf = rx_logged(_metadata, &self->c, self->bitmap, self->log_fd, true, 0);
	EXPECT_EQ(1, cu_poll_in(self->log_fd, 2000)) TH_LOG("log eventfd not signalled");
	lo[0] = buf;
	hi[0] = buf + self->c.hdr_len + FRAME;	/* crosses one page boundary: two pages */
	lo[1] = q->used_gpa;
	hi[1] = q->used_gpa + 1;
	EXPECT_EQ(0, check_bitmap(_metadata, self->bitmap, self->bitmap_len, lo, hi, 2));
}

/* Without LOG_ALL and without VHOST_VRING_F_LOG nothing is logged and the log fd stays quiet. */
TEST_F(log, nothing_logged_when_disabled)
{
	rx_logged(_metadata, &self->c, self->bitmap, self->log_fd, false, 0);
	EXPECT_EQ(0, check_bitmap(_metadata, self->bitmap, self->bitmap_len, NULL, NULL, 0));
	EXPECT_EQ(0, cu_poll_in(self->log_fd, 200));
}

/* The used ring is logged at log_guest_addr, not at wherever the ring's HVA happens to be. */
TEST_F(log, used_ring_logged_at_log_guest_addr)
{
	uint64_t other, buf, lo[2], hi[2];

	other = vg_gpa(&self->c.d, vg_alloc(&self->c.d, PG, PG));
	buf = rx_logged(_metadata, &self->c, self->bitmap, self->log_fd, true, other);
	lo[0] = buf;
	hi[0] = buf + self->c.hdr_len + FRAME;
	lo[1] = other;
	hi[1] = other + 1;
	EXPECT_EQ(0, check_bitmap(_metadata, self->bitmap, self->bitmap_len, lo, hi, 2));
}

/* TX only reads buffers: with LOG_ALL only the TX used-ring page becomes dirty. */
TEST_F(log, tx_dirties_only_used_ring)
{
	struct vg_vq *q = &self->c.d.vq[VN_TXQ];
	uint8_t frame[FRAME];
	uint64_t lo, hi;
	int head;

	ASSERT_EQ(0, start_logged(&self->c, self->bitmap, self->log_fd, VN_TXQ, true, 0));
	vn_make_frame(frame, sizeof(frame), 0x7c);
	head = vn_tx_post(&self->c, frame, sizeof(frame), 1, false);
	ASSERT_GE(head, 0);
	vg_publish(&self->c.d, VN_TXQ, head);
	vg_kick(&self->c.d, VN_TXQ);
	ASSERT_EQ(1, vg_wait_used(&self->c.d, VN_TXQ, 3000, NULL, NULL));
	EXPECT_EQ(1, cu_poll_in(self->log_fd, 2000));
	lo = q->used_gpa;
	hi = q->used_gpa + 1;
	EXPECT_EQ(0, check_bitmap(_metadata, self->bitmap, self->bitmap_len, &lo, &hi, 1));
}

TEST_HARNESS_MAIN
