// SPDX-License-Identifier: GPL-2.0
/*
 * attack_dirty_log: dirty logging over a huge, fragmented guest memory
 * layout (seed 001 vhost.c-0003, log_write/log_write_hva without a
 * scheduling point).  The guest arena is cut into max_mem_regions (64)
 * regions whose host order is permuted and which come in GPA-contiguous
 * pairs with 32 MiB holes between pairs, so the logged GPA range spans
 * about 1 GiB.  VHOST_F_LOG_ALL + VHOST_SET_LOG_BASE + VHOST_VRING_F_LOG
 * are on, and the device writes several MiB of 60000-byte frames into
 * MRG_RXBUF buffers of which one per pair straddles the two regions.
 *
 * Checks: every frame lands byte-exact; every page written (buffers and
 * the used ring) has its log bit set; no bit is set outside the written
 * buffers and the used ring (in particular none in the GPA holes); each
 * round finishes in bounded time; the console stays clean (no soft
 * lockup).  This path (no IOTLB) logs only the written length in 6.1:
 * 6.1 passes.  The unbounded IOTLB variant is attack_log_iotlb.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "attack_util.h"
#include "setup_skip.h"

#define NUM 256
#define NREG 64
#define RSZ (128u << 10)		/* bytes per region: 64 x 128 KiB = 8 MiB */
#define GAP (32ULL << 20)		/* GPA hole after every pair */
#define PAIR_SPAN (2ULL * RSZ + GAP)
#define BUF 4096u
#define NBUF_PAIR 8
#define FRAME 60000u
#define LOG_SIZE (256u << 10)

FIXTURE(dlog) {
	struct vn_ctx c;
	uint8_t *log;
	unsigned int perm[NREG];	/* region -> host slot */
	unsigned int inv[NREG];		/* host slot -> region */
	uint64_t buf_gpa[NBUF_PAIR * NREG / 2];
	unsigned int nbuf;
};

static uint64_t reg_gpa(unsigned int i)
{
	return VG_GPA_BASE + (i / 2) * PAIR_SPAN + (i % 2) * (uint64_t)RSZ;
}

static uint64_t hva2gpa(struct _test_data_dlog *s, const void *p)
{
	size_t off = (const uint8_t *)p - s->c.d.mem;

	return reg_gpa(s->inv[off / RSZ]) + off % RSZ;
}

static uint8_t *gpa2hva(struct _test_data_dlog *s, uint64_t gpa)
{
	for (unsigned int i = 0; i < NREG; i++)
		if (gpa >= reg_gpa(i) && gpa < reg_gpa(i) + RSZ)
			return s->c.d.mem + (size_t)s->perm[i] * RSZ +
			       (gpa - reg_gpa(i));
	return NULL;
}

FIXTURE_SETUP(dlog)
{
	struct vn_ctx *c = &self->c;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[NREG];
	} *t;
	uint64_t feat = (1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VHOST_F_LOG_ALL);
	uint64_t logp;
	char val[32];
	int mtu_r;

	if (vg_read_file("/sys/module/vhost/parameters/max_mem_regions", val,
			 sizeof(val)) > 0 && atoi(val) < NREG)
		SETUP_SKIP("max_mem_regions %d < %d", atoi(val), NREG);
	ASSERT_EQ(0, vn_setup_unattached(c, VN_HDR_VHOST, feat, NUM));
	ASSERT_EQ((size_t)NREG * RSZ, c->d.mem_size);
	for (unsigned int i = 0; i < NREG; i++) {
		self->perm[i] = (i * 37) % NREG;
		self->inv[self->perm[i]] = i;
	}
	self->log = mmap(NULL, LOG_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
	/* the log must cover the highest GPA */
	ASSERT_LT((reg_gpa(NREG - 1) + RSZ) / 0x1000 / 8, (uint64_t)LOG_SIZE);
	logp = (uintptr_t)self->log;
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_LOG_BASE, &logp));

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	t->m.nregions = NREG;
	for (unsigned int i = 0; i < NREG; i++) {
		t->r[i].guest_phys_addr = reg_gpa(i);
		t->r[i].memory_size = RSZ;
		t->r[i].userspace_addr = (uintptr_t)(c->d.mem + (size_t)self->perm[i] * RSZ);
	}
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_MEM_TABLE, t));
	free(t);

	for (unsigned int q = 0; q < 2; q++) {
		struct vg_vq *vq = &c->d.vq[q];
		struct vhost_vring_addr a = {
			.index = q,
			.flags = 1u << VHOST_VRING_F_LOG,
			.desc_user_addr = (uintptr_t)vq->desc,
			.avail_user_addr = (uintptr_t)vq->avail,
			.used_user_addr = (uintptr_t)vq->used,
			.log_guest_addr = hva2gpa(self, vq->used),
		};

		/* the rings must not straddle a region: they are in slot 0 */
		ASSERT_LT((size_t)((uint8_t *)vq->used + 6 + 8 * NUM - c->d.mem), (size_t)RSZ);
		ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_VRING_ADDR, &a));
	}
	ASSERT_EQ(0, vn_set_backend(c, VN_RXQ, c->tap_fd));
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
	mtu_r = at_set_mtu(c->ifname, 64000);
	ASSERT_EQ(0, mtu_r);

	/* 8 buffers per pair (pair 0 holds the rings), the 5th straddling. */
	self->nbuf = 0;
	for (unsigned int p = 1; p < NREG / 2; p++)
		for (unsigned int s = 0; s < NBUF_PAIR; s++)
			self->buf_gpa[self->nbuf++] = reg_gpa(2 * p) + RSZ -
				4 * BUF - BUF / 2 + s * BUF;
	for (unsigned int i = 0; i < self->nbuf; i++)
		at_desc(c->d.vq[VN_RXQ].desc, i, self->buf_gpa[i], BUF,
			VRING_DESC_F_WRITE, 0);
}

