// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0001: more requests than the worker's batch weight
 * (VHOST_SCSI_WEIGHT = 256) published with ONE avail index update and ONE
 * kick, then no further kicks.  Every request must still complete: a worker
 * that stops at the weight limit without requeueing itself would strand the
 * rest.  6.1's vhost_exceeds_weight() requeues the poll work, so the in-tree
 * module is expected to pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

#define RING 1024

FIXTURE(weight) {
	struct scsi_tgt t;
	struct scsi_dev s;
	struct scsi_io *io;
};

FIXTURE_SETUP(weight)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 1, .lun_bytes = 4 << 20,
		    .num = RING, .mem = 16 << 20);
	self->io = calloc(RING, sizeof(*self->io));
	ASSERT_NE(NULL, self->io);
}

FIXTURE_TEARDOWN(weight)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
	free(self->io);
}

/*
 * Build @n requests through indirect tables (one ring slot each), publish
 * them with a single avail->idx store and kick once.  Returns how many
 * completed within @timeout_ms without any further kick.
 */
static unsigned int one_kick_burst(struct __test_metadata *_metadata,
				   struct scsi_dev *s, struct scsi_io *io,
				   unsigned int n, bool read, int timeout_ms)
{
	static uint16_t heads[RING];
	unsigned int base = s->completed, good = 0;
	long long end;
	uint8_t *data = NULL;

	if (read) {
		data = vg_alloc(&s->d, (size_t)n * 512, 4096);
		if (!data)
			return 0;
	}
	vg_reset_desc(&s->d, SCSI_IOQ);
	for (unsigned int i = 0; i < n; i++) {
		struct vg_seg segs[3];
		int k = 0, head;

		scsi_io_init(&io[i], 0, read ? SCSI_DIR_IN : SCSI_DIR_NONE,
			     read ? data + i * 512 : NULL, read ? 512 : 0);
		if (read)
			scsi_cdb_rw10(io[i].cdb, false, i % 8192, 1);
		io[i].hdr = vg_alloc(&s->d, sizeof(struct virtio_scsi_cmd_req), 8);
		io[i].resp = vg_alloc(&s->d, sizeof(*io[i].resp), 8);
		if (!io[i].hdr || !io[i].resp)
			return 0;
		memcpy(((struct virtio_scsi_cmd_req *)io[i].hdr)->cdb, io[i].cdb,
		       VIRTIO_SCSI_CDB_SIZE);
		scsi_lun_bytes(((struct virtio_scsi_cmd_req *)io[i].hdr)->lun,
			       SCSI_TPGT, 0);
		memset(io[i].resp, 0xa5, sizeof(*io[i].resp));
		segs[k++] = (struct vg_seg){ io[i].hdr,
					     sizeof(struct virtio_scsi_cmd_req),
					     false };
		segs[k++] = (struct vg_seg){ io[i].resp, sizeof(*io[i].resp), true };
		if (read)
			segs[k++] = (struct vg_seg){ io[i].data, 512, true };
		head = vg_add_chain(&s->d, SCSI_IOQ, segs, k, true);
		if (head < 0)
			return 0;
		io[i].head = head;
		s->by_head[head] = &io[i];
		s->outstanding++;
		heads[i] = head;
	}
	vg_publish_many(&s->d, SCSI_IOQ, heads, n);
	if (vg_kick(&s->d, SCSI_IOQ))
		return 0;
	end = vg_now_ms() + timeout_ms;
	while (s->outstanding && vg_now_ms() < end)
		scsi_reap_one(s, 200);
	for (unsigned int i = 0; i < n; i++)
		if (scsi_io_good(&io[i]))
			good++;
	TH_LOG("%u of %u requests completed (%u GOOD) after one kick",
	       s->completed - base, n, good);
	return good;
}

/* 600 TEST UNIT READY, one avail update, one kick: all complete (0001). */
TEST_F_TIMEOUT(weight, tur_600_single_kick_all_complete, 120)
{
	ASSERT_EQ(600u, one_kick_burst(_metadata, &self->s, self->io, 600,
				       false, 60000));
	ASSERT_EQ(0u, self->s.bogus);
}

/* 600 512-byte READs, one avail update, one kick: all complete (0001). */
TEST_F_TIMEOUT(weight, read_600_single_kick_all_complete, 120)
{
	ASSERT_EQ(600u, one_kick_burst(_metadata, &self->s, self->io, 600,
				       true, 60000));
	ASSERT_EQ(0u, self->s.bogus);
}

/* The whole 1024-entry ring filled before the only kick (0001). */
TEST_F_TIMEOUT(weight, full_ring_single_kick_all_complete, 120)
{
	ASSERT_EQ((unsigned int)RING, one_kick_burst(_metadata, &self->s,
						     self->io, RING, false,
						     60000));
	ASSERT_EQ(0u, self->s.bogus);
}

TEST_HARNESS_MAIN
