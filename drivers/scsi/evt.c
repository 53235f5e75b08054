// SPDX-License-Identifier: GPL-2.0
/*
 * The event queue: hot-plug and hot-unplug of LUNs (VIRTIO_SCSI_F_HOTPLUG)
 * as transport-reset events, and the "events missed" flag when the guest
 * left no buffer or too many events were pending.
 *
 * Events are queued from configfs (LUN link/unlink, tpg mutex held) on a
 * lock-free list and written by the worker under the event queue's mutex;
 * at most VHS_MAX_EVENT wait, beyond that they are counted as missed.
 */
#include <linux/slab.h>
#include <linux/uio.h>

#include "vhs.h"

struct vhs_evt {
	struct virtio_scsi_event event;
	struct llist_node node;
};

static void vhs_free_evt(struct vhs_dev *vhs, struct vhs_evt *evt)
{
	atomic_dec(&vhs->nevts);
	kfree(evt);
}

void vhs_send_event(struct vhs_dev *vhs, struct vhs_tpg *tpg,
		    struct se_lun *lun, u32 event, u32 reason)
{
	struct vhh_vq *vq = &vhs->vqs[VHS_VQ_EVT].vq;
	struct vhs_evt *evt;

	/*
	 * A LUN the guest's flat space addressing cannot name (LIO allows
	 * more): no event with a wrong LUN in it, the guest rescans on the
	 * missed flag instead.
	 */
	if (lun && lun->unpacked_lun > 0x3fff) {
		set_bit(0, &vhs->events_missed);
		return;
	}
	if (atomic_inc_return(&vhs->nevts) > VHS_MAX_EVENT) {
		atomic_dec(&vhs->nevts);
		set_bit(0, &vhs->events_missed);
		return;
	}
	evt = kzalloc(sizeof(*evt), GFP_KERNEL);
	if (!evt) {
		atomic_dec(&vhs->nevts);
		set_bit(0, &vhs->events_missed);
		return;
	}
	evt->event.event = cpu_to_vhh32(vq, event);
	evt->event.reason = cpu_to_vhh32(vq, reason);
	if (tpg && lun) {
		/* The LUN as the guest addresses it (flat space above 255). */
		evt->event.lun[0] = 1;
		evt->event.lun[1] = tpg->tpgt;
		if (lun->unpacked_lun >= 256)
			evt->event.lun[2] = 0x40 | (lun->unpacked_lun >> 8);
		evt->event.lun[3] = lun->unpacked_lun & 0xff;
	}
	llist_add(&evt->node, &vhs->evts);
	vhh_vq_work_queue(&vhs->vqs[VHS_VQ_EVT].vq, &vhs->evt_work);
}

/* Write one event into the next event buffer (event queue mutex held). */
static void vhs_post_event(struct vhs_dev *vhs, struct vhs_evt *evt)
{
	struct vhh_vq *vq = &vhs->vqs[VHS_VQ_EVT].vq;
	struct virtio_scsi_event *e = &evt->event;
	unsigned int out, in;
	int head;

	if (!vhh_vq_get_backend(vq)) {
		set_bit(0, &vhs->events_missed);
		return;
	}
	for (;;) {
		vhh_disable_notify(&vhs->dev, vq);
		head = vhh_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out,
				       &in, NULL, NULL);
		if (head < 0) {
			set_bit(0, &vhs->events_missed);
			return;
		}
		if (head != vq->num)
			break;
		if (!vhh_enable_notify(&vhs->dev, vq)) {
			/* No buffer: the guest learns of it with the next. */
			set_bit(0, &vhs->events_missed);
			return;
		}
	}
	if (out || iov_length(vq->iov, in) < sizeof(*e)) {
		/* Not an event buffer: refused, nothing written. */
		vhh_vq_err(vq, "vhost-scsi: event buffer of the wrong shape\n");
		set_bit(0, &vhs->events_missed);
		return;
	}
	if (test_and_clear_bit(0, &vhs->events_missed))
		e->event |= cpu_to_vhh32(vq, VIRTIO_SCSI_T_EVENTS_MISSED);
	if (vhs_write_resp(vq->iov, in, e, sizeof(*e))) {
		vhh_vq_err(vq, "vhost-scsi: event buffer not writable\n");
		return;
	}
	vhs_log(vq, sizeof(*e), vq->iov, in);
	vhh_add_used_and_signal(&vhs->dev, vq, head, sizeof(*e));
}

void vhs_evt_work(struct vhh_work *work)
{
	struct vhs_dev *vhs = container_of(work, struct vhs_dev, evt_work);
	struct vhh_vq *vq = &vhs->vqs[VHS_VQ_EVT].vq;
	struct vhs_evt *evt, *next;
	struct llist_node *node;

	mutex_lock(&vq->mutex);
	vhh_vq_pass_begin(vq);
	node = llist_reverse_order(llist_del_all(&vhs->evts));
	llist_for_each_entry_safe(evt, next, node, node) {
		vhs_post_event(vhs, evt);
		vhs_free_evt(vhs, evt);
	}
	mutex_unlock(&vq->mutex);
}

/* New event buffers: report a miss now rather than with the next event. */
void vhs_evt_kick(struct vhh_work *work)
{
	struct vhh_poll *poll = container_of(work, struct vhh_poll, work);
	struct vhh_vq *vq = container_of(poll, struct vhh_vq, poll);
	struct vhs_dev *vhs = vhs_from_vq(vq);
	struct vhs_evt evt = {};

	mutex_lock(&vq->mutex);
	vhh_vq_pass_begin(vq);
	if (vhh_vq_get_backend(vq) && test_bit(0, &vhs->events_missed)) {
		evt.event.event = cpu_to_vhh32(vq, VIRTIO_SCSI_T_NO_EVENT);
		vhs_post_event(vhs, &evt);
	}
	mutex_unlock(&vq->mutex);
}

/* Release: events nobody will post (the worker is gone). */
void vhs_drop_events(struct vhs_dev *vhs)
{
	struct llist_node *node = llist_del_all(&vhs->evts);
	struct vhs_evt *evt, *next;

	llist_for_each_entry_safe(evt, next, node, node)
		vhs_free_evt(vhs, evt);
}
