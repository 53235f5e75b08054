// SPDX-License-Identifier: GPL-2.0
/*
 * Worker threads and the work/poll API.
 *
 * An owned device has workers named "vhost-<owner pid>": threads of the
 * owner (vhost_task, the default where the kernel has it, as 6.12) or
 * kernel threads that run in the owner's mm and cgroups (6.1's kind, and
 * VHOST_FORK_OWNER_KTHREAD).  SET_OWNER makes one and gives it every
 * queue; the worker ioctls (vhost-scsi) add more and move queues between
 * them, so that request queues can run on separate CPUs.  Each queue's works
 * run on the worker the queue points to.  Works are queued lock-free on the
 * worker's llist; a work is on a list at most once (VHH_WORK_QUEUED).
 * Handlers run with the queue mutex they take themselves.
 *
 * Unlike 6.12's kthread mode, NEW_WORKER works here.  6.12 refuses it
 * there because kernel threads escape RLIMIT_NPROC; ours bounds them
 * instead: a device has at most one worker per queue (more could never be
 * used), and the kthreads NEW_WORKER adds count against the module-wide
 * max_extra_workers (-EAGAIN beyond, as fork() past RLIMIT_NPROC, which
 * is what bounds threads of the owner).
 *
 * A thread of the owner dies with it (SIGKILL, also at a core dump, which
 * waits for every thread): it detaches from its queues, runs what was
 * queued and exits, without waiting for the device's release.  Works queued
 * later are refused (vhh_vq_work_queue() returns false) and flushes of it
 * return at once.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "ctl.h"

struct vhh_worker {
	struct task_struct *task;	/* kthread mode */
#if VHH_TASK_WORKERS
	struct vhost_task *vtsk;	/* task mode: a thread of the owner */
#endif
	struct llist_head work_list;
	struct vhh_dev *dev;
	u32 id;
	unsigned int attached;	/* queues pointing here (dev->mutex) */
	bool extra;		/* made by NEW_WORKER: counts in vhh_extra */
	spinlock_t lock;	/* orders @killed against flushes and attach */
	bool killed;		/* task mode: died with the owner */
};

/* Workers NEW_WORKER made, all devices together. */
static atomic_t vhh_extra = ATOMIC_INIT(0);

void vhh_work_init(struct vhh_work *work, vhh_work_fn_t fn)
{
	clear_bit(VHH_WORK_QUEUED, &work->flags);
	work->fn = fn;
}
VHH_EXPORT(vhh_work_init);

static void vhh_worker_wake(struct vhh_worker *w)
{
#if VHH_TASK_WORKERS
	if (w->vtsk) {
		vhost_task_wake(w->vtsk);
		return;
	}
#endif
	wake_up_process(w->task);
}

static void vhh_worker_add(struct vhh_worker *w, struct vhh_work *work)
{
	if (!test_and_set_bit(VHH_WORK_QUEUED, &work->flags)) {
		/* test_and_set_bit() orders the flag before the add. */
		llist_add(&work->node, &w->work_list);
		vhh_worker_wake(w);
	}
}

/*
 * Wakers outside the device's own locks (LIO completions, configfs events,
 * eventfds) may race a queue's move to another worker or the device's
 * release: the RCU read section keeps the worker they saw alive until their
 * wake-up is done, and both paths wait for it before flushing that worker.
 */
bool vhh_vq_work_queue(struct vhh_vq *vq, struct vhh_work *work)
{
	struct vhh_worker *w;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w)
		vhh_worker_add(w, work);
	rcu_read_unlock();
	return w;
}
VHH_EXPORT(vhh_vq_work_queue);

bool vhh_vq_has_work(struct vhh_vq *vq)
{
	struct vhh_worker *w;
	bool busy = false;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w)
		busy = !llist_empty(&w->work_list);
	rcu_read_unlock();
	return busy;
}
VHH_EXPORT(vhh_vq_has_work);

struct vhh_flush {
	struct vhh_work work;
	struct completion done;
};

static void vhh_flush_fn(struct vhh_work *work)
{
	struct vhh_flush *f = container_of(work, struct vhh_flush, work);

	complete(&f->done);
}

/*
 * The worker runs works in queue order, and drains before exiting.  A
 * killed worker ran, while dying, every work queued before it was marked.
 */
