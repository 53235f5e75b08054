// SPDX-License-Identifier: GPL-2.0
/*
 * Request queues: parse a virtio-scsi command, pin its data and PI pages,
 * hand it to LIO, and answer the guest once LIO has released it.
 *
 * Every length comes from the chain the core validated; nothing is sized
 * by a claim of the guest (pi_bytesout/in are checked against the data
 * that follows them).  A command that cannot be submitted is answered and
 * given back here, on every path.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>

#include "vhs.h"

int vhs_write_resp(struct iovec *iov, unsigned int count, const void *rsp,
		   size_t len)
{
	struct iov_iter it;

	iov_iter_init(&it, ITER_DEST, iov, count, len);
	return copy_to_iter(rsp, len, &it) == len ? 0 : -EFAULT;
}

void vhs_log(struct vhh_vq *vq, u64 len, const struct iovec *iov,
	     unsigned int count)
{
	/*
	 * Checked when written, not when fetched: a command in flight when
	 * migration turned logging on is logged too.
	 */
	if (vhh_has_feature(vq, VHOST_F_LOG_ALL))
		vhh_log_write_iov(vq, len, iov, count);
}

/*
 * Answer a request that never became a command with only @response set,
 * through the writable part of its chain (of any split), @rsp_size bytes.
 */
int vhs_answer(struct vhh_vq *vq, int head, unsigned int out,
	       unsigned int in, u8 response, size_t rsp_size)
{
	union {
		struct virtio_scsi_cmd_resp cmd;
		struct virtio_scsi_ctrl_tmf_resp tmf;
		struct virtio_scsi_ctrl_an_resp an;
	} rsp = {};
	int r;

	if (rsp_size == sizeof(rsp.cmd))
		rsp.cmd.response = response;
	else if (rsp_size == sizeof(rsp.an))
		rsp.an.response = response;
	else
		rsp.tmf.response = response;
	r = vhs_write_resp(&vq->iov[out], in, &rsp, rsp_size);
	if (r) {
		vhh_vq_err(vq, "vhost-scsi: response not writable\n");
		return r;
	}
	vhs_log(vq, rsp_size, &vq->iov[out], in);
	vhh_add_used_and_signal(vq->dev, vq, head, rsp_size);
	return 0;
}

/* ---- command pool --------------------------------------------------------- */

static int vhs_alloc_cmds(struct vhs_vq *svq)
{
	unsigned int i, n = svq->vq.num;

	svq->cmds = kvcalloc(n, sizeof(*svq->cmds), GFP_KERNEL);
	svq->free = kvcalloc(n, sizeof(*svq->free), GFP_KERNEL);
	if (!svq->cmds || !svq->free) {
		kvfree(svq->cmds);
		kvfree(svq->free);
		svq->cmds = NULL;
		svq->free = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		svq->cmds[i].svq = svq;
		svq->free[i] = n - 1 - i;
	}
	svq->ncmds = n;
	svq->nfree = n;
	return 0;
}

/* Only once every command is back (inflight is zero). */
void vhs_free_cmds(struct vhs_vq *svq)
{
	WARN_ON(svq->cmds && svq->nfree != svq->ncmds);
	kvfree(svq->cmds);
	kvfree(svq->free);
	svq->cmds = NULL;
	svq->free = NULL;
	svq->ncmds = 0;
	svq->nfree = 0;
	svq->starved = false;
}

static struct vhs_cmd *vhs_get_cmd(struct vhs_vq *svq)
{
	struct vhs_cmd *cmd;

	if (!svq->nfree)
		return NULL;
	cmd = &svq->cmds[svq->free[--svq->nfree]];
	memset(cmd, 0, offsetof(struct vhs_cmd, cdb));
	/* LIO says 96 bytes of sense and writes a few: no stale bytes. */
	memset(cmd->sense, 0, sizeof(cmd->sense));
	cmd->svq = svq;
	atomic_inc(&svq->vhs->inflight);
	return cmd;
}

