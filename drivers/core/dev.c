// SPDX-License-Identifier: GPL-2.0
/*
 * Device lifecycle (init, owner, reset, cleanup) and the device-wide
 * ioctls: SET_OWNER, RESET_OWNER, SET_MEM_TABLE, SET_LOG_BASE, SET_LOG_FD.
 *
 * Hardening over 6.1 (seed vhost.c-0002): every memory region is checked
 * when the table is set, not only once a ring is live: no empty or
 * wrapping range, no overlapping guest ranges, user addresses only.  A
 * table, log base or log eventfd is swapped in under every queue mutex,
 * all or nothing.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <vhh/checks.h>

#include "ctl.h"

/*
 * Caller holds dev->mutex.  Devices may have more queues than lockdep has
 * subclasses (vhost-scsi: 128), so the device mutex is the nest lock.
 */
void vhh_dev_lock_vqs(struct vhh_dev *dev)
{
	int i;

	for (i = 0; i < dev->nvqs; ++i)
		mutex_lock_nest_lock(&dev->vqs[i]->mutex, &dev->mutex);
}

void vhh_dev_unlock_vqs(struct vhh_dev *dev)
{
	int i;

	for (i = 0; i < dev->nvqs; ++i)
		mutex_unlock(&dev->vqs[i]->mutex);
}

/*
 * No ring addresses (and no used-ring logging or cached translations for
 * them): the queue idles until SET_VRING_ADDR.
 */
static void vhh_vq_forget_rings(struct vhh_vq *vq)
{
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->log_used = false;
	vq->log_addr = -1ull;
	vhh_vq_meta_reset(vq);
}

/* Back to the state of a freshly initialised queue (references dropped). */
static void vhh_vq_reset(struct vhh_vq *vq)
{
	vq->num = 1;
	vq->last_avail_idx = 0;
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	vq->used_flags = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->broken = false;
	vq->private_data = NULL;
	vq->acked_features = 0;
	vq->acked_backend_features = 0;
	vq->log_base = NULL;
	vq->kick = NULL;
	vq->call_ctx = NULL;
	vq->error_ctx = NULL;
	vq->log_ctx = NULL;
	/* No VERSION_1 yet: legacy native endian (no cross-endian support). */
	vq->is_le = virtio_legacy_is_little_endian();
	vq->busyloop_timeout = 0;
	vq->umem = NULL;
	vq->iotlb = NULL;
	vhh_vq_forget_rings(vq);
}

/* Drop the eventfds a queue holds and reset it. */
static void vhh_vq_release(struct vhh_vq *vq)
{
	if (vq->kick && vq->handle_kick)
		vhh_poll_stop(&vq->poll);
	if (vq->kick)
		fput(vq->kick);
	if (vq->call_ctx)
		eventfd_ctx_put(vq->call_ctx);
	if (vq->error_ctx)
		eventfd_ctx_put(vq->error_ctx);
	vhh_vq_reset(vq);
}

static void vhh_vq_free_iovecs(struct vhh_vq *vq)
{
	kfree(vq->indirect);
	vq->indirect = NULL;
	kfree(vq->log);
	vq->log = NULL;
	kfree(vq->heads);
	vq->heads = NULL;
}

/* Per-queue scratch arrays, allocated once per owner, not per request. */
static int vhh_dev_alloc_iovecs(struct vhh_dev *dev)
{
	struct vhh_vq *vq;
	int i;

	for (i = 0; i < dev->nvqs; ++i) {
		vq = dev->vqs[i];
		vq->indirect = kmalloc_array(VHH_IOV_MAX, sizeof(*vq->indirect),
					     GFP_KERNEL_ACCOUNT);
		vq->log = kmalloc_array(VHH_IOV_MAX, sizeof(*vq->log),
					GFP_KERNEL_ACCOUNT);
		vq->heads = kmalloc_array(VHH_IOV_MAX, sizeof(*vq->heads),
					  GFP_KERNEL_ACCOUNT);
		if (!vq->indirect || !vq->log || !vq->heads)
			goto err;
	}
	return 0;
err:
	for (; i >= 0; --i)
		vhh_vq_free_iovecs(dev->vqs[i]);
	return -ENOMEM;
}

