// SPDX-License-Identifier: GPL-2.0
/*
 * Used ring and notifications of the hardened vhost core: publishing
 * completed heads (with dirty logging of the used ring), deciding whether
 * the guest wants an interrupt (event index, NO_INTERRUPT,
 * NOTIFY_ON_EMPTY) and turning guest kicks on and off.
 *
 * Callers hold vq->mutex, which is also what keeps vq->call_ctx stable
 * while it is signalled.
 */
#include <linux/module.h>

#include "ring.h"

/* Log a write to the used ring at @offset and tell userspace. */
static void vhh_used_logged(struct vhh_vq *vq, u64 offset, u64 len)
{
	/* The write must be visible before the log bit that announces it. */
	smp_wmb();
	vhh_log_used(vq, offset, len);
	vhh_log_signal(vq);
}

int vhh_update_used_flags(struct vhh_vq *vq)
{
	if (vhh_ring_put16(vq, vq->used_flags, &vq->used->flags))
		return -EFAULT;
	if (unlikely(vq->log_used))
		vhh_used_logged(vq, offsetof(struct vring_used, flags),
				sizeof(vq->used->flags));
	return 0;
}

static int vhh_update_avail_event(struct vhh_vq *vq)
{
	__virtio16 __user *ev = vhh_avail_event_ptr(vq);

	if (vhh_ring_put16(vq, vq->avail_idx, ev))
		return -EFAULT;
	if (unlikely(vq->log_used))
		vhh_used_logged(vq, (void __user *)ev - (void __user *)vq->used,
				sizeof(*ev));
	return 0;
}

/*
 * Without an IOTLB: two 4-byte stores per element (the used ring is only
 * 4-byte aligned) inside one user access section, which checks the range,
 * instead of a string copy of 8 bytes each.
 */
static int vhh_write_used(struct vhh_vq *vq, vring_used_elem_t __user *used,
			  const struct vring_used_elem *heads,
			  unsigned int count)
{
	unsigned int i;

	if (unlikely(vq->iotlb))
		return vhh_ring_write(vq, used, heads, count * sizeof(*used),
				      VHH_ADDR_USED);
	if (unlikely(!user_access_begin(used, count * sizeof(*used))))
		return -EFAULT;
	for (i = 0; i < count; i++) {
		unsafe_put_user(heads[i].id, &used[i].id, fault);
		unsafe_put_user(heads[i].len, &used[i].len, fault);
	}
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

/* Write @count elements at the current slot; they must not wrap. */
static int vhh_put_used(struct vhh_vq *vq, struct vring_used_elem *heads,
			unsigned int count)
{
	unsigned int start = vq->last_used_idx & (vq->num - 1);
	vring_used_elem_t __user *used = vq->used->ring + start;
	u16 old, new;

	if (vhh_write_used(vq, used, heads, count)) {
		vhh_vq_err(vq, "Failed to write used ring at %p\n", used);
		return vhh_vq_break(vq, -EFAULT);
	}
	if (unlikely(vq->log_used)) {
		/* Entries before the log bits that announce them. */
		smp_wmb();
		vhh_log_used(vq, (void __user *)used - (void __user *)vq->used,
			     count * sizeof(*used));
	}
	old = vq->last_used_idx;
	new = (vq->last_used_idx += count);
	/*
	 * A guest that never asks for an interrupt for 2^16 entries makes
	 * signalled_used meaningless: forget it rather than miss a signal.
	 */
	if (unlikely((u16)(new - vq->signalled_used) < (u16)(new - old)))
		vq->signalled_used_valid = false;
	return 0;
}

int vhh_add_used_n(struct vhh_vq *vq, struct vring_used_elem *heads,
		   unsigned int count)
{
	int r;

	/* Split at the end of the ring; any count stays inside it. */
	while (count) {
		unsigned int start = vq->last_used_idx & (vq->num - 1);
		unsigned int n = min(count, vq->num - start);

		r = vhh_put_used(vq, heads, n);
		if (r)
			return r;
		heads += n;
		count -= n;
	}

	/* The elements must be visible before the index that publishes them. */
	smp_wmb();
	if (vhh_ring_put16(vq, vq->last_used_idx, &vq->used->idx)) {
		vhh_vq_err(vq, "Failed to write used idx at %p\n",
			   &vq->used->idx);
		return vhh_vq_break(vq, -EFAULT);
	}
	if (unlikely(vq->log_used))
		vhh_used_logged(vq, offsetof(struct vring_used, idx),
				sizeof(vq->used->idx));
	return 0;
}
VHH_EXPORT(vhh_add_used_n);

int vhh_add_used(struct vhh_vq *vq, unsigned int head, int len)
{
	struct vring_used_elem e = {
		.id = cpu_to_vhh32(vq, head),
		.len = cpu_to_vhh32(vq, len),
	};

	return vhh_add_used_n(vq, &e, 1);
}
VHH_EXPORT(vhh_add_used);

/* Does the guest want an interrupt for what was just used? */
static bool vhh_notify(struct vhh_dev *dev, struct vhh_vq *vq)
{
	u16 old, new, event, flags;
	bool valid;

	/* Pairs with the barrier the guest uses when enabling interrupts. */
	smp_mb();

	if (vhh_has_feature(vq, VIRTIO_F_NOTIFY_ON_EMPTY) &&
	    unlikely(vq->avail_idx == vq->last_avail_idx))
		return true;

	if (!vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX)) {
		if (vhh_ring_get16(vq, &flags, &vq->avail->flags,
				   VHH_ADDR_AVAIL)) {
			vhh_vq_err(vq, "Failed to read avail flags\n");
			return true;
		}
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}

	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->signalled_used = vq->last_used_idx;
	vq->signalled_used_valid = true;
	if (unlikely(!valid))
		return true;

	if (vhh_ring_get16(vq, &event, vhh_used_event_ptr(vq),
			   VHH_ADDR_AVAIL)) {
		vhh_vq_err(vq, "Failed to read used event index\n");
		return true;
	}
	return vring_need_event(event, new, old);
}