/* Unpin, free what was allocated for @cmd and put it back in the pool. */
static void vhs_put_cmd(struct vhs_cmd *cmd)
{
	struct vhs_vq *svq = cmd->svq;

	/* Dirty either way: a CDB may make LIO write into "data-out". */
	if (cmd->npages)
		unpin_user_pages_dirty_lock(cmd->pages, cmd->npages, true);
	if (cmd->pages != cmd->inline_pages)
		kvfree(cmd->pages);
	if (cmd->sgl != cmd->inline_sgl)
		kvfree(cmd->sgl);
	if (cmd->in_iov != cmd->inline_iov)
		kvfree(cmd->in_iov);
	svq->free[svq->nfree++] = cmd - svq->cmds;
	if (svq->starved) {
		/* A request was left on the ring for want of a command. */
		svq->starved = false;
		vhh_poll_queue(&svq->vq.poll);
	}
	vhs_put_inflight(svq->vhs);
}

/* ---- mapping guest buffers ------------------------------------------------ */

/* Pages touched by @len bytes of @iov from byte @off, or -EINVAL. */
static long vhs_count_pages(const struct iovec *iov, unsigned int count,
			    size_t off, size_t len)
{
	u64 pages = 0;
	unsigned int i;

	for (i = 0; i < count && len; i++) {
		size_t l = iov[i].iov_len;
		u64 base = (u64)(uintptr_t)iov[i].iov_base;

		if (off >= l) {
			off -= l;
			continue;
		}
		base += off;
		l = min(l - off, len);
		off = 0;
		pages += vhs_range_pages(base, l);
		len -= l;
		if (pages > 2 * VHS_MAX_SGS)
			return -EINVAL;
	}
	return len ? -EINVAL : pages;
}

/*
 * Pin @len bytes of @iov from byte @off into @cmd->pages from index
 * @cmd->npages on, one scatterlist entry per page piece.  Returns entries.
 */
static int vhs_map(struct vhs_cmd *cmd, const struct iovec *iov,
		   unsigned int count, size_t off, size_t len,
		   struct scatterlist *sgl)
{
	unsigned int i, nsg = 0;

	for (i = 0; i < count && len; i++) {
		size_t l = iov[i].iov_len;
		unsigned long base = (unsigned long)iov[i].iov_base;
		struct page **pages = &cmd->pages[cmd->npages];
		int n, want, k;
		size_t poff;

		if (off >= l) {
			off -= l;
			continue;
		}
		base += off;
		l = min(l - off, len);
		off = 0;
		want = vhs_range_pages(base, l);
		/*
		 * Writable whatever the direction: the CDB, not the chain,
		 * decides whether LIO writes (an INQUIRY with a data-out
		 * buffer is filled in), and a read-only pin of untouched
		 * memory is the shared zero page.
		 */
		n = pin_user_pages_fast(base & PAGE_MASK, want, FOLL_WRITE,
					pages);
		if (n > 0)
			cmd->npages += n;
		if (n != want)
			return -EFAULT;
		poff = offset_in_page(base);
		for (k = 0; k < n; k++) {
			size_t piece = min_t(size_t, l, PAGE_SIZE - poff);

			sg_set_page(&sgl[nsg++], pages[k], piece, poff);
			l -= piece;
			len -= piece;
			poff = 0;
		}
	}
	if (nsg)
		sg_mark_end(&sgl[nsg - 1]);
	return len ? -EFAULT : nsg;
}

