/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared part of the scsi_attack_pi* binaries, vhost-scsi attack scsi.c-0002:
 * T10-PI header whose pi_bytesout/pi_bytesin is larger than the data that
 * follows it.
 *
 * 6.1 computes exp_data_len -= prot_bytes without a check, so the u32 wraps.
 * Read from the 6.1.192 source: the command is still created with
 * data_length = exp_data_len + prot_bytes (the wrap cancels out, so there is
 * no multi-GiB LIO allocation as the seed suggests), but the data iterator
 * is advanced past its end, the data scatterlist count is 0 and
 * sg_init_table(sgl, 0) marks sgl[nents - 1] with an unsigned nents, i.e. a
 * write 128 GiB - 32 bytes past the preallocated array.  Observed in the VM
 * (2 GiB): the first such request oopses the vhost worker there (page fault
 * in sg_init_table); with that much RAM mapped it would silently corrupt a
 * random page.  The worker dies with vq->mutex held and the VM hangs.
 * Had it survived, LIO would have used its own uninitialised pages for the
 * data phase (stale kernel memory written to disk).
 * Hardened behaviour asserted here: such a request fails (or is dropped),
 * does not modify the disk, and allocates nothing large (MemAvailable).
 *
 * Each variant crashes 6.1, so each is its own isolated binary that includes
 * this header once: the fixture "pi" (a ramdisk LUN 0 behind a device with
 * VIRTIO_SCSI_F_T10_PI negotiated, two 64 KiB buffers) and its helpers.
 */
#ifndef SCSI_PI_COMMON_H
#define SCSI_PI_COMMON_H

#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

#define DISK_BYTES (4u << 20)
#define MEM_SLACK_KB (64 * 1024)

FIXTURE(pi) {
	struct scsi_tgt t;
	struct scsi_dev s;
	uint8_t *buf, *buf2;
};

FIXTURE_SETUP(pi)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 1, .lun_bytes = DISK_BYTES,
		    .num = 128, .features = 1ULL << VIRTIO_SCSI_F_T10_PI);
	ASSERT_TRUE(self->s.pi);
	self->buf = vg_alloc(&self->s.d, 64 << 10, 4096);
	self->buf2 = vg_alloc(&self->s.d, 64 << 10, 4096);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->buf2);
}

FIXTURE_TEARDOWN(pi)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

/* Put a known pattern on LBA @lba (8 blocks) with a plain PI-less request. */
static inline void seed_disk(struct __test_metadata *_metadata,
			     struct scsi_dev *s, uint8_t *buf, uint32_t lba,
			     uint32_t seed)
{
	vg_fill_pattern(buf, 4096, seed);
	ASSERT_EQ(0, scsi_write(s, 0, lba, buf, 4096, 1, false));
}

/* The request failed cleanly: not answered, or answered as a failure. */
static inline bool failed_cleanly(const struct scsi_io *io)
{
	if (!io->done)
		return true;
	return io->resp->response != VIRTIO_SCSI_S_OK ||
	       io->resp->status == SCSI_STATUS_CHECK_CONDITION;
}

/* MemAvailable dropped by less than MEM_SLACK_KB since @before. */
static inline void check_mem(struct __test_metadata *_metadata, long before)
{
	long after = vg_mem_available_kb();

	TH_LOG("MemAvailable %ld kB -> %ld kB", before, after);
	ASSERT_GT(after, 0);
	ASSERT_LT(before - after, MEM_SLACK_KB);
}

#endif
