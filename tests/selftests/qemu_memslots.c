// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_memslots: a memory table as large as the in-tree vhost module says
 * it may be (issue 7, finding 4).
 *
 * QEMU's vhost_kernel_memslots_limit() (hw/virtio/vhost-backend.c) reads
 * /sys/module/vhost/parameters/max_mem_regions (the in-tree vhost.ko, which
 * stays loaded next to our core for vhost_scsi/vsock) and vhost_commit()
 * then sends VHOST_SET_MEM_TABLE with up to that many regions; DPDK reads
 * the same file.  An administrator raises it for memory hot-plug
 * (modprobe vhost max_mem_regions=509), and our core must then accept as
 * many regions as the client was told, and translate through all of them.
 *
 * This binary runs in a boot of its own with vhost.max_mem_regions=509 on
 * the kernel command line (tests/vm/isolated; tests/vm/init passes
 * module.param= options to insmod the way modprobe does).  6.1 passes.
 * Shown to fail on our core before it read the in-tree limit (E2BIG for
 * 509 regions), 2026-12-01.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "core_util.h"
#include "vnet.h"

#define NUM 64
#define WANT_REGIONS 509	/* what the boot asks of vhost.ko */

static long intree_limit(void)
{
	char buf[32];

	if (vg_read_file("/sys/module/vhost/parameters/max_mem_regions", buf,
			 sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * @n regions tiling the arena: n - 1 one-page regions, then the rest, so
 * that rings and buffers straddle region boundaries.
 */
static int set_tiled_table(struct vg_dev *d, unsigned int n)
{
	struct vhost_memory *m;
	int r;

	m = calloc(1, sizeof(*m) + n * sizeof(m->regions[0]));
	if (!m)
		return -ENOMEM;
	m->nregions = n;
	for (unsigned int i = 0; i < n; i++) {
		struct vhost_memory_region *g = &m->regions[i];

		g->guest_phys_addr = VG_GPA_BASE + i * 4096ULL;
		g->userspace_addr = (uintptr_t)d->mem + i * 4096ULL;
		g->memory_size = i + 1 < n ? 4096 : d->mem_size - i * 4096ULL;
	}
	r = ioctl(d->fd, VHOST_SET_MEM_TABLE, m) ? -errno : 0;
	free(m);
	return r;
}

FIXTURE(slots) {
	struct vn_ctx c;
	long limit;
};

FIXTURE_SETUP(slots)
{
	self->limit = intree_limit();
	ASSERT_EQ(WANT_REGIONS, self->limit)
		TH_LOG("boot without vhost.max_mem_regions=%d (see tests/vm/isolated)",
		       WANT_REGIONS);
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST, 0, NUM));
	ASSERT_LT(self->limit * 4096L, (long)self->c.d.mem_size);
}

FIXTURE_TEARDOWN(slots)
{
	vn_teardown(&self->c);
}

/*
 * vhost_commit() with max_mem_regions regions under live rings, then
 * traffic both ways through them, byte-exact; one region more is E2BIG.
 */
TEST_F(slots, table_of_intree_limit_accepted_and_used)
{
	struct vn_ctx *c = &self->c;
	uint8_t frame[1500], got[2048];
	void *rxbuf;
	uint32_t id, len;
	int head;

	ASSERT_EQ(0, set_tiled_table(&c->d, self->limit))
		TH_LOG("%ld regions refused", self->limit);

	/* TX: three segments, across page (region) boundaries. */
	vn_pkt_flush(c);
	for (uint32_t seed = 1; seed <= 8; seed++) {
		vn_make_frame(frame, sizeof(frame), seed);
		head = vn_tx_post(c, frame, sizeof(frame), 3, false);
		ASSERT_LE(0, head);
		vg_publish(&c->d, VN_TXQ, head);
		ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
		ASSERT_EQ(1, vg_wait_used(&c->d, VN_TXQ, 5000, &id, &len));
		ASSERT_EQ((ssize_t)sizeof(frame), vn_pkt_recv(c, got, sizeof(got), 3000));
		ASSERT_EQ(0, memcmp(frame, got, sizeof(frame))) TH_LOG("TX frame %u", seed);
	}

	/* RX: a 4096-byte buffer on its own page-sized regions. */
	for (uint32_t seed = 11; seed <= 18; seed++) {
		head = vn_rx_post(c, 4096, &rxbuf);
		ASSERT_LE(0, head);
		vg_publish(&c->d, VN_RXQ, head);
		ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
		vn_make_frame(frame, sizeof(frame), seed);
		ASSERT_EQ(0, vn_pkt_send(c, frame, sizeof(frame)));
		ASSERT_EQ(1, vg_wait_used(&c->d, VN_RXQ, 5000, &id, &len));
		ASSERT_EQ((uint32_t)head, id);
		ASSERT_EQ(c->hdr_len + sizeof(frame), len);
		ASSERT_EQ(0, memcmp(frame, (uint8_t *)rxbuf + c->hdr_len, sizeof(frame)))
			TH_LOG("RX frame %u", seed);
	}

	EXPECT_EQ(-E2BIG, set_tiled_table(&c->d, self->limit + 1));
}

TEST_HARNESS_MAIN