/* Pin the PI and data pages of @cmd; @iov/@count: its part of the chain. */
static int vhs_map_data(struct vhs_cmd *cmd, const struct iovec *iov,
			unsigned int count, u32 data_off)
{
	long dpages, ppages = 0;
	int r;

	dpages = vhs_count_pages(iov, count, data_off + cmd->prot_bytes,
				 cmd->data_bytes);
	if (cmd->prot_bytes)
		ppages = vhs_count_pages(iov, count, data_off,
					 cmd->prot_bytes);
	if (dpages < 0 || ppages < 0 || dpages > VHS_MAX_SGS ||
	    ppages > VHS_MAX_SGS)
		return -EINVAL;
	if (dpages + ppages > VHS_INLINE_SGS) {
		cmd->pages = kvmalloc_array(dpages + ppages,
					    sizeof(*cmd->pages), GFP_KERNEL);
		cmd->sgl = kvmalloc_array(dpages + ppages, sizeof(*cmd->sgl),
					  GFP_KERNEL);
		if (!cmd->pages || !cmd->sgl)
			return -ENOMEM;
	} else {
		cmd->pages = cmd->inline_pages;
		cmd->sgl = cmd->inline_sgl;
	}
	sg_init_table(cmd->sgl, dpages + ppages);
	r = vhs_map(cmd, iov, count, data_off + cmd->prot_bytes,
		    cmd->data_bytes, cmd->sgl);
	if (r < 0)
		return r;
	cmd->sgl_count = r;
	if (ppages) {
		cmd->prot_sgl = cmd->sgl + dpages;
		r = vhs_map(cmd, iov, count, data_off, cmd->prot_bytes,
			    cmd->prot_sgl);
		if (r < 0)
			return r;
		cmd->prot_sgl_count = r;
	}
	return 0;
}

