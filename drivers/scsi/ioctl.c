// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi ioctls: the endpoint (which LIO target port this device
 * serves), feature negotiation, the events-missed flag, and dispatch of
 * the device and vring ioctls to the core.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vhs.h"

/* 6.1's set plus ACCESS_PLATFORM: the core translates through its IOTLB. */
#define VHS_FEATURES (VHH_FEATURES |				\
		      (1ULL << VIRTIO_SCSI_F_HOTPLUG) |		\
		      (1ULL << VIRTIO_SCSI_F_T10_PI) |		\
		      (1ULL << VIRTIO_F_ACCESS_PLATFORM))

/*
 * The rings of every configured queue are accessible.  A queue never given
 * rings is skipped: a guest may use fewer request queues than offered
 * (6.1 passes them through its access_ok(NULL, 0)).
 */
static bool vhs_vqs_access_ok(struct vhs_dev *vhs)
{
	int i;

	for (i = 0; i < vhs->nvqs; i++) {
		struct vhh_vq *vq = &vhs->vqs[i].vq;

		if (!vhh_vq_has_rings(vq))
			continue;
		if (!vhh_vq_access_ok(vq))
			return false;
	}
	return true;
}

/* Set or clear every queue's backend (the tpg table) and start queues. */
static void vhs_set_backends(struct vhs_dev *vhs, struct vhs_tpg **tpgs)
{
	int i;

	for (i = 0; i < vhs->nvqs; i++) {
		struct vhh_vq *vq = &vhs->vqs[i].vq;

		mutex_lock(&vq->mutex);
		vhh_vq_set_backend(vq, tpgs);
		if (tpgs && vhh_vq_is_setup(vq))
			vhh_vq_init_access(vq);
		mutex_unlock(&vq->mutex);
	}
}

/*
 * The tpgs of @wwpn with a nexus and no device, each with a reference (so
 * that target_depend_item() can be called on it with no lock of ours held).
 */
static int vhs_find_tpgs(const char *wwpn, struct vhs_tpg **found)
{
	struct vhs_tpg *tpg;
	int n = 0;

	mutex_lock(&vhs_tpgs_lock);
	list_for_each_entry(tpg, &vhs_tpgs, node) {
		mutex_lock(&tpg->mutex);
		if (tpg->nexus && !tpg->vhs && !found[tpg->tpgt] &&
		    !strcmp(tpg->tport->name, wwpn)) {
			kref_get(&tpg->kref);
			found[tpg->tpgt] = tpg;
			n++;
		}
		mutex_unlock(&tpg->mutex);
	}
	mutex_unlock(&vhs_tpgs_lock);
	return n;
}

static long vhs_set_endpoint(struct vhs_dev *vhs, struct vhost_scsi_target *t)
{
	struct vhs_tpg **tpgs;
	bool any = false;
	long r;
	int i;

	tpgs = kcalloc(VHS_MAX_TARGET, sizeof(*tpgs), GFP_KERNEL);
	if (!tpgs)
		return -ENOMEM;
	t->vhost_wwpn[sizeof(t->vhost_wwpn) - 1] = '\0';
	mutex_lock(&vhs->dev.mutex);
	r = -EFAULT;
	if (!vhs_vqs_access_ok(vhs))
		goto out;
	r = -EEXIST;
	if (vhs->tpgs)
		goto out;
	vhs_find_tpgs(t->vhost_wwpn, tpgs);
	for (i = 0; i < VHS_MAX_TARGET; i++) {
		struct vhs_tpg *tpg = tpgs[i];
		bool ok;

		if (!tpg)
			continue;
		/* Pin the tpg's configfs item: rmdir now fails with EBUSY. */
		ok = !target_depend_item(&tpg->se_tpg.tpg_group.cg_item);
		if (ok) {
			mutex_lock(&tpg->mutex);
			ok = tpg->nexus && !tpg->vhs && !tpg->dropped;
			if (ok)
				tpg->vhs = vhs;
			mutex_unlock(&tpg->mutex);
			if (!ok)
				target_undepend_item(&tpg->se_tpg.tpg_group.cg_item);
		}
		if (!ok) {
			tpgs[i] = NULL;
			vhs_tpg_put(tpg);
			continue;
		}
		any = true;
	}
	r = -ENODEV;
	if (!any)
		goto out;
	memcpy(vhs->wwpn, t->vhost_wwpn, sizeof(vhs->wwpn));
	vhs->tpgs = tpgs;
	tpgs = NULL;
	vhs_set_backends(vhs, vhs->tpgs);
	r = 0;
out:
	mutex_unlock(&vhs->dev.mutex);
	kfree(tpgs);
	return r;
}