FIXTURE_TEARDOWN(dlog)
{
	vn_teardown(&self->c);
	if (self->log && self->log != MAP_FAILED)
		munmap(self->log, LOG_SIZE);
}

/* Copy @len bytes at @gpa out of the (fragmented) guest memory. */
static void guest_read(struct _test_data_dlog *s, uint64_t gpa, uint8_t *out,
		       size_t len)
{
	while (len) {
		size_t chunk = 0x1000 - gpa % 0x1000;
		uint8_t *h = gpa2hva(s, gpa);

		if (chunk > len)
			chunk = len;
		if (h)
			memcpy(out, h, chunk);
		else
			memset(out, 0xee, chunk);
		out += chunk;
		gpa += chunk;
		len -= chunk;
	}
}

static bool page_in(uint64_t pg, uint64_t gpa, uint64_t len)
{
	return len && pg >= gpa / 0x1000 && pg <= (gpa + len - 1) / 0x1000;
}

/*
 * Seed 001 vhost.c-0003: 4 rounds x 16 frames of 60000 bytes (about
 * 3.8 MB) into 64 fragmented regions with logging on: exact data, exact
 * log, bounded time.  6.1 passes.
 */
TEST_F_TIMEOUT(dlog, rx_fragmented_regions_log_exact, 180)
{
	struct vn_ctx *c = &self->c;
	struct vg_vq *vq = &c->d.vq[VN_RXQ];
	const unsigned int per_frame = (FRAME + c->hdr_len + BUF - 1) / BUF;
	const unsigned int nframes = self->nbuf / per_frame;
	const unsigned int nposted = nframes * per_frame;
	uint8_t *frame = malloc(FRAME), *got = malloc(per_frame * BUF);
	uint64_t used_gpa = hva2gpa(self, vq->used);
	uint64_t tx_used_gpa = hva2gpa(self, c->d.vq[VN_TXQ].used);
	const uint64_t log_pages = (uint64_t)LOG_SIZE * 8;
	uint16_t heads[NUM];

	ASSERT_NE(NULL, frame);
	ASSERT_NE(NULL, got);
	ASSERT_GE(nframes, 8u);
	for (unsigned int i = 0; i < nposted; i++)
		heads[i] = i;

	for (unsigned int round = 0; round < 4; round++) {
		uint32_t ulen[NUM];
		long long t0;

		memset(self->log, 0, LOG_SIZE);
		vg_publish_many(&c->d, VN_RXQ, heads, nposted);
		ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
		t0 = vg_now_ms();
		for (unsigned int f = 0; f < nframes; f++) {
			vn_make_frame(frame, FRAME, round * 100 + f);
			ASSERT_EQ(0, vn_pkt_send(c, frame, FRAME)) TH_LOG("frame %u", f);
		}
		for (unsigned int i = 0; i < nposted; i++) {
			uint32_t id;

			ASSERT_EQ(1, vg_wait_used(&c->d, VN_RXQ, 10000, &id, &ulen[i]))
				TH_LOG("round %u: %u of %u buffers used", round, i, nposted);
			ASSERT_EQ(i, id);
		}
		ASSERT_LT(vg_now_ms() - t0, 30000) TH_LOG("round %u too slow", round);
		ASSERT_EQ(0, vg_wait_err(&c->d, VN_RXQ, 0));

		/* data: per frame, per_frame buffers, header first */
		for (unsigned int f = 0; f < nframes; f++) {
			size_t off = 0;
			struct virtio_net_hdr_mrg_rxbuf *h = (void *)got;

			for (unsigned int b = 0; b < per_frame; b++) {
				unsigned int j = f * per_frame + b;

				guest_read(self, self->buf_gpa[j], got + off, ulen[j]);
				off += ulen[j];
			}
			ASSERT_EQ(FRAME + c->hdr_len, off);
			ASSERT_EQ(per_frame, (unsigned int)h->num_buffers);
			vn_make_frame(frame, FRAME, round * 100 + f);
			ASSERT_EQ(0, memcmp(frame, got + c->hdr_len, FRAME))
				TH_LOG("round %u frame %u", round, f);
		}
		/* log: every written page set ... */
		for (unsigned int j = 0; j < nposted; j++) {
			for (uint64_t g = self->buf_gpa[j]; g < self->buf_gpa[j] + ulen[j];
			     g = (g | 0xfff) + 1) {
				ASSERT_TRUE(at_log_test(self->log, g))
					TH_LOG("page %#llx of buffer %u not logged",
					       (unsigned long long)g, j);
			}
		}
		ASSERT_TRUE(at_log_test(self->log, used_gpa + 2));
		/*
		 * ... and nothing else.  The TX used ring is the one other place
		 * the device may write meanwhile: the tap's write-space wakeups
		 * run the TX handler, which rewrites (and logs) used->flags.
		 */
		for (uint64_t pg = 0; pg < log_pages; pg++) {
			bool ok = page_in(pg, used_gpa, 6 + 8 * NUM) ||
				  page_in(pg, tx_used_gpa, 6 + 8 * NUM);

			if (!(self->log[pg / 8] & (1u << (pg % 8))))
				continue;
			for (unsigned int j = 0; !ok && j < nposted; j++)
				ok = page_in(pg, self->buf_gpa[j], BUF);
			ASSERT_TRUE(ok) TH_LOG("round %u: stray log bit for gpa %#llx",
					       round, (unsigned long long)pg * 0x1000);
		}
	}
	free(frame);
	free(got);
}

TEST_HARNESS_MAIN