int vhs_keep_iov(struct iovec **dst, struct iovec *inline_iov,
		 const struct iovec *src, unsigned int n)
{
	*dst = n > VHS_INLINE_IOVS ?
	       kvmalloc_array(n, sizeof(**dst), GFP_KERNEL) : inline_iov;
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

/* ---- submission ----------------------------------------------------------- */

static int vhs_task_attr(u8 attr)
{
	switch (attr) {
	case VIRTIO_SCSI_S_SIMPLE:
		return TCM_SIMPLE_TAG;
	case VIRTIO_SCSI_S_ORDERED:
		return TCM_ORDERED_TAG;
	case VIRTIO_SCSI_S_HEAD:
		return TCM_HEAD_TAG;
	case VIRTIO_SCSI_S_ACA:
		return TCM_ACA_TAG;
	default:
		return TCM_SIMPLE_TAG;
	}
}

/* The answer to a command LIO never took: @response and nothing else. */
static void vhs_cmd_fail(struct vhs_cmd *cmd, u8 response)
{
	struct virtio_scsi_cmd_resp rsp = { .response = response };
	struct vhh_vq *vq = &cmd->svq->vq;

	if (vhs_write_resp(cmd->in_iov, cmd->in_count, &rsp, sizeof(rsp))) {
		vhh_vq_err(vq, "vhost-scsi: response not writable\n");
	} else {
		vhs_log(vq, sizeof(rsp), cmd->in_iov, cmd->in_count);
		vhh_add_used_and_signal(vq->dev, vq, cmd->head, sizeof(rsp));
	}
	vhs_put_cmd(cmd);
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * debugfs vhost_scsi_fail_init_cmd: act as if target_init_cmd() had failed
 * (it does when the session is being shut down, which no test can arrange
 * with our fabric), to prove the failure path gives everything back (seed
 * scsi.c-0003).  Nothing fails unless a test configures the attribute.
 */
static DECLARE_FAULT_ATTR(vhs_fail_init_cmd);
static struct dentry *vhs_fault_dir;

void vhs_fault_init(void)
{
	vhs_fault_dir = fault_create_debugfs_attr("vhost_scsi_fail_init_cmd",
						  NULL, &vhs_fail_init_cmd);
}

void vhs_fault_exit(void)
{
	if (!IS_ERR_OR_NULL(vhs_fault_dir))
		debugfs_remove_recursive(vhs_fault_dir);
}

static bool vhs_init_cmd_fails(void)
{
	return should_fail(&vhs_fail_init_cmd, 1);
}
#else
void vhs_fault_init(void)
{
}

void vhs_fault_exit(void)
{
}

static bool vhs_init_cmd_fails(void)
{
	return false;
}
#endif

static void vhs_submit(struct vhs_cmd *cmd, struct vhs_tpg *tpg)
{
	struct se_cmd *se_cmd = &cmd->se_cmd;

	/* No extra PI without the guest's PI: LIO must not expect it. */
	if (cmd->sgl_count && !cmd->prot_sgl_count)
		se_cmd->prot_pto = true;
	if (vhs_init_cmd_fails() ||
	    target_init_cmd(se_cmd, tpg->nexus->se_sess, cmd->sense, cmd->lun,
			    cmd->data_bytes + cmd->prot_bytes,
			    vhs_task_attr(cmd->task_attr), cmd->dir,
			    TARGET_SCF_ACK_KREF) < 0) {
		/* Session going away: no reference was taken. */
		vhs_cmd_fail(cmd, VIRTIO_SCSI_S_FAILURE);
		return;
	}
	/* LIO's ABORT TASK looks commands up by this tag. */
	se_cmd->tag = cmd->tag;
	/* On failure LIO has queued a status and will release the command. */
	if (target_submit_prep(se_cmd, cmd->cdb,
			       cmd->sgl_count ? cmd->sgl : NULL,
			       cmd->sgl_count, NULL, 0,
			       cmd->prot_sgl_count ? cmd->prot_sgl : NULL,
			       cmd->prot_sgl_count, GFP_KERNEL))
		return;
	vhs_target_submit(cmd);
}

enum { VHS_DONE, VHS_STARVED };

/* One request of a request queue; the chain is in vq->iov. */
static int vhs_handle_req(struct vhs_vq *svq, struct vhs_tpg **tpgs, int head,
			  unsigned int out, unsigned int in)
{
	struct vhh_vq *vq = &svq->vq;
	bool pi = vhh_has_feature(vq, VIRTIO_SCSI_F_T10_PI);
	const u32 rsp_size = sizeof(struct virtio_scsi_cmd_resp);
	union {
		struct virtio_scsi_cmd_req req;
		struct virtio_scsi_cmd_req_pi pi;
	} h;
	u32 req_size = pi ? sizeof(h.pi) : sizeof(h.req);
	struct vhs_req_layout l;
	struct vhs_tpg *tpg;
	struct vhs_cmd *cmd;
	struct iov_iter it;
	u64 out_len, in_len;
	int lun, r;
	u8 *cdb;

	out_len = iov_length(vq->iov, out);
	in_len = iov_length(&vq->iov[out], in);
	switch (vhs_req_lay_out(&l, out_len, in_len, req_size, rsp_size,
				0, 0)) {
	case VHS_REQ_NO_RESPONSE:
		/* Nowhere to answer: dropped, as 6.1 does. */
		vhh_vq_err(vq, "vhost-scsi: response buffer of %llu bytes\n",
			   in_len);
		return VHS_DONE;
	case VHS_REQ_SHORT_HEADER:
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_BAD_TARGET,
			       rsp_size);
		return VHS_DONE;
	default:
		break;
	}
	iov_iter_init(&it, ITER_SOURCE, vq->iov, out, req_size);
	if (copy_from_iter(&h, req_size, &it) != req_size) {
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_BAD_TARGET,
			       rsp_size);
		return VHS_DONE;
	}
	/* The layout again, now with the PI fields of the header. */
	r = vhs_req_lay_out(&l, out_len, in_len, req_size, rsp_size,
			    pi ? vhh32_to_cpu(vq, h.pi.pi_bytesout) : 0,
			    pi ? vhh32_to_cpu(vq, h.pi.pi_bytesin) : 0);
	lun = vhs_decode_lun(h.req.lun);
	tpg = lun < 0 ? NULL : READ_ONCE(tpgs[h.req.lun[1]]);
	cdb = pi ? h.pi.cdb : h.req.cdb;
	if (!tpg || scsi_command_size(cdb) > VHS_MAX_CDB) {
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_BAD_TARGET,
			       rsp_size);
		return VHS_DONE;
	}
	if (r != VHS_REQ_OK) {
		vhh_vq_err(vq, "vhost-scsi: malformed request (%d)\n", r);
		vhs_answer(vq, head, out, in, VIRTIO_SCSI_S_FAILURE,
			       rsp_size);
		return VHS_DONE;
	}

	cmd = vhs_get_cmd(svq);
	if (!cmd)
		return VHS_STARVED;
	cmd->head = head;
	cmd->tag = vhh64_to_cpu(vq, pi ? h.pi.tag : h.req.tag);
	cmd->task_attr = pi ? h.pi.task_attr : h.req.task_attr;
	cmd->lun = lun;
	cmd->dir = l.dir;
	cmd->data_bytes = l.data_bytes;
	cmd->prot_bytes = l.prot_bytes;
	memcpy(cmd->cdb, cdb, VHS_MAX_CDB);
	if (vhs_keep_iov(&cmd->in_iov, cmd->inline_iov, &vq->iov[out], in)) {
		/* in_count stays 0: nothing to answer through. */
		vhs_cmd_fail(cmd, VIRTIO_SCSI_S_FAILURE);
		return VHS_DONE;
	}
	cmd->in_count = in;
	if (l.dir != DMA_NONE) {
		r = l.dir == DMA_TO_DEVICE ?
		    vhs_map_data(cmd, vq->iov, out, l.data_off) :
		    vhs_map_data(cmd, &vq->iov[out], in, l.data_off);
		if (r) {
			vhh_vq_err(vq, "vhost-scsi: data not mappable (%d)\n",
				   r);
			vhs_cmd_fail(cmd, VIRTIO_SCSI_S_FAILURE);
			return VHS_DONE;
		}
	}
	vhs_submit(cmd, tpg);
	return VHS_DONE;
}