/* Detach from every tpg and wait for all commands; dev.mutex held. */
static void vhs_detach(struct vhs_dev *vhs)
{
	struct vhs_tpg **tpgs = vhs->tpgs;
	int i;

	vhs_set_backends(vhs, NULL);
	/* Handlers that saw the old table are done after this. */
	vhh_dev_flush(&vhs->dev);
	/* Commands in LIO come back through the (still running) worker. */
	wait_event(vhs->inflight_wq, !atomic_read(&vhs->inflight));
	vhh_dev_flush(&vhs->dev);
	for (i = VHS_VQ_IO; i < vhs->nvqs; i++) {
		mutex_lock(&vhs->vqs[i].vq.mutex);
		vhs_free_cmds(&vhs->vqs[i]);
		mutex_unlock(&vhs->vqs[i].vq.mutex);
	}
	for (i = 0; i < VHS_MAX_TARGET; i++) {
		if (!tpgs[i])
			continue;
		/*
		 * Only now, with nothing of ours in LIO: while tpg->vhs is
		 * set the nexus cannot be dropped, and the worker used it
		 * until here.  Hot-plug events that came meanwhile were
		 * dropped by the worker (no backend).
		 */
		mutex_lock(&tpgs[i]->mutex);
		tpgs[i]->vhs = NULL;
		mutex_unlock(&tpgs[i]->mutex);
		target_undepend_item(&tpgs[i]->se_tpg.tpg_group.cg_item);
		vhs_tpg_put(tpgs[i]);
	}
	kfree(tpgs);
	vhs->tpgs = NULL;
	memset(vhs->wwpn, 0, sizeof(vhs->wwpn));
}

static long vhs_clear_endpoint(struct vhs_dev *vhs,
			       struct vhost_scsi_target *t)
{
	long r = 0;

	t->vhost_wwpn[sizeof(t->vhost_wwpn) - 1] = '\0';
	mutex_lock(&vhs->dev.mutex);
	if (!vhs_vqs_access_ok(vhs))
		r = -EFAULT;
	else if (vhs->tpgs && strcmp(vhs->wwpn, t->vhost_wwpn))
		r = -EINVAL;	/* another port's endpoint: refused, as 6.1 */
	else if (vhs->tpgs)
		vhs_detach(vhs);
	mutex_unlock(&vhs->dev.mutex);
	return r;
}

/* Release: whatever endpoint is set goes. */
void vhs_clear_endpoint_all(struct vhs_dev *vhs)
{
	mutex_lock(&vhs->dev.mutex);
	if (vhs->tpgs)
		vhs_detach(vhs);
	mutex_unlock(&vhs->dev.mutex);
}

