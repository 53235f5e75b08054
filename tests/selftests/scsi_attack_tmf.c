// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi attack: LOGICAL UNIT RESET on a tpg with two LUNs, then LUN
 * hot-unplug.  6.1's vhost_scsi_release_tmf_res() gives the reserved TMF
 * back with list_add_tail(&tpg->tmf_queue, &tmf->queue_entry) (arguments
 * swapped): with more than one TMF queued the tpg list is corrupted, and
 * the next vhost_scsi_port_unlink() hits a list_del BUG / bad kfree.
 * No seed item; expected to crash the in-tree module (isolated binary).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

FIXTURE(tmf2) {
	struct scsi_tgt t;
	struct scsi_dev s;
};

FIXTURE_SETUP(tmf2)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 2, .lun_bytes = 1 << 20,
		    .num = 64, .keep_ua = true);
}

FIXTURE_TEARDOWN(tmf2)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

/* LUN reset with two LUNs linked, then unplug both LUNs: no corruption. */
TEST_F(tmf2, lun_reset_two_luns_then_unplug)
{
	uint8_t rsp = 0xff;

	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 0, 0, 5000, &rsp));
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	/* a second reset must still find a reserved TMF */
	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 1, 0, 5000, &rsp));
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 1));
	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 0));
	/* re-plug and reset once more: the TMF pool is consistent */
	ASSERT_EQ(0, scsi_tgt_link_lun(&self->t, 0));
	ASSERT_EQ(1, scsi_tmf(&self->s, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
			      SCSI_TPGT, 0, 0, 5000, &rsp));
	ASSERT_EQ(VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, rsp);
	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 0));
}

TEST_HARNESS_MAIN
