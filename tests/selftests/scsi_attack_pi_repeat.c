// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack scsi.c-0002 (T10-PI bytes larger than the data), one
 * variant per isolated binary (see scsi_pi_common.h); this one:
 * repeated, huge pi_bytesin.
 */
#include "scsi_pi_common.h"

/*
 * scsi.c-0002, repeated: 200 malformed requests in a row allocate nothing
 * large and leave the device serving good requests.
 */
TEST_F(pi, pi_underflow_repeated_no_memory_growth)
{
	long mem = vg_mem_available_kb();
	unsigned int ok = 0;

	for (int i = 0; i < 200; i++) {
		struct scsi_io io;

		scsi_io_init(&io, 0, SCSI_DIR_IN, self->buf2, 512);
		scsi_cdb_rw10(io.cdb, false, 64, 1);
		io.pi_in = 0xfffff000u;
		ASSERT_LE(0, scsi_io_run(&self->s, &io, 3000));
		if (!failed_cleanly(&io))
			ok++;
		/* don't let a dropped request's descriptors be reused */
		if (!io.done)
			break;
	}
	check_mem(_metadata, mem);
	TH_LOG("%u malformed requests completed with GOOD status", ok);
	ASSERT_EQ(0u, ok);
}

TEST_HARNESS_MAIN
