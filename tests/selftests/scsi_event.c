// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi event queue (VIRTIO_SCSI_F_HOTPLUG): LUN hot-unplug / hot-plug
 * through configfs produce TRANSPORT_RESET events, missing event buffers are
 * reported through EVENTS_MISSED, malformed event buffers are refused.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "scsi_util.h"

FIXTURE(evt) {
	struct scsi_tgt t;
	struct scsi_dev s;
	struct virtio_scsi_event *ev;
};

FIXTURE_SETUP(evt)
{
	SCSI_RIG_UP(&self->t, &self->s, .luns = 2, .lun_bytes = 1 << 20,
		    .num = 64, .features = 1ULL << VIRTIO_SCSI_F_HOTPLUG,
		    .keep_ua = true);
	self->ev = vg_alloc(&self->s.d, 8 * sizeof(*self->ev), 8);
	ASSERT_NE(NULL, self->ev);
}

FIXTURE_TEARDOWN(evt)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
}

/* Offer @n event buffers of @len bytes (and kick the event queue). */
static int post_events(struct scsi_dev *s, struct virtio_scsi_event *ev,
		       unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		struct vg_seg seg = { &ev[i], len, true };
		int head;

		memset(&ev[i], 0xa5, sizeof(ev[i]));
		head = vg_add_chain(&s->d, SCSI_EVTQ, &seg, 1, false);
		if (head < 0)
			return head;
		vg_publish(&s->d, SCSI_EVTQ, head);
	}
	return vg_kick(&s->d, SCSI_EVTQ);
}

/* Next used event buffer within @timeout_ms, or NULL. */
static struct virtio_scsi_event *next_event(struct scsi_dev *s, int timeout_ms)
{
	uint32_t id, len;

	if (!vg_wait_used(&s->d, SCSI_EVTQ, timeout_ms, &id, &len))
		return NULL;
	return vg_hva(&s->d, s->d.vq[SCSI_EVTQ].desc[id].addr);
}

/* Unlinking a LUN sends TRANSPORT_RESET/REMOVED naming that LUN. */
TEST_F(evt, hotunplug_reports_removed)
{
	struct virtio_scsi_event *e;

	ASSERT_EQ(0, post_events(&self->s, self->ev, 4, sizeof(*self->ev)));
	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 1));
	e = next_event(&self->s, 5000);
	ASSERT_NE(NULL, e);
	ASSERT_EQ((uint32_t)VIRTIO_SCSI_T_TRANSPORT_RESET, e->event);
	ASSERT_EQ((uint32_t)VIRTIO_SCSI_EVT_RESET_REMOVED, e->reason);
	ASSERT_EQ(1, e->lun[0]);
	ASSERT_EQ(SCSI_TPGT, e->lun[1]);
	ASSERT_EQ(1, e->lun[3]);
}

/* Linking a LUN sends TRANSPORT_RESET/RESCAN naming that LUN. */
TEST_F(evt, hotplug_reports_rescan)
{
	struct virtio_scsi_event *e;

	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 1));
	ASSERT_EQ(0, post_events(&self->s, self->ev, 4, sizeof(*self->ev)));
	/* the REMOVED event of the unlink was missed: consume what comes */
	while ((e = next_event(&self->s, 500)))
		;
	ASSERT_EQ(0, scsi_tgt_link_lun(&self->t, 1));
	e = next_event(&self->s, 5000);
	ASSERT_NE(NULL, e);
	ASSERT_EQ((uint32_t)VIRTIO_SCSI_T_TRANSPORT_RESET,
		  e->event & ~VIRTIO_SCSI_T_EVENTS_MISSED);
	ASSERT_EQ((uint32_t)VIRTIO_SCSI_EVT_RESET_RESCAN, e->reason);
	ASSERT_EQ(1, e->lun[3]);
}

/* With no event buffer posted, an event is recorded as missed. */
TEST_F(evt, no_buffer_sets_events_missed)
{
	uint32_t missed = 0;
	struct virtio_scsi_event *e;

	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 1));
	usleep(200 * 1000);
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_GET_EVENTS_MISSED, &missed));
	ASSERT_EQ(1u, missed);
	/* posting a buffer and kicking reports the miss to the driver */
	ASSERT_EQ(0, post_events(&self->s, self->ev, 1, sizeof(*self->ev)));
	e = next_event(&self->s, 5000);
	ASSERT_NE(NULL, e);
	ASSERT_NE(0u, e->event & VIRTIO_SCSI_T_EVENTS_MISSED);
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_GET_EVENTS_MISSED, &missed));
	ASSERT_EQ(0u, missed);
}

/* SET_EVENTS_MISSED / GET_EVENTS_MISSED round-trip. */
TEST_F(evt, events_missed_ioctl_roundtrip)
{
	uint32_t v = 1, r = 7;

	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_SET_EVENTS_MISSED, &v));
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_GET_EVENTS_MISSED, &r));
	ASSERT_EQ(1u, r);
	v = 0;
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_SET_EVENTS_MISSED, &v));
	ASSERT_EQ(0, ioctl(self->s.d.fd, VHOST_SCSI_GET_EVENTS_MISSED, &r));
	ASSERT_EQ(0u, r);
}

/* An event buffer of the wrong size is not written; the error fd fires. */
TEST_F(evt, wrong_size_event_buffer_is_refused)
{
	uint8_t *raw = (uint8_t *)self->ev;

	vg_eventfd_drain(self->s.d.vq[SCSI_EVTQ].err_fd);
	ASSERT_EQ(0, post_events(&self->s, self->ev, 1, 8));
	ASSERT_EQ(0, scsi_tgt_unlink_lun(&self->t, 1));
	ASSERT_EQ(1, vg_wait_err(&self->s.d, SCSI_EVTQ, 3000));
	ASSERT_EQ(0u, vg_used_pending(&self->s.d, SCSI_EVTQ));
	for (unsigned int i = 0; i < sizeof(*self->ev); i++)
		ASSERT_EQ(0xa5, raw[i]);
}

TEST_HARNESS_MAIN
