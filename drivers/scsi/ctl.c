// SPDX-License-Identifier: GPL-2.0
/*
 * The control queue: task management (LOGICAL UNIT RESET and ABORT TASK go
 * to LIO; every other function is answered FUNCTION REJECTED, honestly,
 * since LIO cannot perform it for us) and asynchronous-notification
 * requests (answered with no event supported, as 6.1).
 *
 * TMFs are allocated per request, at most VHS_MAX_TMF per device in
 * flight; 6.1 kept one per linked LUN on a list whose give-back was broken
 * (swapped list_add_tail arguments).
 */
#include <linux/slab.h>
#include <linux/uio.h>

#include "vhs.h"

static void vhs_put_tmf(struct vhs_tmf *tmf)
{
	struct vhs_dev *vhs = tmf->svq->vhs;

	if (tmf->in_iov != tmf->inline_iov)
		kvfree(tmf->in_iov);
	kfree(tmf);
	atomic_dec(&vhs->tmfs);
	vhs_put_inflight(vhs);
}

/* As vhs_cmd_released(): the RCU section keeps the device alive. */
void vhs_tmf_released(struct vhs_tmf *tmf)
{
	struct vhs_vq *svq = tmf->svq;

	rcu_read_lock();
	llist_add(&tmf->done, &svq->tmf_done);
	if (!vhh_vq_work_queue(&svq->vq, &svq->done_work))
		schedule_work(&svq->vhs->orphans);
	rcu_read_unlock();
}

void vhs_drop_tmfs(struct vhs_vq *svq)
{
	struct llist_node *node = llist_del_all(&svq->tmf_done);
	struct vhs_tmf *tmf, *next;

	llist_for_each_entry_safe(tmf, next, node, done)
		vhs_put_tmf(tmf);
}

bool vhs_tmf_done(struct vhs_vq *svq)
{
	struct llist_node *node = llist_del_all(&svq->tmf_done);
	struct virtio_scsi_ctrl_tmf_resp rsp;
	struct vhs_tmf *tmf, *next;
	struct vhh_vq *vq = &svq->vq;

	node = llist_reverse_order(node);
	llist_for_each_entry_safe(tmf, next, node, done) {
		int r;

		rsp.response = tmf->response;
		r = vhs_write_resp(tmf->in_iov, tmf->in_count, &rsp,
				   sizeof(rsp));
		if (r)
			vhh_vq_err(vq, "vhost-scsi: TMF response not writable\n");
		else
			vhs_log(vq, sizeof(rsp), tmf->in_iov, tmf->in_count);
		if (!r)
			vhh_add_used(vq, tmf->head, sizeof(rsp));
		vhs_put_tmf(tmf);
	}
	return node;
}

/* Submit a TMF to LIO; false when it must be answered REJECTED now. */
static bool vhs_submit_tmf(struct vhs_vq *svq, struct vhs_tpg *tpg, int head,
			   unsigned int out, unsigned int in, int tmr, int lun,
			   u64 tag)
{
	struct vhs_dev *vhs = svq->vhs;
	struct vhh_vq *vq = &svq->vq;
	struct vhs_tmf *tmf;

	if (atomic_inc_return(&vhs->tmfs) > VHS_MAX_TMF) {
		atomic_dec(&vhs->tmfs);
		return false;
	}
	tmf = kzalloc(sizeof(*tmf), GFP_KERNEL);
	if (!tmf) {
		atomic_dec(&vhs->tmfs);
		return false;
	}
	atomic_inc(&vhs->inflight);
	tmf->svq = svq;
	tmf->head = head;
	tmf->response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
	if (vhs_keep_iov(&tmf->in_iov, tmf->inline_iov, &vq->iov[out], in)) {
		vhs_put_tmf(tmf);
		return false;
	}
	tmf->in_count = in;
	/* On failure LIO took no reference: nothing will release it. */
	if (target_submit_tmr(&tmf->se_cmd, tpg->nexus->se_sess, NULL, lun,
			      NULL, tmr, GFP_KERNEL, tag,
			      TARGET_SCF_ACK_KREF) < 0) {
		vhs_put_tmf(tmf);
		return false;
	}
	return true;
}