static void vhs_handle_vq(struct vhs_vq *svq)
{
	struct vhh_vq *vq = &svq->vq;
	unsigned int out, in;
	struct vhs_tpg **tpgs;
	int head, n = 0;

	mutex_lock(&vq->mutex);
	vhh_vq_pass_begin(vq);
	tpgs = vhh_vq_get_backend(vq);
	if (!tpgs)
		goto out;
	if (!svq->cmds && vhs_alloc_cmds(svq)) {
		vhh_vq_err(vq, "vhost-scsi: no memory for commands\n");
		goto out;
	}
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
		if (vhs_handle_req(svq, tpgs, head, out, in) == VHS_STARVED) {
			/* Resumed by vhs_put_cmd(); no kick will come. */
			vhh_discard_vq_desc(vq, 1);
			svq->starved = true;
			break;
		}
		if (vhh_exceeds_weight(vq, ++n, 0))
			break;
	}
out:
	mutex_unlock(&vq->mutex);
}

void vhs_io_kick(struct vhh_work *work)
{
	struct vhh_poll *poll = container_of(work, struct vhh_poll, work);
	struct vhh_vq *vq = container_of(poll, struct vhh_vq, poll);

	vhs_handle_vq(vhs_vq(vq));
}

/* ---- completion ----------------------------------------------------------- */

/*
 * LIO is done with @cmd (any context): answer it from the worker.  Once
 * @cmd is on the list the worker may give it back and the device may be
 * released: the RCU read section, which release waits out, keeps @svq
 * and the device alive until the work is queued.
 */
void vhs_cmd_released(struct vhs_cmd *cmd)
{
	struct vhs_vq *svq = cmd->svq;

	rcu_read_lock();
	llist_add(&cmd->done, &svq->done);
	if (!vhh_vq_work_queue(&svq->vq, &svq->done_work))
		schedule_work(&svq->vhs->orphans);
	rcu_read_unlock();
}