void vhh_dev_init(struct vhh_dev *dev, struct vhh_vq **vqs, int nvqs,
		  int iov_limit, int weight, int byte_weight, bool use_worker,
		  int (*msg_handler)(struct vhh_dev *dev, u32 asid,
				     struct vhost_iotlb_msg *msg))
{
	struct vhh_vq *vq;
	int i;

	dev->vqs = vqs;
	dev->nvqs = nvqs;
	mutex_init(&dev->mutex);
	dev->log_ctx = NULL;
	dev->umem = NULL;
	dev->iotlb = NULL;
	dev->mm = NULL;
	xa_init_flags(&dev->workers, XA_FLAGS_ALLOC);
	dev->nworkers = 0;
	dev->iov_limit = iov_limit;
	dev->weight = weight;
	dev->byte_weight = byte_weight;
	dev->use_worker = use_worker;
	dev->fork_owner = vhh_fork_from_owner_default;
	dev->msg_handler = msg_handler;
	init_waitqueue_head(&dev->wait);
	INIT_LIST_HEAD(&dev->read_list);
	INIT_LIST_HEAD(&dev->pending_list);
	spin_lock_init(&dev->iotlb_lock);

	for (i = 0; i < nvqs; ++i) {
		vq = vqs[i];
		vq->indirect = NULL;
		vq->log = NULL;
		vq->heads = NULL;
		vq->dev = dev;
		mutex_init(&vq->mutex);
		RCU_INIT_POINTER(vq->worker, NULL);
		vq->walk_left = VHH_WALK_BUDGET;
		vhh_vq_reset(vq);
		if (vq->handle_kick)
			vhh_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, vq);
	}
}
VHH_EXPORT(vhh_dev_init);

long vhh_dev_check_owner(struct vhh_dev *dev)
{
	return dev->mm == current->mm ? 0 : -EPERM;
}
VHH_EXPORT(vhh_dev_check_owner);

bool vhh_dev_has_owner(struct vhh_dev *dev)
{
	return dev->mm;
}
VHH_EXPORT(vhh_dev_has_owner);

static int vhh_attach_mm(struct vhh_dev *dev)
{
	if (!current->mm)
		return -EINVAL;
	if (dev->use_worker) {
		/* The worker runs in this mm: keep the address space alive. */
		dev->mm = get_task_mm(current);
		if (!dev->mm)
			return -EINVAL;
	} else {
		dev->mm = current->mm;
		mmgrab(dev->mm);
	}
	return 0;
}

static void vhh_detach_mm(struct vhh_dev *dev)
{
	if (!dev->mm)
		return;
	if (dev->use_worker)
		mmput(dev->mm);
	else
		mmdrop(dev->mm);
	dev->mm = NULL;
}

long vhh_dev_set_owner(struct vhh_dev *dev)
{
	int err;

	if (vhh_dev_has_owner(dev))
		return -EBUSY;
	err = vhh_attach_mm(dev);
	if (err)
		return err;
	if (dev->use_worker) {
		err = vhh_worker_start(dev);
		if (err)
			goto err_mm;
	}
	err = vhh_dev_alloc_iovecs(dev);
	if (err)
		goto err_worker;
	return 0;

err_worker:
	vhh_worker_stop(dev);
err_mm:
	vhh_detach_mm(dev);
	return err;
}
VHH_EXPORT(vhh_dev_set_owner);

/* The memory table: a fixed set of disjoint regions, never retired. */
static struct vhh_iotlb *vhh_umem_alloc(unsigned int limit)
{
	return vhh_iotlb_alloc(limit, VHH_IOTLB_NO_OVERLAP);
}

struct vhh_iotlb *vhh_dev_reset_owner_prepare(void)
{
	return vhh_umem_alloc(vhh_max_mem_regions);
}
VHH_EXPORT(vhh_dev_reset_owner_prepare);

void vhh_dev_reset_owner(struct vhh_dev *dev, struct vhh_iotlb *umem)
{
	int i;

	vhh_dev_cleanup(dev);
	/* The worker is gone and no queue is polled: no locks needed. */
	dev->fork_owner = vhh_fork_from_owner_default;
	dev->umem = umem;
	for (i = 0; i < dev->nvqs; ++i)
		dev->vqs[i]->umem = umem;
}
VHH_EXPORT(vhh_dev_reset_owner);