static void vhh_worker_flush(struct vhh_worker *w)
{
	struct vhh_flush f;

	init_completion(&f.done);
	vhh_work_init(&f.work, vhh_flush_fn);
	spin_lock(&w->lock);
	if (w->killed) {
		spin_unlock(&w->lock);
		return;
	}
	vhh_worker_add(w, &f.work);
	spin_unlock(&w->lock);
	wait_for_completion(&f.done);
}

/* Callers hold dev->mutex or own the device alone (release). */
void vhh_dev_flush(struct vhh_dev *dev)
{
	struct vhh_worker *w;
	unsigned long id;

	xa_for_each(&dev->workers, id, w)
		vhh_worker_flush(w);
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
	if (poll->vq->dev->use_worker)
		vhh_poll_queue(poll);
	else
		poll->work.fn(&poll->work);
	return 0;
}

void vhh_poll_init(struct vhh_poll *poll, vhh_work_fn_t fn, __poll_t mask,
		   struct vhh_vq *vq)
{
	init_waitqueue_func_entry(&poll->wait, vhh_poll_wakeup);
	init_poll_funcptr(&poll->table, vhh_poll_func);
	poll->mask = mask;
	poll->vq = vq;
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

bool vhh_poll_queue(struct vhh_poll *poll)
{
	return vhh_vq_work_queue(poll->vq, &poll->work);
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

/* Run the works taken off a worker's list, in the order they were queued. */
static void vhh_run_works(struct llist_node *node)
{
	struct vhh_work *work, *next;

	node = llist_reverse_order(node);
	/* Let a work requeue itself once it is off the list. */
	smp_wmb();
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHH_WORK_QUEUED, &work->flags);
		work->fn(work);
		cond_resched();
	}
}

static int vhh_worker_fn(void *data)
{
	struct vhh_worker *w = data;
	struct llist_node *node;

	kthread_use_mm(w->dev->mm);
	for (;;) {
		/* Pairs with the wake_up_process() of queuers and kthread_stop. */
		set_current_state(TASK_INTERRUPTIBLE);
		node = llist_del_all(&w->work_list);
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
		vhh_run_works(node);
	}
	kthread_unuse_mm(w->dev->mm);
	return 0;
}

#if VHH_TASK_WORKERS
/* One round of a thread of the owner; vhost_task sleeps when it is false. */
static bool vhh_task_fn(void *data)
{
	struct vhh_worker *w = data;
	struct llist_node *node = llist_del_all(&w->work_list);

	if (!node)
		return false;
	__set_current_state(TASK_RUNNING);
	vhh_run_works(node);
	return true;
}

/*
 * The owner got SIGKILL and this worker, one of its threads, is exiting
 * (in its own context, before vhost_task_stop() can return).  From the
 * mark on no flush waits for it; once no queue points here and the wakers
 * that saw it are done, what they queued runs, here, for the last time.
 */
static void vhh_task_killed(void *data)
{
	struct vhh_worker *w = data;
	struct vhh_dev *dev = w->dev;
	struct llist_node *node;
	int i;

	spin_lock(&w->lock);
	w->killed = true;
	spin_unlock(&w->lock);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhh_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		if (rcu_access_pointer(vq->worker) == w)
			RCU_INIT_POINTER(vq->worker, NULL);
		mutex_unlock(&vq->mutex);
	}
	/*
	 * Even if an ATTACH moved the last queue away first: a waker may
	 * still be queueing on us from before it (found in review).
	 */
	synchronize_rcu();
	while ((node = llist_del_all(&w->work_list)))
		vhh_run_works(node);
}
#endif

/* Start the thread of @w (a kthread, or a thread of current in task mode). */
static int vhh_worker_run(struct vhh_worker *w, bool task)
{
#if VHH_TASK_WORKERS
	if (task) {
		char name[TASK_COMM_LEN];

		snprintf(name, sizeof(name), "vhost-%d", current->pid);
		w->vtsk = vhost_task_create(vhh_task_fn, vhh_task_killed, w,
					    name);
		if (IS_ERR(w->vtsk)) {
			int err = PTR_ERR(w->vtsk);

			w->vtsk = NULL;
			return err;
		}
		vhost_task_start(w->vtsk);
		return 0;
	}
#endif
	w->task = kthread_create(vhh_worker_fn, w, "vhost-%d", current->pid);
	if (IS_ERR(w->task))
		return PTR_ERR(w->task);
	/* Our own reference: a late wake_up_process() never hits a freed task. */
	get_task_struct(w->task);
	wake_up_process(w->task);
	return 0;
}

