// SPDX-License-Identifier: GPL-2.0
/*
 * The per-device worker thread and the work/poll API.
 *
 * Each owned device has one kthread, "vhost-<owner pid>", that runs in the
 * owner's mm and cgroups.  Works are queued lock-free on an llist; a work
 * is on the list at most once (VHH_WORK_QUEUED).  Handlers run with the
 * queue mutex they take themselves.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "ctl.h"

void vhh_work_init(struct vhh_work *work, vhh_work_fn_t fn)
{
	clear_bit(VHH_WORK_QUEUED, &work->flags);
	work->fn = fn;
}
VHH_EXPORT(vhh_work_init);

/*
 * Queue @work; false when the device has no worker (nothing will run).
 * Wakers outside the device's own locks (LIO completions, configfs events)
 * may race vhh_worker_stop(): the RCU read section keeps the worker they
 * saw alive until their wake-up is done, and the stop waits for it.
 */
static bool vhh_work_add(struct vhh_dev *dev, struct vhh_work *work)
{
	struct task_struct *worker;
	bool queued = false;

	rcu_read_lock();
	worker = rcu_dereference(dev->worker);
	if (worker) {
		queued = true;
		if (!test_and_set_bit(VHH_WORK_QUEUED, &work->flags)) {
			/* test_and_set_bit() orders the flag before the add. */
			llist_add(&work->node, &dev->work_list);
			wake_up_process(worker);
		}
	}
	rcu_read_unlock();
	return queued;
}

void vhh_work_queue(struct vhh_dev *dev, struct vhh_work *work)
{
	vhh_work_add(dev, work);
}
VHH_EXPORT(vhh_work_queue);

bool vhh_has_work(struct vhh_dev *dev)
{
	return !llist_empty(&dev->work_list);
}
VHH_EXPORT(vhh_has_work);

struct vhh_flush {
	struct vhh_work work;
	struct completion done;
};

static void vhh_flush_fn(struct vhh_work *work)
{
	struct vhh_flush *f = container_of(work, struct vhh_flush, work);

	complete(&f->done);
}

void vhh_dev_flush(struct vhh_dev *dev)
{
	struct vhh_flush f;

	init_completion(&f.done);
	vhh_work_init(&f.work, vhh_flush_fn);
	/* The worker runs works in queue order, and drains before exiting. */
	if (vhh_work_add(dev, &f.work))
		wait_for_completion(&f.done);
}
VHH_EXPORT(vhh_dev_flush);

