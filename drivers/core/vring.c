// SPDX-License-Identifier: GPL-2.0
/*
 * Per-virtqueue ioctls: ring size, addresses and base, the kick, call and
 * error eventfds, busyloop timeout and (unsupported, as on Debian's 6.1)
 * legacy cross-endian mode.
 *
 * Hardening over 6.1: ring addresses are checked for alignment (including
 * the descriptor table's 16 bytes), wrap and overlap with the used ring
 * (SPDK threats #1, #5), and reconfiguring a queue clears its broken state.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <vhh/checks.h>

#include "ctl.h"

/* Ring geometry or position changed: a broken queue gets a fresh start. */
static void vhh_vq_reconfigured(struct vhh_vq *vq)
{
	vq->broken = false;
	/* Cached translations belong to the old addresses and size. */
	vhh_vq_meta_reset(vq);
}

static long vhh_vring_set_num(struct vhh_vq *vq, void __user *argp)
{
	struct vhost_vring_state s;

	/* Resizing a ring the backend is using: refused. */
	if (vq->private_data)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (!vhh_vring_num_valid(s.num))
		return -EINVAL;
	vq->num = s.num;
	vhh_vq_reconfigured(vq);
	return 0;
}

/* Install ring addresses (and used-ring logging) into @vq. */
static void vhh_vq_set_rings(struct vhh_vq *vq, u64 desc, u64 avail, u64 used,
			     bool log_used, u64 log_addr)
{
	vq->desc = (void __user *)(unsigned long)desc;
	vq->avail = (void __user *)(unsigned long)avail;
	vq->used = (void __user *)(unsigned long)used;
	vq->log_used = log_used;
	vq->log_addr = log_addr;
}

static long vhh_vring_set_addr(struct vhh_vq *vq, void __user *argp)
{
	struct vhost_vring_addr a;
	u64 desc, avail, used, log_addr;
	bool log, log_used;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(0x1 << VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	/* The addresses must fit a pointer. */
	if ((u64)(unsigned long)a.desc_user_addr != a.desc_user_addr ||
	    (u64)(unsigned long)a.avail_user_addr != a.avail_user_addr ||
	    (u64)(unsigned long)a.used_user_addr != a.used_user_addr)
		return -EFAULT;
	if (vhh_check_ring_addrs(a.desc_user_addr, a.avail_user_addr,
				 a.used_user_addr, vq->num,
				 vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX)))
		return -EINVAL;
	if (a.log_guest_addr & (VRING_USED_ALIGN_SIZE - 1))
		return -EINVAL;
	log = a.flags & (0x1 << VHOST_VRING_F_LOG);

	/*
	 * Without a backend the size or the IOTLB may still change: the
	 * access checks are done when a backend makes the ring live.  With
	 * one, the new rings must pass them now.
	 */
	if (vq->private_data) {
		desc = (unsigned long)vq->desc;
		avail = (unsigned long)vq->avail;
		used = (unsigned long)vq->used;
		log_used = vq->log_used;
		log_addr = vq->log_addr;
		vhh_vq_set_rings(vq, a.desc_user_addr, a.avail_user_addr,
				 a.used_user_addr, log, a.log_guest_addr);
		if (!vhh_vq_access_ok(vq)) {
			vhh_vq_set_rings(vq, desc, avail, used, log_used,
					 log_addr);
			return -EINVAL;
		}
	}

	vhh_vq_set_rings(vq, a.desc_user_addr, a.avail_user_addr,
			 a.used_user_addr, log, a.log_guest_addr);
	vhh_vq_reconfigured(vq);
	return 0;
}

static long vhh_vring_set_base(struct vhh_vq *vq, void __user *argp)
{
	struct vhost_vring_state s;

	/* Moving the position under a running backend: refused. */
	if (vq->private_data)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	/* Split rings only: the base is a 16-bit index. */
	if (s.num > 0xffff)
		return -EINVAL;
	vq->last_avail_idx = s.num;
	/* Forget the cached avail index. */
	vq->avail_idx = vq->last_avail_idx;
	vhh_vq_reconfigured(vq);
	return 0;
}