void vhh_dev_stop(struct vhh_dev *dev)
{
	int i;

	for (i = 0; i < dev->nvqs; ++i) {
		if (dev->vqs[i]->kick && dev->vqs[i]->handle_kick)
			vhh_poll_stop(&dev->vqs[i]->poll);
	}
	vhh_dev_flush(dev);
}
VHH_EXPORT(vhh_dev_stop);

void vhh_dev_cleanup(struct vhh_dev *dev)
{
	int i;

	/* No wakeup may queue work once the worker is gone. */
	for (i = 0; i < dev->nvqs; ++i) {
		if (dev->vqs[i]->kick && dev->vqs[i]->handle_kick)
			vhh_poll_stop(&dev->vqs[i]->poll);
	}
	/* Runs what is still queued before anything below is freed. */
	vhh_worker_stop(dev);

	for (i = 0; i < dev->nvqs; ++i)
		vhh_vq_release(dev->vqs[i]);
	for (i = 0; i < dev->nvqs; ++i)
		vhh_vq_free_iovecs(dev->vqs[i]);
	if (dev->log_ctx)
		eventfd_ctx_put(dev->log_ctx);
	dev->log_ctx = NULL;
	vhh_iotlb_free(dev->umem);
	dev->umem = NULL;
	vhh_iotlb_free(dev->iotlb);
	dev->iotlb = NULL;
	vhh_clear_msg(dev);
	/* Blocked readers see no IOTLB now and return. */
	wake_up_interruptible_poll(&dev->wait, EPOLLIN | EPOLLRDNORM);
	vhh_detach_mm(dev);
}
VHH_EXPORT(vhh_dev_cleanup);

/*
 * QEMU (vhost_kernel_memslots_limit()) and DPDK size their memory tables by
 * the in-tree vhost module's max_mem_regions, which an administrator may
 * raise for memory hot-plug.  Read that file the way the client did, in the
 * caller's own mount namespace, so we accept whatever it was told; 0 when
 * vhost.ko is not loaded or the file is not visible (the client then falls
 * back to 64, which our own limit covers).  Only called for tables larger
 * than our own limit.
 */
#define VHH_INTREE_REGIONS "/sys/module/vhost/parameters/max_mem_regions"

static unsigned int vhh_intree_max_mem_regions(void)
{
	char buf[8] = {};
	struct file *f;
	loff_t pos = 0;
	unsigned int v;
	ssize_t n;

	f = filp_open(VHH_INTREE_REGIONS, O_RDONLY, 0);
	if (IS_ERR(f))
		return 0;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0 || kstrtouint(strim(buf), 10, &v))
		return 0;
	/* The in-tree parameter is a ushort: never more than that. */
	return min_t(unsigned int, v, USHRT_MAX);
}

static unsigned int vhh_mem_regions_limit(u32 nregions)
{
	if (nregions <= vhh_max_mem_regions)
		return vhh_max_mem_regions;
	return max_t(unsigned int, vhh_max_mem_regions,
		     vhh_intree_max_mem_regions());
}

/* Build the table of @nregions regions; all checks happen here. */
static int vhh_build_umem(const struct vhost_memory_region *regions,
			  u32 nregions, unsigned int limit,
			  struct vhh_iotlb **out)
{
	const struct vhost_memory_region *r;
	struct vhh_iotlb *umem;
	u32 i;
	int err;

	umem = vhh_umem_alloc(limit);
	if (!umem)
		return -ENOMEM;
	for (i = 0; i < nregions; i++) {
		r = &regions[i];
		err = vhh_check_region(r->guest_phys_addr, r->memory_size,
				       r->userspace_addr);
		if (err)
			goto err;
		if ((u64)(unsigned long)r->userspace_addr != r->userspace_addr ||
		    !access_ok((void __user *)(unsigned long)r->userspace_addr,
			       r->memory_size)) {
			err = -EFAULT;
			goto err;
		}
		err = vhh_iotlb_add(umem, r->guest_phys_addr,
				    r->guest_phys_addr + r->memory_size - 1,
				    r->userspace_addr, VHH_PERM_RW);
		if (err == -EEXIST)
			err = -EINVAL;	/* overlapping guest ranges */
		if (err)
			goto err;
	}
	*out = umem;
	return 0;
err:
	vhh_iotlb_free(umem);
	return err;
}