void vhh_signal(struct vhh_dev *dev, struct vhh_vq *vq)
{
	struct eventfd_ctx *call = vq->call_ctx;

	if (call && vhh_notify(dev, vq))
		vhh_eventfd_signal(call);
}
VHH_EXPORT(vhh_signal);

void vhh_add_used_and_signal(struct vhh_dev *dev, struct vhh_vq *vq,
			     unsigned int id, int len)
{
	vhh_add_used(vq, id, len);
	vhh_signal(dev, vq);
}
VHH_EXPORT(vhh_add_used_and_signal);

void vhh_add_used_and_signal_n(struct vhh_dev *dev, struct vhh_vq *vq,
			       struct vring_used_elem *heads,
			       unsigned int count)
{
	vhh_add_used_n(vq, heads, count);
	vhh_signal(dev, vq);
}
VHH_EXPORT(vhh_add_used_and_signal_n);

bool vhh_enable_notify(struct vhh_dev *dev, struct vhh_vq *vq)
{
	int r;

	if (unlikely(vq->broken))
		return false;
	if (!(vq->used_flags & VRING_USED_F_NO_NOTIFY))
		return false;
	vq->used_flags &= ~VRING_USED_F_NO_NOTIFY;
	if (!vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX))
		r = vhh_update_used_flags(vq);
	else
		r = vhh_update_avail_event(vq);
	if (r) {
		vhh_vq_err(vq, "Failed to enable notification (%d)\n", r);
		return false;
	}
	/* The guest may have added buffers meanwhile: look again. */
	smp_mb();
	/*
	 * True only if avail->idx moved since we last read it, like 6.1: heads
	 * a driver discarded for lack of room must not count as new work.
	 */
	return vhh_fetch_avail_idx(vq) > 0;
}
VHH_EXPORT(vhh_enable_notify);

void vhh_disable_notify(struct vhh_dev *dev, struct vhh_vq *vq)
{
	if (vq->used_flags & VRING_USED_F_NO_NOTIFY)
		return;
	vq->used_flags |= VRING_USED_F_NO_NOTIFY;
	if (!vhh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX) &&
	    vhh_update_used_flags(vq))
		vhh_vq_err(vq, "Failed to disable notification\n");
}
VHH_EXPORT(vhh_disable_notify);
