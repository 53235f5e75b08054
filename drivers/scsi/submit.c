// SPDX-License-Identifier: GPL-2.0
/*
 * Handing a prepared command to LIO: on the vhost worker, or queued.
 *
 * 6.1's vhost-scsi queues every command to LIO's submission workqueue, so
 * that a backend never runs on the vhost worker.  For a backend that does
 * not wait for I/O when it is handed a command (the ramdisk copies in
 * memory; iblock only submits bios, which complete from the block layer)
 * the queue costs a thread hop per command (LIO queues to the submitting
 * CPU's kworker; a worker that moves to another CPU meanwhile may overlap
 * with it, which the ramdisk's copies might use: performance.rst): the
 * worker submits those itself ("direct", an option only from 6.10
 * in-tree, and off by default there).  A backend that may read or write
 * a file synchronously (fileio), or one we do not know, stays queued, so
 * a slow request does not hold up its ring.  The backend then runs with the
 * queue's mutex held; our completions only queue work, so it cannot
 * come back for that mutex.
 *
 * From 6.10 a device's submit_type attribute, once an administrator sets
 * it, decides as it does in-tree; LIO's own queue is private there, so the
 * queued default goes through ours.
 */
#include <linux/module.h>
#include <linux/workqueue.h>
#include <target/target_core_backend.h>

#include "vhs.h"

static unsigned int vhs_direct_submit = 1;
module_param_named(direct_submit, vhs_direct_submit, uint, 0644);
MODULE_PARM_DESC(direct_submit,
		 "Run LIO's backend on the vhost worker: 0 never (as 6.1), 1 for backends that do not wait for I/O when handed a command (ramdisk, iblock; default), 2 always");

static bool vhs_direct(const struct se_cmd *se_cmd)
{
	const char *backend = se_cmd->se_dev->transport->name;

	switch (READ_ONCE(vhs_direct_submit)) {
	case 0:
		return false;
	case 1:
		return !strcmp(backend, "rd_mcp") || !strcmp(backend, "iblock");
	default:
		return true;
	}
}

#ifdef VHH_TARGET_SUBMIT_TYPE
static struct workqueue_struct *vhs_submit_wq;

static void vhs_submit_work(struct work_struct *work)
{
	vhh_target_submit(&container_of(work, struct vhs_cmd,
					submit_work)->se_cmd);
}

static void vhs_queue(struct vhs_cmd *cmd)
{
	INIT_WORK(&cmd->submit_work, vhs_submit_work);
	queue_work(vhs_submit_wq, &cmd->submit_work);
}

int vhs_submit_init(void)
{
	/* Like LIO's: per CPU, and able to make progress under reclaim. */
	vhs_submit_wq = alloc_workqueue("vhost_scsi_submit",
					WQ_MEM_RECLAIM | VHH_WQ_PERCPU, 0);
	return vhs_submit_wq ? 0 : -ENOMEM;
}

void vhs_submit_exit(void)
{
	destroy_workqueue(vhs_submit_wq);
}
#else
static void vhs_queue(struct vhs_cmd *cmd)
{
	target_queue_submission(&cmd->se_cmd);
}

int vhs_submit_init(void)
{
	return 0;
}

void vhs_submit_exit(void)
{
}
#endif

/* @cmd passed target_submit_prep(): LIO owns it until it releases it. */
void vhs_target_submit(struct vhs_cmd *cmd)
{
	struct se_cmd *se_cmd = &cmd->se_cmd;

	if (vhh_submit_type_set(se_cmd) || vhs_direct(se_cmd))
		vhh_target_submit(se_cmd);
	else
		vhs_queue(cmd);
}