/* Stop the thread of @w once it has run what was queued. */
static void vhh_worker_halt(struct vhh_worker *w)
{
#if VHH_TASK_WORKERS
	if (w->vtsk) {
		/* vhost_task_stop() does not drain, as kthread_stop() here does. */
		vhh_worker_flush(w);
		vhost_task_stop(w->vtsk);
		return;
	}
#endif
	kthread_stop(w->task);
	put_task_struct(w->task);
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

/*
 * Stop @w once nothing can queue on it any more (no queue points to it and
 * an RCU grace period has passed since the last one did).
 */
static void vhh_worker_destroy(struct vhh_dev *dev, struct vhh_worker *w)
{
	struct vhh_work *work, *next;
	struct llist_node *node;

	xa_erase(&dev->workers, w->id);
	dev->nworkers--;
	vhh_worker_halt(w);
	/*
	 * A work queued by a racing waker after the final drain must not keep
	 * its QUEUED bit, or it could never be queued again; a flush must not
	 * wait forever.
	 */
	node = llist_del_all(&w->work_list);
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHH_WORK_QUEUED, &work->flags);
		if (work->fn == vhh_flush_fn)
			work->fn(work);
	}
	if (w->extra)
		atomic_dec(&vhh_extra);
	kfree(w);
}

/*
 * A new worker of the owner (current), in its cgroups; dev->mutex held.
 * @extra: asked for by NEW_WORKER, beyond the one SET_OWNER makes; only
 * kthreads count in max_extra_workers (RLIMIT_NPROC bounds the others).
 */
static struct vhh_worker *vhh_worker_create(struct vhh_dev *dev, bool extra)
{
	struct vhh_attach_cgroups attach;
	bool task = dev->fork_owner;
	struct vhh_worker *w;
	int err;

	if (dev->nworkers >= dev->nvqs)
		return ERR_PTR(-ENOSPC);
	extra = extra && !task;
	err = -EAGAIN;
	if (extra && atomic_inc_return(&vhh_extra) >
		     READ_ONCE(vhh_max_extra_workers))
		goto err_count;
	err = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		goto err_count;
	w->extra = extra;
	init_llist_head(&w->work_list);
	spin_lock_init(&w->lock);
	w->dev = dev;
	err = vhh_worker_run(w, task);
	if (err)
		goto err_free;
	err = xa_alloc(&dev->workers, &w->id, w, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_stop;
	dev->nworkers++;
	/* A thread of the owner is in its cgroups already. */
	if (task)
		return w;

	/* Charge the worker's CPU and memory to the owner, like 6.1. */
	attach.owner = current;
	attach.ret = 0;
	vhh_work_init(&attach.work, vhh_attach_cgroups_fn);
	vhh_worker_add(w, &attach.work);
	vhh_worker_flush(w);
	if (attach.ret) {
		vhh_worker_destroy(dev, w);
		return ERR_PTR(attach.ret);
	}
	return w;

err_stop:
	vhh_worker_halt(w);
err_free:
	kfree(w);
err_count:
	if (extra)
		atomic_dec(&vhh_extra);
	return ERR_PTR(err);
}

/*
 * Point @vq at @w (dev->mutex held).  Works already queued on the old
 * worker run there before this returns; a work cannot be on both lists,
 * and handlers of one queue serialise on its mutex wherever they run.
 */
static void vhh_vq_attach_worker(struct vhh_vq *vq, struct vhh_worker *w)
{
	struct vhh_worker *old;
	bool idle;

	mutex_lock(&vq->mutex);
	old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&vq->mutex));
	/* A killed worker detached its queues: it takes no new one (6.12). */
	spin_lock(&w->lock);
	if (old == w || w->killed) {
		spin_unlock(&w->lock);
		mutex_unlock(&vq->mutex);
		return;
	}
	rcu_assign_pointer(vq->worker, w);
	spin_unlock(&w->lock);
	w->attached++;
	/*
	 * A queue with neither kick nor backend has no handler to order
	 * (QEMU attaches workers right after SET_OWNER): skip the grace
	 * period, FREE_WORKER waits one before it stops @old.
	 */
	idle = !vq->kick && !vhh_vq_get_backend(vq);
	mutex_unlock(&vq->mutex);
	if (!old)
		return;
	if (!idle) {
		/* Wakers that saw @old have queued on it: run that out. */
		synchronize_rcu();
		vhh_worker_flush(old);
	}
	old->attached--;
}

