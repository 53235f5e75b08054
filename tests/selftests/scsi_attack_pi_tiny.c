// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0002 (T10-PI bytes larger than the data), one
 * variant per isolated binary (see scsi_pi_common.h); this one:
 * tiny data-out: 16 data bytes, pi_bytesout 4096.
 */
#include "scsi_pi_common.h"

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