static void vhs_complete(struct vhs_cmd *cmd)
{
	struct se_cmd *se_cmd = &cmd->se_cmd;
	struct vhh_vq *vq = &cmd->svq->vq;
	struct virtio_scsi_cmd_resp rsp = {};
	u64 written = sizeof(rsp);

	/*
	 * Aborted with TAS (a reset from another initiator): LIO queued
	 * TASK ABORTED status, which the guest retries; without TAS there is
	 * no status and the request itself was aborted.
	 */
	if ((se_cmd->transport_state & (CMD_T_ABORTED | CMD_T_TAS)) ==
	    CMD_T_ABORTED) {
		rsp.response = VIRTIO_SCSI_S_ABORTED;
		/* The backend may have written data-in before the abort. */
		if (cmd->dir == DMA_FROM_DEVICE)
			written += cmd->prot_bytes + cmd->data_bytes;
	} else {
		rsp.response = VIRTIO_SCSI_S_OK;
		rsp.status = se_cmd->scsi_status;
		rsp.resid = cpu_to_vhh32(vq, se_cmd->residual_count);
		rsp.sense_len = cpu_to_vhh32(vq, se_cmd->scsi_sense_length);
		memcpy(rsp.sense, cmd->sense,
		       min_t(u32, se_cmd->scsi_sense_length,
			     sizeof(rsp.sense)));
		if (cmd->dir == DMA_FROM_DEVICE)
			written += cmd->prot_bytes + cmd->data_bytes;
	}
	if (vhs_write_resp(cmd->in_iov, cmd->in_count, &rsp, sizeof(rsp))) {
		vhh_vq_err(vq, "vhost-scsi: response not writable\n");
		return;
	}
	/* Data-in and response are in guest memory: log them as written. */
	vhs_log(vq, written, cmd->in_iov, cmd->in_count);
	vhh_add_used(vq, cmd->head, written);
}

/*
 * Give back the commands LIO returned on @svq (its mutex held), answering
 * the guest when @answer; any?
 */
static bool vhs_done_cmds(struct vhs_vq *svq, bool answer)
{
	struct llist_node *node = llist_del_all(&svq->done);
	struct vhs_cmd *cmd, *next;

	node = llist_reverse_order(node);
	llist_for_each_entry_safe(cmd, next, node, done) {
		if (answer)
			vhs_complete(cmd);
		vhs_put_cmd(cmd);
	}
	return node;
}

/*
 * The worker died with its owner (task mode, SIGKILL) and nothing answers
 * the guest any more: give back, unanswered, what LIO returned since, so
 * that the wait for inflight commands ends.  Process context for the queue
 * mutexes; release flushes this before freeing the device.
 */
void vhs_drop_orphans(struct work_struct *work)
{
	struct vhs_dev *vhs = container_of(work, struct vhs_dev, orphans);
	int i;

	for (i = 0; i < vhs->nvqs; i++) {
		struct vhs_vq *svq = &vhs->vqs[i];

		vhs_drop_tmfs(svq);
		if (llist_empty(&svq->done))
			continue;
		mutex_lock(&svq->vq.mutex);
		vhs_done_cmds(svq, false);
		mutex_unlock(&svq->vq.mutex);
	}
}

void vhs_done_work(struct vhh_work *work)
{
	struct vhs_vq *svq = container_of(work, struct vhs_vq, done_work);
	struct vhs_dev *vhs = svq->vhs;
	bool any;
	int i;

	/*
	 * LIO gives back the commands a TMF aborted or reset before the TMF
	 * itself, and the guest takes the TMF's answer to mean they are
	 * answered.  Request queues may run on other workers (worker
	 * ioctls): answer what they have been given back first, one queue
	 * mutex at a time (6.12 flushes every worker for this).
	 */
	if (!llist_empty(&svq->tmf_done)) {
		for (i = VHS_VQ_IO; i < vhs->nvqs; i++) {
			struct vhs_vq *io = &vhs->vqs[i];

			if (io == svq || llist_empty(&io->done))
				continue;
			mutex_lock(&io->vq.mutex);
			if (vhs_done_cmds(io, true))
				vhh_signal(&vhs->dev, &io->vq);
			mutex_unlock(&io->vq.mutex);
		}
	}
	mutex_lock(&svq->vq.mutex);
	any = vhs_done_cmds(svq, true);
	if (vhs_tmf_done(svq))
		any = true;
	if (any)
		vhh_signal(&vhs->dev, &svq->vq);
	mutex_unlock(&svq->vq.mutex);
}