int vhh_worker_start(struct vhh_dev *dev)
{
	struct vhh_worker *w;
	int i;

	w = vhh_worker_create(dev, false);
	if (IS_ERR(w))
		return PTR_ERR(w);
	/* No queue has a worker yet: nothing to wait for. */
	for (i = 0; i < dev->nvqs; i++)
		vhh_vq_attach_worker(dev->vqs[i], w);
	return 0;
}

void vhh_worker_stop(struct vhh_dev *dev)
{
	struct vhh_worker *w;
	unsigned long id;
	int i;

	if (!dev->nworkers)
		return;
	/* New queue/flush calls see no worker from here on ... */
	for (i = 0; i < dev->nvqs; i++)
		RCU_INIT_POINTER(dev->vqs[i]->worker, NULL);
	/* ... and those that saw one have queued their work: it runs below. */
	synchronize_rcu();
	xa_for_each(&dev->workers, id, w)
		vhh_worker_destroy(dev, w);
}

/*
 * The worker ioctls of 6.12's vhost (same numbers, layouts and errnos):
 * -EINVAL without a worker model or an owner, -EPERM for a non-owner,
 * -ENOBUFS for a queue index out of range, -ENODEV for an unknown worker
 * id, -EBUSY to free a worker that still serves a queue.  Ours only:
 * NEW_WORKER's -ENOSPC (one worker per queue) and -EAGAIN
 * (max_extra_workers), and a worker whose id cannot be copied out is
 * stopped again (6.12 keeps it until release).
 */
long vhh_worker_ioctl(struct vhh_dev *dev, unsigned int ioctl,
		      void __user *argp)
{
	struct vhost_vring_worker ring_worker;
	struct vhost_worker_state state;
	struct vhh_worker *w;
	struct vhh_vq *vq;
	long r;

	if (!dev->use_worker || !vhh_dev_has_owner(dev))
		return -EINVAL;
	r = vhh_dev_check_owner(dev);
	if (r)
		return r;

	switch (ioctl) {
	case VHOST_NEW_WORKER:
		w = vhh_worker_create(dev, true);
		if (IS_ERR(w))
			return PTR_ERR(w);
		state.worker_id = w->id;
		if (copy_to_user(argp, &state, sizeof(state))) {
			vhh_worker_destroy(dev, w);
			return -EFAULT;
		}
		return 0;
	case VHOST_FREE_WORKER:
		if (copy_from_user(&state, argp, sizeof(state)))
			return -EFAULT;
		w = xa_load(&dev->workers, state.worker_id);
		if (!w)
			return -ENODEV;
		if (w->attached)
			return -EBUSY;
		/* A waker may still hold it from before an idle detach. */
		synchronize_rcu();
		vhh_worker_destroy(dev, w);
		return 0;
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		break;
	default:
		return -ENOIOCTLCMD;
	}

	if (copy_from_user(&ring_worker, argp, sizeof(ring_worker)))
		return -EFAULT;
	vq = vhh_dev_vq(dev, ring_worker.index);
	if (!vq)
		return -ENOBUFS;
	if (ioctl == VHOST_ATTACH_VRING_WORKER) {
		w = xa_load(&dev->workers, ring_worker.worker_id);
		if (!w)
			return -ENODEV;
		vhh_vq_attach_worker(vq, w);
		return 0;
	}
	mutex_lock(&vq->mutex);
	w = rcu_dereference_protected(vq->worker,
				      lockdep_is_held(&vq->mutex));
	if (w)
		ring_worker.worker_id = w->id;
	mutex_unlock(&vq->mutex);
	if (!w)
		return -EINVAL;
	if (copy_to_user(argp, &ring_worker, sizeof(ring_worker)))
		return -EFAULT;
	return 0;
}
VHH_EXPORT(vhh_worker_ioctl);