static long vhh_vring_get_state(u32 idx, u32 num, void __user *argp)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/*
 * Replace the kick eventfd.  The old file is returned in @old for the
 * caller to put after dropping the queue mutex; polling moves to the new
 * one.  Sets *@stopped when the old poll was stopped (flush needed).
 */
static long vhh_vring_set_kick(struct vhh_vq *vq, void __user *argp,
			       struct file **old, bool *stopped)
{
	struct vhost_vring_file f;
	struct file *eventfp;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	eventfp = f.fd == VHOST_FILE_UNBIND ? NULL : eventfd_fget(f.fd);
	if (IS_ERR(eventfp))
		return PTR_ERR(eventfp);
	if (eventfp == vq->kick) {
		/* Same file: drop the extra reference only. */
		*old = eventfp;
		return 0;
	}
	if (vq->kick && vq->handle_kick) {
		vhh_poll_stop(&vq->poll);
		*stopped = true;
	}
	*old = vq->kick;
	vq->kick = eventfp;
	if (eventfp && vq->handle_kick)
		return vhh_poll_start(&vq->poll, eventfp);
	return 0;
}

/*
 * Replace the call or error eventfd.  Signals are sent under the queue
 * mutex we hold, so after the swap nobody uses the old context; it is
 * returned in @old and put by the caller.
 */
static long vhh_vring_set_ctx(struct eventfd_ctx **slot, void __user *argp,
			      struct eventfd_ctx **old)
{
	struct vhost_vring_file f;
	struct eventfd_ctx *ctx;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	ctx = f.fd == VHOST_FILE_UNBIND ? NULL : eventfd_ctx_fdget(f.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	*old = *slot;
	*slot = ctx;
	return 0;
}

long vhh_vring_ioctl(struct vhh_dev *d, unsigned int ioctl,
		     void __user *argp)
{
	struct eventfd_ctx *old_ctx = NULL;
	struct file *old_kick = NULL;
	bool stopped = false;
	struct vhost_vring_state s;
	struct vhh_vq *vq;
	u32 idx;
	long r;

	r = get_user(idx, (u32 __user *)argp);
	if (r < 0)
		return r;
	vq = vhh_dev_vq(d, idx);
	if (!vq)
		return -ENOBUFS;

	mutex_lock(&vq->mutex);
	switch (ioctl) {
	case VHOST_SET_VRING_NUM:
		r = vhh_vring_set_num(vq, argp);
		break;
	case VHOST_SET_VRING_ADDR:
		r = vhh_vring_set_addr(vq, argp);
		break;
	case VHOST_SET_VRING_BASE:
		r = vhh_vring_set_base(vq, argp);
		break;
	case VHOST_GET_VRING_BASE:
		r = vhh_vring_get_state(idx, vq->last_avail_idx, argp);
		break;
	case VHOST_SET_VRING_KICK:
		r = vhh_vring_set_kick(vq, argp, &old_kick, &stopped);
		break;
	case VHOST_SET_VRING_CALL:
		r = vhh_vring_set_ctx(&vq->call_ctx, argp, &old_ctx);
		break;
	case VHOST_SET_VRING_ERR:
		r = vhh_vring_set_ctx(&vq->error_ctx, argp, &old_ctx);
		break;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		if (copy_from_user(&s, argp, sizeof(s))) {
			r = -EFAULT;
			break;
		}
		vq->busyloop_timeout = s.num;
		break;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		r = vhh_vring_get_state(idx, vq->busyloop_timeout, argp);
		break;
	case VHOST_SET_VRING_ENDIAN:
	case VHOST_GET_VRING_ENDIAN:
		/* Debian's 6.1 has no CONFIG_VHOST_CROSS_ENDIAN_LEGACY. */
	default:
		r = -ENOIOCTLCMD;
		break;
	}
	mutex_unlock(&vq->mutex);

	if (old_ctx)
		eventfd_ctx_put(old_ctx);
	if (old_kick)
		fput(old_kick);
	/* A handler started by the old kick may still be running. */
	if (stopped)
		vhh_dev_flush(d);
	return r;
}
VHH_EXPORT(vhh_vring_ioctl);