static long vhh_set_mem_table(struct vhh_dev *d, struct vhost_memory __user *m)
{
	struct vhost_memory_region *regions = NULL;
	struct vhh_iotlb *umem, *old;
	struct vhost_memory mem;
	unsigned int limit;
	long r = 0;
	int i;

	if (copy_from_user(&mem, m, offsetof(struct vhost_memory, regions)))
		return -EFAULT;
	if (mem.padding)
		return -EOPNOTSUPP;
	/* Before any allocation sized by the client. */
	limit = vhh_mem_regions_limit(mem.nregions);
	if (mem.nregions > limit)
		return -E2BIG;
	if (mem.nregions) {
		regions = vmemdup_user(m->regions,
				       array_size(mem.nregions,
						  sizeof(*regions)));
		if (IS_ERR(regions))
			return PTR_ERR(regions);
	}
	r = vhh_build_umem(regions, mem.nregions, limit, &umem);
	kvfree(regions);
	if (r)
		return r;

	vhh_dev_lock_vqs(d);
	/*
	 * A live ring must stay reachable (and loggable) through the new
	 * table; a queue that never had rings has none to check.
	 */
	for (i = 0; i < d->nvqs; ++i) {
		struct vhh_vq *vq = d->vqs[i];
		struct vhh_iotlb *cur = vq->umem;
		bool ok;

		if (!vq->private_data || !vhh_vq_has_rings(vq))
			continue;
		vq->umem = umem;
		ok = vhh_vq_access_ok(vq);
		vq->umem = cur;
		if (!ok) {
			r = -EFAULT;
			break;
		}
	}
	if (!r) {
		old = d->umem;
		d->umem = umem;
		for (i = 0; i < d->nvqs; ++i) {
			d->vqs[i]->umem = umem;
			vhh_vq_meta_reset(d->vqs[i]);
		}
		umem = old;
	}
	vhh_dev_unlock_vqs(d);
	/* Either the refused new table or the replaced old one. */
	vhh_iotlb_free(umem);
	return r;
}

static long vhh_set_log_base(struct vhh_dev *d, u64 __user *argp)
{
	void __user *base;
	long r = 0;
	u64 p;
	int i;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if ((u64)(unsigned long)p != p)
		return -EFAULT;
	base = (void __user *)(unsigned long)p;

	vhh_dev_lock_vqs(d);
	/*
	 * Inactive rings are checked when a backend makes them live; a queue
	 * that never had rings has nothing to log.
	 */
	for (i = 0; i < d->nvqs; ++i) {
		struct vhh_vq *vq = d->vqs[i];
		void __user *cur = vq->log_base;
		bool ok;

		if (!vq->private_data || !vhh_vq_has_rings(vq))
			continue;
		vq->log_base = base;
		ok = vhh_vq_access_ok(vq);
		vq->log_base = cur;
		if (!ok) {
			r = -EFAULT;
			break;
		}
	}
	if (!r) {
		for (i = 0; i < d->nvqs; ++i)
			d->vqs[i]->log_base = base;
	}
	vhh_dev_unlock_vqs(d);
	return r;
}