static long vhs_set_features(struct vhs_dev *vhs, u64 features)
{
	long r = -EFAULT;
	int i;

	if (features & ~VHS_FEATURES)
		return -EOPNOTSUPP;
	mutex_lock(&vhs->dev.mutex);
	if ((features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !vhh_log_access_ok(&vhs->dev))
		goto out;
	/*
	 * Requests in flight were parsed with the features of their time:
	 * with an endpoint set only LOG_ALL may change (migration), as 7.2.
	 */
	r = -EBUSY;
	if (vhs->tpgs && ((features ^ vhs->vqs[0].vq.acked_features) &
			  ~(1ULL << VHOST_F_LOG_ALL)))
		goto out;
	r = -EFAULT;
	/* ACCESS_PLATFORM on: a fresh IOTLB; off: none (6.12 drops it). */
	if (vhh_init_device_iotlb(&vhs->dev,
				  features & (1ULL << VIRTIO_F_ACCESS_PLATFORM)))
		goto out;
	for (i = 0; i < vhs->nvqs; i++) {
		struct vhh_vq *vq = &vhs->vqs[i].vq;

		mutex_lock(&vq->mutex);
		vq->acked_features = features;
		mutex_unlock(&vq->mutex);
	}
	r = 0;
out:
	mutex_unlock(&vhs->dev.mutex);
	return r;
}

long vhs_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vhs_dev *vhs = f->private_data;
	void __user *argp = (void __user *)arg;
	u64 __user *featurep = argp;
	u32 __user *eventsp = argp;
	struct vhost_scsi_target t;
	int abi = VHOST_SCSI_ABI_VERSION;
	u64 features;
	u32 events;
	long r;

	switch (ioctl) {
	case VHOST_SCSI_SET_ENDPOINT:
	case VHOST_SCSI_CLEAR_ENDPOINT:
		if (copy_from_user(&t, argp, sizeof(t)))
			return -EFAULT;
		if (t.reserved)
			return -EOPNOTSUPP;
		return ioctl == VHOST_SCSI_SET_ENDPOINT ?
		       vhs_set_endpoint(vhs, &t) : vhs_clear_endpoint(vhs, &t);
	case VHOST_SCSI_GET_ABI_VERSION:
		return copy_to_user(argp, &abi, sizeof(abi)) ? -EFAULT : 0;
	case VHOST_SCSI_SET_EVENTS_MISSED:
		if (get_user(events, eventsp))
			return -EFAULT;
		if (events)
			set_bit(0, &vhs->events_missed);
		else
			clear_bit(0, &vhs->events_missed);
		return 0;
	case VHOST_SCSI_GET_EVENTS_MISSED:
		events = test_bit(0, &vhs->events_missed);
		return put_user(events, eventsp) ? -EFAULT : 0;
	case VHOST_GET_FEATURES:
		features = VHS_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		return vhs_set_features(vhs, features);
	case VHOST_GET_BACKEND_FEATURES:
		features = VHH_BACKEND_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~VHH_BACKEND_FEATURES)
			return -EOPNOTSUPP;
		vhh_set_backend_features(&vhs->dev, features);
		return 0;
	case VHOST_RESET_OWNER:
		/* Not a vhost-scsi ioctl in 6.1 either (ENOTTY). */
		return -ENOIOCTLCMD;
	case VHOST_NEW_WORKER:
	case VHOST_FREE_WORKER:
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		mutex_lock(&vhs->dev.mutex);
		r = vhh_worker_ioctl(&vhs->dev, ioctl, argp);
		mutex_unlock(&vhs->dev.mutex);
		return r;
	case VHOST_SET_OWNER:
		mutex_lock(&vhs->dev.mutex);
		r = vhh_dev_has_owner(&vhs->dev) ? -EBUSY :
		    vhh_dev_set_owner(&vhs->dev);
		mutex_unlock(&vhs->dev.mutex);
		return r;
	default:
		mutex_lock(&vhs->dev.mutex);
		r = vhh_dev_ioctl(&vhs->dev, ioctl, argp);
		if (r == -ENOIOCTLCMD)
			r = vhh_vring_ioctl(&vhs->dev, ioctl, argp);
		else
			vhh_dev_flush(&vhs->dev);
		mutex_unlock(&vhs->dev.mutex);
		return r;
	}
}
