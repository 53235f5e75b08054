// SPDX-License-Identifier: GPL-2.0
/*
 * A guest gives an INQUIRY a data-out buffer instead of a data-in one.
 * LIO trusts the CDB, not the chain, and writes the INQUIRY data into the
 * pages it was given.  6.1 pins data-out pages for reading only; for guest
 * memory the host never touched, that pin is the kernel's shared zero
 * page, so LIO writes into the page every process reads its untouched
 * zeros from.  Ours pins every data page writable (a private copy).
 *
 * The buffer below is arena memory given back with MADV_DONTNEED (as a
 * balloon does) and then only read, so it is backed by the zero page.
 * Afterwards a fresh mapping must still read as zeros.  Expected to fail in-tree, in
 * its own boot (it corrupts the zero page of that VM).  Ours was shown to
 * fail it with FOLL_WRITE removed for data-out pins (vhs_map, 2026-12-02).
 */
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

FIXTURE(zp) {
	struct scsi_tgt t;
	struct scsi_dev s;
};

FIXTURE_SETUP(zp)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 1, .lun_bytes = 4 << 20,
		    .num = 16);
}

FIXTURE_TEARDOWN(zp)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

TEST_F(zp, inquiry_into_data_out_leaves_zero_page_alone)
{
	uint8_t *buf = vg_alloc(&self->s.d, 2 * 4096, 4096);
	volatile uint8_t *fresh;
	struct scsi_io io;
	uint8_t sum = 0;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, madvise(buf, 2 * 4096, MADV_DONTNEED));
	/* Read (never write) the buffer: its pages are the zero page now. */
	for (int i = 0; i < 4096; i++)
		sum |= ((volatile uint8_t *)buf)[i];
	ASSERT_EQ(0, sum);
	scsi_io_init(&io, 0, SCSI_DIR_OUT, buf, 96);
	scsi_cdb_inquiry(io.cdb, 96);
	ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
	TH_LOG("answered: response %u status 0x%x", io.resp->response,
	       io.resp->status);
	fresh = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)fresh);
	sum = 0;
	for (int i = 0; i < 4096; i++)
		sum |= fresh[i];
	ASSERT_EQ(0, sum) TH_LOG("a fresh mapping reads non-zero: the zero page was written (first bytes %02x %02x %02x %02x)",
				 fresh[0], fresh[1], fresh[2], fresh[3]);
	munmap((void *)fresh, 4096);
}

TEST_HARNESS_MAIN