static void vhs_handle_tmf(struct vhs_vq *svq, struct vhs_tpg **tpgs,
			   int head, unsigned int out, unsigned int in,
			   const struct virtio_scsi_ctrl_tmf_req *req)
{
	const size_t rsp_size = sizeof(struct virtio_scsi_ctrl_tmf_resp);
	struct vhh_vq *vq = &svq->vq;
	int lun = vhs_decode_lun(req->lun);
	struct vhs_tpg *tpg;
	int tmr;

	tpg = lun < 0 ? NULL : READ_ONCE(tpgs[req->lun[1]]);
	if (!tpg) {
		/* In the guest's TMF response, not a cmd_resp (6.1's bug). */
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_BAD_TARGET,
			   rsp_size);
		return;
	}
	switch (vhh32_to_cpu(vq, req->subtype)) {
	case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
		tmr = TMR_LUN_RESET;
		break;
	case VIRTIO_SCSI_T_TMF_ABORT_TASK:
		tmr = TMR_ABORT_TASK;
		break;
	default:
		tmr = -1;
		break;
	}
	if (tmr < 0 || !vhs_submit_tmf(svq, tpg, head, out, in, tmr, lun,
				       vhh64_to_cpu(vq, req->tag)))
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_FUNCTION_REJECTED,
			   rsp_size);
}

/* One control request; the chain is in vq->iov. */
static void vhs_handle_ctl_req(struct vhs_vq *svq, struct vhs_tpg **tpgs,
			       int head, unsigned int out, unsigned int in)
{
	struct vhh_vq *vq = &svq->vq;
	union {
		__virtio32 type;
		struct virtio_scsi_ctrl_tmf_req tmf;
		struct virtio_scsi_ctrl_an_req an;
	} req;
	size_t req_size, rsp_size;
	u64 out_len = iov_length(vq->iov, out);
	u64 in_len = iov_length(&vq->iov[out], in);
	struct iov_iter it;

	iov_iter_init(&it, ITER_SOURCE, vq->iov, out, out_len);
	if (copy_from_iter(&req.type, sizeof(req.type), &it) !=
	    sizeof(req.type))
		goto unknown;
	switch (vhh32_to_cpu(vq, req.type)) {
	case VIRTIO_SCSI_T_TMF:
		req_size = sizeof(req.tmf);
		rsp_size = sizeof(struct virtio_scsi_ctrl_tmf_resp);
		break;
	case VIRTIO_SCSI_T_AN_QUERY:
	case VIRTIO_SCSI_T_AN_SUBSCRIBE:
		req_size = sizeof(req.an);
		rsp_size = sizeof(struct virtio_scsi_ctrl_an_resp);
		break;
	default:
		goto unknown;
	}
	if (in_len < rsp_size) {
		/* Nowhere to answer: dropped, as 6.1 does. */
		vhh_vq_err(vq, "vhost-scsi: control response too short\n");
		return;
	}
	if (out_len < req_size ||
	    copy_from_iter((u8 *)&req + sizeof(req.type),
			   req_size - sizeof(req.type), &it) !=
	    req_size - sizeof(req.type)) {
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_BAD_TARGET,
			   rsp_size);
		return;
	}
	if (vhh32_to_cpu(vq, req.type) == VIRTIO_SCSI_T_TMF) {
		vhs_handle_tmf(svq, tpgs, head, out, in, &req.tmf);
		return;
	}
	/* No asynchronous event is supported: event_actual stays 0. */
	vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_OK, rsp_size);
	return;

unknown:
	/* Give the buffer back unanswered instead of losing it (6.1 does). */
	vhh_vq_err(vq, "vhost-scsi: unknown control request\n");
	vhh_add_used_and_signal(vq->dev, vq, head, 0);
}

void vhs_ctl_kick(struct vhh_work *work)
{
	struct vhh_poll *poll = container_of(work, struct vhh_poll, work);
	struct vhh_vq *vq = container_of(poll, struct vhh_vq, poll);
	unsigned int out, in;
	struct vhs_tpg **tpgs;
	int head, n = 0;

	mutex_lock(&vq->mutex);
	vhh_vq_pass_begin(vq);
	tpgs = vhh_vq_get_backend(vq);
	if (!tpgs)
		goto out;
	vhh_disable_notify(vq->dev, vq);
	for (;;) {
		head = vhh_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), &out,
				       &in, NULL, NULL);
		if (head < 0)
			break;
		if (head == vq->num) {
			if (unlikely(vhh_enable_notify(vq->dev, vq))) {
				vhh_disable_notify(vq->dev, vq);
				continue;
			}
			break;
		}
		vhs_handle_ctl_req(vhs_vq(vq), tpgs, head, out, in);
		if (vhh_exceeds_weight(vq, ++n, 0))
			break;
	}
out:
	mutex_unlock(&vq->mutex);
}
