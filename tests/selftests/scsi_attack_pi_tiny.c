// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0002: T10-PI header whose pi_bytesout/pi_bytesin
 * is larger than the data that follows it.
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
 * Each variant is its own isolated binary; this one: tiny data-out.
 */
#include <errno.h>
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
	const char *why;

	memset(&self->s, 0, sizeof(self->s));
	self->s.d.fd = -1;
	if (!scsi_available(&why))
		SKIP(_exit(255), "%s", why);
	ASSERT_EQ(0, scsi_tgt_create(&self->t));
	ASSERT_EQ(0, scsi_tgt_add_ramdisk(&self->t, 0, DISK_BYTES));
	ASSERT_EQ(0, scsi_tgt_make_nexus(&self->t));
	ASSERT_EQ(0, scsi_dev_start(&self->s, &self->t, 128,
				    1ULL << VIRTIO_SCSI_F_T10_PI));
	ASSERT_TRUE(self->s.pi);
	ASSERT_EQ(0, scsi_clear_ua(&self->s, 0));
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
static void seed_disk(struct __test_metadata *_metadata, struct scsi_dev *s,
		      uint8_t *buf, uint32_t lba, uint32_t seed)
{
	vg_fill_pattern(buf, 4096, seed);
	ASSERT_EQ(0, scsi_write(s, 0, lba, buf, 4096, 1, false));
}

/* The request failed cleanly: not answered, or answered as a failure. */
static bool failed_cleanly(const struct scsi_io *io)
{
	if (!io->done)
		return true;
	return io->resp->response != VIRTIO_SCSI_S_OK ||
	       io->resp->status == SCSI_STATUS_CHECK_CONDITION;
}

static void check_mem(struct __test_metadata *_metadata, long before)
{
	long after = vg_mem_available_kb();

	TH_LOG("MemAvailable %ld kB -> %ld kB", before, after);
	ASSERT_GT(after, 0);
	ASSERT_LT(before - after, MEM_SLACK_KB);
}

/*
 * scsi.c-0002, tiny variant: 16 data bytes with pi_bytesout = 4096 on a
 * zero-length WRITE(10).  Must fail; the device keeps working.
 */
TEST_F(pi, pi_bytesout_tiny_request_fails)
{
	struct scsi_io io;
	long mem = vg_mem_available_kb();

	seed_disk(_metadata, &self->s, self->buf, 0, 4);
	scsi_io_init(&io, 0, SCSI_DIR_OUT, self->buf2, 16);
	scsi_cdb_rw10(io.cdb, true, 0, 0);
	io.pi_out = 4096;
	ASSERT_LE(0, scsi_io_run(&self->s, &io, 3000));
	TH_LOG("answered %d response %u status 0x%x", io.done,
	       io.resp->response, io.resp->status);
	check_mem(_metadata, mem);
	ASSERT_TRUE(failed_cleanly(&io));
	ASSERT_EQ(0, scsi_read(&self->s, 0, 0, self->buf, 4096, 1, false));
	ASSERT_TRUE(vg_check_pattern(self->buf, 4096, 4));
}

TEST_HARNESS_MAIN