static void vhh_poll_func(struct file *file, wait_queue_head_t *wqh,
			  poll_table *pt)
{
	struct vhh_poll *poll = container_of(pt, struct vhh_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

static int vhh_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vhh_poll *poll = container_of(wait, struct vhh_poll, wait);

	if (!(key_to_poll(key) & poll->mask))
		return 0;
	if (poll->dev->use_worker)
		vhh_poll_queue(poll);
	else
		poll->work.fn(&poll->work);
	return 0;
}

void vhh_poll_init(struct vhh_poll *poll, vhh_work_fn_t fn, __poll_t mask,
		   struct vhh_dev *dev)
{
	init_waitqueue_func_entry(&poll->wait, vhh_poll_wakeup);
	init_poll_funcptr(&poll->table, vhh_poll_func);
	poll->mask = mask;
	poll->dev = dev;
	poll->wqh = NULL;
	vhh_work_init(&poll->work, fn);
}
VHH_EXPORT(vhh_poll_init);

/* The caller keeps a reference on @file until vhh_poll_stop(). */
int vhh_poll_start(struct vhh_poll *poll, struct file *file)
{
	__poll_t mask;

	if (poll->wqh)
		return 0;
	mask = vfs_poll(file, &poll->table);
	if (mask)
		vhh_poll_wakeup(&poll->wait, 0, 0, poll_to_key(mask));
	if (mask & EPOLLERR) {
		vhh_poll_stop(poll);
		return -EINVAL;
	}
	return 0;
}
VHH_EXPORT(vhh_poll_start);

/* After this no new wakeup queues the work; flush to wait for a running one. */
void vhh_poll_stop(struct vhh_poll *poll)
{
	if (poll->wqh) {
		remove_wait_queue(poll->wqh, &poll->wait);
		poll->wqh = NULL;
	}
}
VHH_EXPORT(vhh_poll_stop);

void vhh_poll_queue(struct vhh_poll *poll)
{
	vhh_work_queue(poll->dev, &poll->work);
}
VHH_EXPORT(vhh_poll_queue);

bool vhh_exceeds_weight(struct vhh_vq *vq, int pkts, int total_len)
{
	struct vhh_dev *dev = vq->dev;

	if (pkts < dev->weight &&
	    !(dev->byte_weight && total_len >= dev->byte_weight))
		return false;
	/*
	 * The handler stops here with work possibly left on the ring and no
	 * new kick coming: run it again later instead of relying on the
	 * driver to remember (seed scsi.c-0001).
	 */
	if (vq->handle_kick)
		vhh_poll_queue(&vq->poll);
	return true;
}
VHH_EXPORT(vhh_exceeds_weight);

static int vhh_worker(void *data)
{
	struct vhh_dev *dev = data;
	struct vhh_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(dev->mm);
	for (;;) {
		/* Pairs with the wake_up_process() of queuers and kthread_stop. */
		set_current_state(TASK_INTERRUPTIBLE);
		node = llist_del_all(&dev->work_list);
		if (!node) {
			/* Stop only once empty: a queued flush always completes. */
			if (kthread_should_stop()) {
				__set_current_state(TASK_RUNNING);
				break;
			}
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		node = llist_reverse_order(node);
		/* Let a work requeue itself once it is off the list. */
		smp_wmb();
		llist_for_each_entry_safe(work, next, node, node) {
			clear_bit(VHH_WORK_QUEUED, &work->flags);
			dev->walk_left = VHH_WALK_BUDGET;
			dev->walk_stop = false;
			work->fn(work);
			/*
			 * A handler stopped by the walking budget leaves its
			 * chain on the ring and gets no new kick for it: run
			 * it again after the others (and a reschedule point).
			 * Only ring handlers walk, so @work is still alive.
			 */
			if (unlikely(dev->walk_stop))
				vhh_work_add(dev, work);
			cond_resched();
		}
	}
	kthread_unuse_mm(dev->mm);
	return 0;
}

struct vhh_attach_cgroups {
	struct vhh_work work;
	struct task_struct *owner;
	int ret;
};

static void vhh_attach_cgroups_fn(struct vhh_work *work)
{
	struct vhh_attach_cgroups *s;

	s = container_of(work, struct vhh_attach_cgroups, work);
	s->ret = cgroup_attach_task_all(s->owner, current);
}

int vhh_worker_start(struct vhh_dev *dev)
{
	struct vhh_attach_cgroups attach;
	struct task_struct *worker;

	worker = kthread_create(vhh_worker, dev, "vhost-%d", current->pid);
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	/* Our own reference: a late wake_up_process() never hits a freed task. */
	get_task_struct(worker);
	rcu_assign_pointer(dev->worker, worker);
	wake_up_process(worker);

	/* Charge the worker's CPU and memory to the owner, like 6.1. */
	attach.owner = current;
	attach.ret = 0;
	vhh_work_init(&attach.work, vhh_attach_cgroups_fn);
	vhh_work_queue(dev, &attach.work);
	vhh_dev_flush(dev);
	if (attach.ret) {
		vhh_worker_stop(dev);
		return attach.ret;
	}
	return 0;
}

void vhh_worker_stop(struct vhh_dev *dev)
{
	struct task_struct *worker = rcu_dereference_protected(dev->worker, true);
	struct llist_node *node;
	struct vhh_work *work, *next;

	if (!worker)
		return;
	/* New queue/flush calls see no worker from here on ... */
	rcu_assign_pointer(dev->worker, NULL);
	/* ... and those that saw it have queued their work: it runs below. */
	synchronize_rcu();
	kthread_stop(worker);
	put_task_struct(worker);
	/*
	 * A work queued by a racing waker after the final drain must not keep
	 * its QUEUED bit, or it could never be queued for a new owner; a
	 * flush must not wait forever.
	 */
	node = llist_del_all(&dev->work_list);
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHH_WORK_QUEUED, &work->flags);
		if (work->fn == vhh_flush_fn)
			work->fn(work);
	}
}
