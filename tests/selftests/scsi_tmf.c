// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi control queue: task management functions (LOGICAL UNIT RESET,
 * ABORT TASK) and the shape of the answers, on a single-LUN ramdisk target.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

#define DISK_BYTES (4u << 20)

FIXTURE(tmf) {
	struct scsi_tgt t;
	struct scsi_dev s;
	uint8_t *buf;
};

FIXTURE_SETUP(tmf)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 1, .lun_bytes = DISK_BYTES,
		    .num = 128);
	self->buf = vg_alloc(&self->s.d, 256 << 10, 4096);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(tmf)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

static void rw_ok(struct __test_metadata *_metadata, struct scsi_dev *s,
		  uint8_t *buf, uint32_t seed)
{
	vg_fill_pattern(buf, 4096, seed);
	ASSERT_EQ(0, scsi_write(s, 0, 8, buf, 4096, 1, false));
	memset(buf, 0, 4096);
	ASSERT_EQ(0, scsi_read(s, 0, 8, buf, 4096, 1, false));
	ASSERT_TRUE(vg_check_pattern(buf, 4096, seed));
}

/* LOGICAL UNIT RESET succeeds; after the reset UA, I/O works again. */
TEST_F(tmf, lun_reset_succeeds)
{
	uint8_t rsp = 0xff;

	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 0, 0, 5000, &rsp));
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	ASSERT_EQ(0, scsi_clear_ua(&self->s, 0));
	rw_ok(_metadata, &self->s, self->buf, 1);
}

/* The reserved TMF is given back: a second and third reset still succeed. */
TEST_F(tmf, lun_reset_repeated)
{
	for (int i = 0; i < 3; i++) {
		uint8_t rsp = 0xff;

		ASSERT_EQ(1, scsi_tmf(&self->s,
				      VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
				      SCSI_TPGT, 0, i, 5000, &rsp));
		ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	}
	ASSERT_EQ(0, scsi_clear_ua(&self->s, 0));
	rw_ok(_metadata, &self->s, self->buf, 2);
}

/* A LUN reset with I/O in flight: the TMF and every request get answered. */
TEST_F(tmf, lun_reset_with_io_in_flight)
{
	enum { N = 32 };
	struct scsi_io io[N];
	uint8_t rsp = 0xff;

	for (int i = 0; i < N; i++) {
		scsi_io_init(&io[i], 0, i & 1 ? SCSI_DIR_IN : SCSI_DIR_OUT,
			     self->buf + i * 8192, 8192);
		scsi_cdb_rw10(io[i].cdb, !(i & 1), 16 * i, 16);
		ASSERT_EQ(0, scsi_io_submit(&self->s, &io[i]));
	}
	ASSERT_EQ(0, vg_kick(&self->s.d, SCSI_IOQ));
	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 0, 0, 10000, &rsp));
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	ASSERT_EQ(0u, scsi_wait_all(&self->s, 10000));
	ASSERT_EQ(0u, self->s.bogus);
	for (int i = 0; i < N; i++) {
		uint8_t r = io[i].resp->response, st = io[i].resp->status;

		ASSERT_TRUE((r == VIRTIO_SCSI_S_OK &&
			     (st == SCSI_STATUS_GOOD ||
			      st == SCSI_STATUS_CHECK_CONDITION)) ||
			    r == VIRTIO_SCSI_S_ABORTED);
	}
	ASSERT_EQ(0, scsi_clear_ua(&self->s, 0));
	rw_ok(_metadata, &self->s, self->buf, 3);
}

/* ABORT TASK gets an answer (6.1 rejects every TMF but LUN RESET). */
TEST_F(tmf, abort_task_is_answered)
{
	uint8_t rsp = 0xff;

	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_ABORT_TASK,
			      SCSI_TPGT, 0, 1234, 5000, &rsp));
	ASSERT_TRUE(rsp == VIRTIO_SCSI_S_FUNCTION_REJECTED ||
		    rsp == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED ||
		    rsp == VIRTIO_SCSI_S_OK);
	rw_ok(_metadata, &self->s, self->buf, 4);
}

/* A TMF for a LUN that does not exist is answered and not successful. */
TEST_F(tmf, lun_reset_unknown_lun_is_answered)
{
	uint8_t rsp = 0xff;

	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 9, 0, 5000, &rsp));
	ASSERT_NE(0xff, rsp);
	ASSERT_NE(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
}

/*
 * A TMF to a target with no tpg must be answered inside the 1-byte TMF
 * response buffer.  6.1 answers it with vhost_scsi_send_bad_target(), which
 * writes a whole 108-byte virtio_scsi_cmd_resp over the guest's buffer and
 * the 107 bytes after it (no seed item; expected to fail in-tree).
 */
TEST_F(tmf, bad_target_answer_stays_in_buffer)
{
	struct virtio_scsi_ctrl_tmf_req *req;
	uint8_t *rsp;
	struct vg_seg segs[2];
	uint32_t id, len;
	int head;

	req = vg_alloc(&self->s.d, sizeof(*req), 8);
	rsp = vg_alloc(&self->s.d, 256, 8);
	ASSERT_NE(NULL, req);
	ASSERT_NE(NULL, rsp);
	req->type = VIRTIO_SCSI_T_TMF;
	req->subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET;
	scsi_lun_bytes(req->lun, 7, 0);
	memset(rsp, 0x5a, 256);
	segs[0] = (struct vg_seg){ req, sizeof(*req), false };
	segs[1] = (struct vg_seg){ rsp, sizeof(struct virtio_scsi_ctrl_tmf_resp),
				   true };
	head = vg_add_chain(&self->s.d, SCSI_CTLQ, segs, 2, false);
	ASSERT_GE(head, 0);
	vg_publish(&self->s.d, SCSI_CTLQ, head);
	ASSERT_EQ(0, vg_kick(&self->s.d, SCSI_CTLQ));
	if (vg_wait_used(&self->s.d, SCSI_CTLQ, 3000, &id, &len)) {
		ASSERT_EQ((uint32_t)head, id);
		ASSERT_NE(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp[0]);
	}
	for (int i = 1; i < 256; i++) {
		uint8_t v = rsp[i];

		ASSERT_EQ(0x5a, v) TH_LOG("guest byte %d after the 1-byte response was overwritten", i);
	}
}

TEST_HARNESS_MAIN
