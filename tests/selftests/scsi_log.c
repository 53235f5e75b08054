// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi dirty logging (VHOST_F_LOG_ALL): what the device writes into
 * guest memory (data-in, the response, a BAD_TARGET answer) must have its
 * pages set in the log before the used entry announces it, or a live
 * migration copies the page before the write and never again.  Pages the
 * device only reads (data-out) are not logged.
 *
 * 6.1's vhost-scsi fetches chains without a log and logs only the used
 * ring (upstream fixed this after 6.1, "vhost-scsi: log write descriptors"):
 * the logged_* cases are expected failures of the reference.  Ours was
 * shown to fail the first two with vhs_complete()'s vhh_log_write() call
 * removed (2026-12-02; the BAD_TARGET answer is logged elsewhere, in
 * vhs_answer_log(), and still passed).
 */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

#define DISK_BYTES (4u << 20)
#define IO_BYTES (16u << 10)

FIXTURE(slog) {
	struct scsi_tgt t;
	struct scsi_dev s;
	uint8_t *log;
	size_t log_size;
	uint8_t *buf;
};

FIXTURE_SETUP(slog)
{
	uint64_t logp, pages;

	self->log = MAP_FAILED;
	SCSI_RIG_UP(&self->t, &self->s, .luns = 1, .lun_bytes = DISK_BYTES,
		    .num = 64, .features = 1ULL << VHOST_F_LOG_ALL);
	/* one bit per 4 KiB page of guest-physical space */
	pages = vg_gpa(&self->s.d, self->s.d.mem + self->s.d.mem_size) / 4096;
	self->log_size = (pages + 7) / 8 + 4096;
	self->log = mmap(NULL, self->log_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
	logp = (uintptr_t)self->log;
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SET_LOG_BASE, &logp));
	self->buf = vg_alloc(&self->s.d, IO_BYTES, 4096);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(slog)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
	if (self->log != MAP_FAILED)
		munmap(self->log, self->log_size);
}

static bool logged(struct _test_data_slog *self, const void *p)
{
	uint64_t pg = vg_gpa(&self->s.d, p) / 4096;

	return self->log[pg / 8] & (1u << (pg % 8));
}

/* READ of 16 KiB: every data page and the response page are logged. */
TEST_F(slog, logged_read_data_and_response)
{
	struct scsi_io io;

	vg_fill_pattern(self->buf, IO_BYTES, 5);
	ASSERT_EQ(0, scsi_write(&self->s, 0, 64, self->buf, IO_BYTES, 1,
				false));
	memset(self->buf, 0, IO_BYTES);
	memset(self->log, 0, self->log_size);
	scsi_io_init(&io, 0, SCSI_DIR_IN, self->buf, IO_BYTES);
	io.nseg = 3;
	scsi_cdb_rw10(io.cdb, false, 64, IO_BYTES / 512);
	ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
	ASSERT_TRUE(scsi_io_good(&io));
	ASSERT_TRUE(vg_check_pattern(self->buf, IO_BYTES, 5));
	for (unsigned int off = 0; off < IO_BYTES; off += 4096) {
		bool l = logged(self, self->buf + off);

		EXPECT_TRUE(l) TH_LOG("data page at offset %u not logged", off);
	}
	EXPECT_TRUE(logged(self, io.resp));
	EXPECT_TRUE(logged(self, (uint8_t *)io.resp + sizeof(*io.resp) - 1));
}

/* WRITE: the response is logged, the data the device only read is not. */
TEST_F(slog, logged_write_response_not_data)
{
	struct scsi_io io;

	vg_fill_pattern(self->buf, IO_BYTES, 6);
	memset(self->log, 0, self->log_size);
	scsi_io_init(&io, 0, SCSI_DIR_OUT, self->buf, IO_BYTES);
	scsi_cdb_rw10(io.cdb, true, 96, IO_BYTES / 512);
	ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
	ASSERT_TRUE(scsi_io_good(&io));
	EXPECT_TRUE(logged(self, io.resp));
	for (unsigned int off = 0; off < IO_BYTES; off += 4096) {
		bool l = logged(self, self->buf + off);

		EXPECT_FALSE(l) TH_LOG("read-only data page at offset %u logged",
				       off);
	}
}

/* A BAD_TARGET answer is written by the device too: logged. */
TEST_F(slog, logged_bad_target_answer)
{
	struct scsi_io io;

	scsi_io_init(&io, 0, SCSI_DIR_NONE, NULL, 0);
	io.target = 7;
	memset(self->log, 0, self->log_size);
	ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
	ASSERT_EQ(VIRTIO_SCSI_S_BAD_TARGET, io.resp->response);
	EXPECT_TRUE(logged(self, io.resp));
}

/*
 * A TMF response (one byte, answered after LIO ran the reset): logged.
 * Fails on ours with vhs_tmf_done()'s vhs_log() removed (2026-12-02).
 */
TEST_F(slog, logged_tmf_response)
{
	struct virtio_scsi_ctrl_tmf_req *req;
	struct virtio_scsi_ctrl_tmf_resp *rsp;
	struct vg_seg segs[2];
	uint32_t id, len;
	int head;

	req = vg_alloc(&self->s.d, sizeof(*req), 8);
	rsp = vg_alloc(&self->s.d, 4096, 4096);
	ASSERT_NE(NULL, req);
	ASSERT_NE(NULL, rsp);
	req->type = VIRTIO_SCSI_T_TMF;
	req->subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET;
	scsi_lun_bytes(req->lun, SCSI_TPGT, 0);
	rsp->response = 0xff;
	segs[0] = (struct vg_seg){ req, sizeof(*req), false };
	segs[1] = (struct vg_seg){ rsp, sizeof(*rsp), true };
	memset(self->log, 0, self->log_size);
	head = vg_add_chain(&self->s.d, SCSI_CTLQ, segs, 2, false);
	ASSERT_GE(head, 0);
	vg_publish(&self->s.d, SCSI_CTLQ, head);
	ASSERT_EQ(0, vg_kick(&self->s.d, SCSI_CTLQ));
	ASSERT_EQ(1, vg_wait_used(&self->s.d, SCSI_CTLQ, 5000, &id, &len));
	ASSERT_EQ((uint32_t)head, id);
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp->response);
	EXPECT_TRUE(logged(self, rsp));
}

TEST_HARNESS_MAIN
