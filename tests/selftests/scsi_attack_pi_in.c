// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0002 (T10-PI bytes larger than the data), one
 * variant per isolated binary (see scsi_pi_common.h); this one:
 * data-in: a READ whose pi_bytesin exceeds its data.
 */
#include "scsi_pi_common.h"

/*
 * scsi.c-0002, data-in: READ(10) of one block into 512 bytes with
 * pi_bytesin = 4096.  Must fail; expected to fail in-tree (GOOD status while
 * nothing reaches the guest buffer).
 */
TEST_F(pi, pi_bytesin_larger_than_data_fails)
{
	struct scsi_io io;
	long mem = vg_mem_available_kb();

	seed_disk(_metadata, &self->s, self->buf, 0, 5);
	memset(self->buf2, 0xcc, 512);
	scsi_io_init(&io, 0, SCSI_DIR_IN, self->buf2, 512);
	scsi_cdb_rw10(io.cdb, false, 0, 1);
	io.pi_in = 4096;
	ASSERT_LE(0, scsi_io_run(&self->s, &io, 3000));
	TH_LOG("answered %d response %u status 0x%x, buffer %s", io.done,
	       io.resp->response, io.resp->status,
	       vg_check_pattern(self->buf2, 512, 5) ? "filled" : "not filled");
	check_mem(_metadata, mem);
	ASSERT_TRUE(failed_cleanly(&io));
}

TEST_HARNESS_MAIN