static long vhh_set_log_fd(struct vhh_dev *d, int __user *argp)
{
	struct eventfd_ctx *ctx;
	long r;
	int fd, i;

	r = get_user(fd, argp);
	if (r < 0)
		return r;
	ctx = fd == VHOST_FILE_UNBIND ? NULL : eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	vhh_dev_lock_vqs(d);
	swap(ctx, d->log_ctx);
	for (i = 0; i < d->nvqs; ++i)
		d->vqs[i]->log_ctx = d->log_ctx;
	vhh_dev_unlock_vqs(d);
	/* No queue can signal the old one any more. */
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/*
 * Drivers with backends handle RESET_OWNER themselves (they must detach
 * the backends first); this is the generic path for a device without any.
 */
static long vhh_reset_owner_ioctl(struct vhh_dev *d)
{
	struct vhh_iotlb *umem;
	int i;

	for (i = 0; i < d->nvqs; ++i) {
		if (d->vqs[i]->private_data)
			return -EBUSY;
	}
	umem = vhh_dev_reset_owner_prepare();
	if (!umem)
		return -ENOMEM;
	vhh_dev_stop(d);
	vhh_dev_reset_owner(d, umem);
	return 0;
}

/*
 * 6.12's worker-mode ioctls, which work without being the owner: kernel
 * threads (VHOST_FORK_OWNER_KTHREAD, what clients such as VPP ask for) or
 * threads of the owner (TASK, the default where the kernel has vhost_task).
 * Without vhost_task (6.1) TASK is refused with EINVAL, as 6.12 refuses a
 * mode it does not know.
 */
static long vhh_fork_owner_ioctl(struct vhh_dev *d, unsigned int ioctl,
				 void __user *argp)
{
	u8 mode;

	if (ioctl == VHOST_GET_FORK_FROM_OWNER)
		return put_user((u8)d->fork_owner, (u8 __user *)argp);
	if (vhh_dev_has_owner(d))
		return -EBUSY;
	if (get_user(mode, (u8 __user *)argp))
		return -EFAULT;
	if (mode != VHOST_FORK_OWNER_KTHREAD &&
	    !(mode == VHOST_FORK_OWNER_TASK && VHH_TASK_WORKERS))
		return -EINVAL;
	d->fork_owner = mode == VHOST_FORK_OWNER_TASK;
	return 0;
}

long vhh_dev_ioctl(struct vhh_dev *d, unsigned int ioctl, void __user *argp)
{
	long r;

	if (ioctl == VHOST_SET_OWNER)
		return vhh_dev_set_owner(d);
	if (ioctl == VHOST_SET_FORK_FROM_OWNER ||
	    ioctl == VHOST_GET_FORK_FROM_OWNER)
		return vhh_fork_owner_ioctl(d, ioctl, argp);

	/* Everything else, including the vring ioctls, needs the owner. */
	r = vhh_dev_check_owner(d);
	if (r)
		return r;

	switch (ioctl) {
	case VHOST_RESET_OWNER:
		return vhh_reset_owner_ioctl(d);
	case VHOST_SET_MEM_TABLE:
		return vhh_set_mem_table(d, argp);
	case VHOST_SET_LOG_BASE:
		return vhh_set_log_base(d, argp);
	case VHOST_SET_LOG_FD:
		return vhh_set_log_fd(d, argp);
	default:
		return -ENOIOCTLCMD;
	}
}
VHH_EXPORT(vhh_dev_ioctl);

int vhh_init_device_iotlb(struct vhh_dev *d, bool enabled)
{
	struct vhh_iotlb *niotlb = NULL, *oiotlb = d->iotlb;
	struct vhh_vq *vq;
	int i;

	if (!enabled && !oiotlb)
		return 0;
	if (enabled) {
		if (vhh_max_iotlb_entries <= 0)
			return -EINVAL;
		/* A bounded cache: the oldest entry goes when it is full. */
		niotlb = vhh_iotlb_alloc(vhh_max_iotlb_entries,
					 VHH_IOTLB_RETIRE);
		if (!niotlb)
			return -ENOMEM;
	}

	vhh_dev_lock_vqs(d);
	d->iotlb = niotlb;
	for (i = 0; i < d->nvqs; ++i) {
		vq = d->vqs[i];
		vq->iotlb = niotlb;
		/*
		 * Switching between user addresses and IOVAs: ring addresses
		 * given for one are meaningless in the other (a stale IOVA
		 * read as a user address escapes every check made for it).
		 * The queue idles until SET_VRING_ADDR, as in 6.12.
		 */
		if (!oiotlb || !niotlb)
			vhh_vq_forget_rings(vq);
		else
			vhh_vq_meta_reset(vq);
	}
	vhh_dev_unlock_vqs(d);
	vhh_iotlb_free(oiotlb);
	if (!niotlb) {
		/* No IOTLB: stale misses are moot, blocked readers return. */
		vhh_clear_msg(d);
		wake_up_interruptible_poll(&d->wait, EPOLLIN | EPOLLRDNORM);
	}
	return 0;
}
VHH_EXPORT(vhh_init_device_iotlb);

void vhh_set_backend_features(struct vhh_dev *dev, u64 features)
{
	int i;

	mutex_lock(&dev->mutex);
	vhh_dev_lock_vqs(dev);
	for (i = 0; i < dev->nvqs; ++i)
		dev->vqs[i]->acked_backend_features = features;
	vhh_dev_unlock_vqs(dev);
	mutex_unlock(&dev->mutex);
}
VHH_EXPORT(vhh_set_backend_features);
