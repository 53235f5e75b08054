// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0002 (T10-PI bytes larger than the data), one
 * variant per isolated binary (see scsi_pi_common.h); this one:
 * data-out: a WRITE whose pi_bytesout exceeds its data.
 */
#include "scsi_pi_common.h"

/* Sanity: with PI negotiated, requests with pi_bytes 0 work normally. */
TEST_F(pi, pi_header_without_pi_bytes_works)
{
	seed_disk(_metadata, &self->s, self->buf, 8, 1);
	memset(self->buf2, 0, 4096);
	ASSERT_EQ(0, scsi_read(&self->s, 0, 8, self->buf2, 4096, 1, false));
	ASSERT_TRUE(vg_check_pattern(self->buf2, 4096, 1));
}

/*
 * scsi.c-0002: WRITE(10) of one block, 512 data bytes, pi_bytesout = 4096.
 * Must fail and must not modify the block.  Expected to fail in-tree (GOOD
 * status; the block is overwritten with LIO's uninitialised buffer).
 */
TEST_F(pi, pi_bytesout_larger_than_data_fails)
{
	struct scsi_io io;
	long mem = vg_mem_available_kb();

	seed_disk(_metadata, &self->s, self->buf, 0, 2);
	vg_fill_pattern(self->buf2, 512, 3);
	scsi_io_init(&io, 0, SCSI_DIR_OUT, self->buf2, 512);
	scsi_cdb_rw10(io.cdb, true, 0, 1);
	io.pi_out = 4096;
	ASSERT_LE(0, scsi_io_run(&self->s, &io, 3000));
	TH_LOG("answered %d response %u status 0x%x", io.done,
	       io.resp->response, io.resp->status);
	check_mem(_metadata, mem);
	/* the disk still holds the old data */
	memset(self->buf, 0, 4096);
	ASSERT_EQ(0, scsi_read(&self->s, 0, 0, self->buf, 4096, 1, false));
	if (!vg_check_pattern(self->buf, 512, 2))
		TH_LOG("block 0 was modified: %s",
		       vg_check_pattern(self->buf, 512, 3) ?
		       "guest data written anyway" :
		       "data the guest never supplied (stale kernel memory?)");
	EXPECT_TRUE(vg_check_pattern(self->buf, 4096, 2));
	ASSERT_TRUE(failed_cleanly(&io));
}

TEST_HARNESS_MAIN
