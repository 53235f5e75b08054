// SPDX-License-Identifier: GPL-2.0
/*
 * The IOTLB message channel on the device fd: userspace writes UPDATE and
 * INVALIDATE messages (vhost_msg or vhost_msg_v2) and reads the MISS
 * messages queues raise when a ring or buffer address is not mapped.
 *
 * Hardening over 6.1 (seed vhost.c-0002): an UPDATE must have a non-empty,
 * non-wrapping IOVA and user range, a known permission and a user address.
 * An INVALIDATE of size 0 drops everything from its IOVA on, as in 6.1:
 * that is QEMU's invalidate-all, and dropping too much is safe.  Misses
 * are bounded: a queue has at most one unread and one read-but-unanswered
 * miss, so a guest cannot grow the message lists without limit.
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include <vhh/checks.h>

#include "ctl.h"

/* Reads and writes size both message formats alike. */
static_assert(sizeof(struct vhost_msg) == sizeof(struct vhost_msg_v2));

struct vhh_msg_node *vhh_new_msg(struct vhh_vq *vq, int type)
{
	/* Zeroed: the whole structure, padding included, goes to userspace. */
	struct vhh_msg_node *node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);

	if (!node)
		return NULL;
	node->vq = vq;
	node->msg.type = type;
	return node;
}

void vhh_enqueue_msg(struct vhh_dev *dev, struct list_head *head,
		     struct vhh_msg_node *node)
{
	spin_lock(&dev->iotlb_lock);
	list_add_tail(&node->node, head);
	spin_unlock(&dev->iotlb_lock);
	wake_up_interruptible_poll(&dev->wait, EPOLLIN | EPOLLRDNORM);
}

struct vhh_msg_node *vhh_dequeue_msg(struct vhh_dev *dev,
				     struct list_head *head)
{
	struct vhh_msg_node *node = NULL;

	spin_lock(&dev->iotlb_lock);
	if (!list_empty(head)) {
		node = list_first_entry(head, struct vhh_msg_node, node);
		list_del(&node->node);
	}
	spin_unlock(&dev->iotlb_lock);
	return node;
}

static struct vhost_iotlb_msg *vhh_msg_iotlb(struct vhh_msg_node *node)
{
	if (node->msg.type == VHOST_IOTLB_MSG_V2)
		return &node->msg_v2.iotlb;
	return &node->msg.iotlb;
}

/* The unread or pending miss of @vq on @head, if any (iotlb_lock held). */
static struct vhh_msg_node *vhh_find_miss(struct list_head *head,
					  struct vhh_vq *vq)
{
	struct vhh_msg_node *node;

	list_for_each_entry(node, head, node) {
		if (node->vq == vq &&
		    vhh_msg_iotlb(node)->type == VHOST_IOTLB_MISS)
			return node;
	}
	return NULL;
}

static void vhh_fill_miss(struct vhh_msg_node *node, bool v2, u64 iova,
			  int access)
{
	struct vhost_iotlb_msg *msg;

	memset(&node->msg_v2, 0, sizeof(node->msg_v2));
	if (v2) {
		node->msg_v2.type = VHOST_IOTLB_MSG_V2;
		msg = &node->msg_v2.iotlb;
	} else {
		node->msg.type = VHOST_IOTLB_MSG;
		msg = &node->msg.iotlb;
	}
	msg->type = VHOST_IOTLB_MISS;
	msg->iova = iova;
	msg->perm = access;
}

int vhh_iotlb_miss(struct vhh_vq *vq, u64 iova, int access)
{
	bool v2 = vhh_backend_has_feature(vq, VHOST_BACKEND_F_IOTLB_MSG_V2);
	struct vhh_dev *dev = vq->dev;
	struct vhh_msg_node *node;

	/*
	 * The queue stops at its first miss, so only its latest one matters:
	 * an unread miss of this queue is updated in place.
	 */
	spin_lock(&dev->iotlb_lock);
	node = vhh_find_miss(&dev->read_list, vq);
	if (node) {
		vhh_fill_miss(node, v2, iova, access);
		spin_unlock(&dev->iotlb_lock);
		wake_up_interruptible_poll(&dev->wait, EPOLLIN | EPOLLRDNORM);
		return 0;
	}
	spin_unlock(&dev->iotlb_lock);

	node = vhh_new_msg(vq, v2 ? VHOST_IOTLB_MSG_V2 : VHOST_IOTLB_MSG);
	if (!node)
		return -ENOMEM;
	vhh_fill_miss(node, v2, iova, access);
	vhh_enqueue_msg(dev, &dev->read_list, node);
	return 0;
}

static void vhh_drop_msgs(struct list_head *list, struct vhh_vq *vq)
{
	struct vhh_msg_node *node, *n;

	list_for_each_entry_safe(node, n, list, node) {
		if (vq && node->vq != vq)
			continue;
		list_del(&node->node);
		kfree(node);
	}
}

/*
 * Drop the IOTLB misses of @vq, read or not, or every queue's when @vq is
 * NULL.  A single queue's detach (VIRTIO_F_RING_RESET) must leave the
 * other queue's misses alone: that queue waits for their answers with its
 * notifications off, and nothing else would wake it.
 */
void vhh_clear_vq_msg(struct vhh_dev *dev, struct vhh_vq *vq)
{
	spin_lock(&dev->iotlb_lock);
	vhh_drop_msgs(&dev->read_list, vq);
	vhh_drop_msgs(&dev->pending_list, vq);
	spin_unlock(&dev->iotlb_lock);
}
VHH_EXPORT(vhh_clear_vq_msg);

void vhh_clear_msg(struct vhh_dev *dev)
{
	vhh_clear_vq_msg(dev, NULL);
}
VHH_EXPORT(vhh_clear_msg);

/*
 * [start, last] is now mapped: wake the queues whose miss it answers, read
 * or not yet read (an unread one would only make the client repeat it).
 */
static void vhh_iotlb_notify(struct vhh_dev *dev, u64 start, u64 last)
{
	struct list_head *lists[] = { &dev->pending_list, &dev->read_list };
	struct vhh_msg_node *node, *n;
	struct vhost_iotlb_msg *msg;
	LIST_HEAD(done);
	int i;

	spin_lock(&dev->iotlb_lock);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry_safe(node, n, lists[i], node) {
			msg = vhh_msg_iotlb(node);
			if (msg->type != VHOST_IOTLB_MISS ||
			    msg->iova < start || msg->iova > last)
				continue;
			if (node->vq->handle_kick)
				vhh_poll_queue(&node->vq->poll);
			list_move(&node->node, &done);
		}
	}
	spin_unlock(&dev->iotlb_lock);
	list_for_each_entry_safe(node, n, &done, node)
		kfree(node);
}

static bool vhh_perm_valid(u8 perm)
{
	return perm == VHOST_ACCESS_RO || perm == VHOST_ACCESS_WO ||
	       perm == VHOST_ACCESS_RW;
}

static int vhh_iotlb_update(struct vhh_dev *dev, struct vhost_iotlb_msg *msg)
{
	u64 last;
	int r, i;

	if (!vhh_perm_valid(msg->perm))
		return -EINVAL;
	if (vhh_check_region(msg->iova, msg->size, msg->uaddr))
		return -EINVAL;
	if ((u64)(unsigned long)msg->uaddr != msg->uaddr ||
	    !access_ok((void __user *)(unsigned long)msg->uaddr, msg->size))
		return -EINVAL;
	last = msg->iova + msg->size - 1;

	if (!dev->iotlb)
		return -EFAULT;
	/* Retiring an entry may free a map a queue has cached. */
	for (i = 0; i < dev->nvqs; ++i)
		vhh_vq_meta_reset(dev->vqs[i]);
	r = vhh_iotlb_add(dev->iotlb, msg->iova, last, msg->uaddr, msg->perm);
	if (r)
		return r;
	vhh_iotlb_notify(dev, msg->iova, last);
	return 0;
}

static int vhh_iotlb_invalidate(struct vhh_dev *dev,
				struct vhost_iotlb_msg *msg)
{
	u64 last;
	int i;

	/*
	 * Size 0 is how a client says 2^64 bytes: QEMU's vIOMMU sends a
	 * guest's device-IOTLB flush-all as INVALIDATE iova 0 size 0 (its
	 * addr_mask + 1 wraps) and only logs a refusal, so refusing it would
	 * keep every stale translation.  Dropping more than asked is always
	 * safe (a dropped entry is only asked for again): a zero or wrapping
	 * size invalidates up to the end of the IOVA space.
	 */
	if (!msg->size || !vhh_range_last(msg->iova, msg->size, &last))
		last = U64_MAX;
	if (!dev->iotlb)
		return -EFAULT;
	for (i = 0; i < dev->nvqs; ++i)
		vhh_vq_meta_reset(dev->vqs[i]);
	vhh_iotlb_del_range(dev->iotlb, msg->iova, last);
	return 0;
}

static int vhh_process_iotlb_msg(struct vhh_dev *dev, u32 asid,
				 struct vhost_iotlb_msg *msg)
{
	int r;

	if (asid != 0)
		return -EINVAL;

	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
	case VHOST_IOTLB_INVALIDATE:
		break;
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		/*
		 * Updates take effect one by one (each under every queue
		 * mutex), so a batch needs no staging: only check that it
		 * was negotiated.
		 */
		if (!dev->nvqs ||
		    !vhh_backend_has_feature(dev->vqs[0],
					     VHOST_BACKEND_F_IOTLB_BATCH))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}

	mutex_lock(&dev->mutex);
	vhh_dev_lock_vqs(dev);
	if (msg->type == VHOST_IOTLB_UPDATE)
		r = vhh_iotlb_update(dev, msg);
	else
		r = vhh_iotlb_invalidate(dev, msg);
	vhh_dev_unlock_vqs(dev);
	mutex_unlock(&dev->mutex);
	return r;
}

/*
 * One message per write(), of the full size of its format (both are 72
 * bytes); what follows it is not read.  As in 6.1, a message the handler
 * refuses fails the write with -EFAULT (QEMU only tests the length written;
 * keeping 6.1's errno keeps the ABI of a drop-in replacement), while a
 * malformed write is -EINVAL.
 */
ssize_t vhh_chr_write_iter(struct vhh_dev *dev, struct iov_iter *from)
{
	struct vhost_iotlb_msg msg;
	size_t offset;
	u32 asid = 0;
	int type, r;

	/*
	 * 6.1 takes a write of 40 to 71 bytes (the iotlb part is complete,
	 * the union's tail is not) as a whole message and returns 72, more
	 * than was written: refuse a short message instead.
	 */
	if (iov_iter_count(from) < sizeof(struct vhost_msg))
		return -EINVAL;
	if (copy_from_iter(&type, sizeof(type), from) != sizeof(type))
		return -EINVAL;

	switch (type) {
	case VHOST_IOTLB_MSG:
		/* Skip the hole between type and the 8-byte aligned body. */
		offset = offsetof(struct vhost_msg, iotlb) - sizeof(int);
		break;
	case VHOST_IOTLB_MSG_V2:
		/* No IOTLB_ASID offered: the asid field is ignored (asid 0). */
		offset = sizeof(__u32);
		break;
	default:
		return -EINVAL;
	}

	iov_iter_advance(from, offset);
	if (copy_from_iter(&msg, sizeof(msg), from) != sizeof(msg))
		return -EINVAL;

	if (dev->msg_handler)
		r = dev->msg_handler(dev, asid, &msg);
	else
		r = vhh_process_iotlb_msg(dev, asid, &msg);
	if (r)
		return -EFAULT;

	return type == VHOST_IOTLB_MSG ? sizeof(struct vhost_msg) :
					 sizeof(struct vhost_msg_v2);
}
VHH_EXPORT(vhh_chr_write_iter);

__poll_t vhh_chr_poll(struct file *file, struct vhh_dev *dev,
		      poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &dev->wait, wait);
	spin_lock(&dev->iotlb_lock);
	if (!list_empty(&dev->read_list))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&dev->iotlb_lock);
	return mask;
}
VHH_EXPORT(vhh_chr_poll);

/* Put back a message a reader could not take, ahead of the others. */
static void vhh_requeue_msg(struct vhh_dev *dev, struct vhh_msg_node *node)
{
	spin_lock(&dev->iotlb_lock);
	list_add(&node->node, &dev->read_list);
	spin_unlock(&dev->iotlb_lock);
}

/* A read miss waits for its answer; an older one of the same queue is moot. */
static void vhh_park_miss(struct vhh_dev *dev, struct vhh_msg_node *node)
{
	struct vhh_msg_node *stale;

	spin_lock(&dev->iotlb_lock);
	stale = vhh_find_miss(&dev->pending_list, node->vq);
	if (stale)
		list_del(&stale->node);
	list_add_tail(&node->node, &dev->pending_list);
	spin_unlock(&dev->iotlb_lock);
	kfree(stale);
}

ssize_t vhh_chr_read_iter(struct vhh_dev *dev, struct iov_iter *to,
			  int noblock)
{
	struct vhh_msg_node *node;
	DEFINE_WAIT(wait);
	size_t size;
	ssize_t ret = 0;

	if (iov_iter_count(to) < sizeof(struct vhost_msg))
		return 0;

	for (;;) {
		if (!noblock)
			prepare_to_wait(&dev->wait, &wait, TASK_INTERRUPTIBLE);
		node = vhh_dequeue_msg(dev, &dev->read_list);
		if (node)
			break;
		if (noblock) {
			ret = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		/* Nothing can ever arrive without an IOTLB. */
		if (!READ_ONCE(dev->iotlb)) {
			ret = -EBADFD;
			break;
		}
		schedule();
	}
	if (!noblock)
		finish_wait(&dev->wait, &wait);
	if (!node)
		return ret;

	size = node->msg.type == VHOST_IOTLB_MSG_V2 ? sizeof(node->msg_v2) :
						       sizeof(node->msg);
	ret = copy_to_iter(&node->msg, size, to);
	if (unlikely(ret != size)) {
		/*
		 * A buffer that faults part-way: 6.1 returns the short count
		 * and frees the message, so a miss is lost and its queue
		 * waits forever.  Keep the message first in line and fail
		 * with -EFAULT: nothing was delivered, the client may retry.
		 */
		vhh_requeue_msg(dev, node);
		return -EFAULT;
	}
	if (vhh_msg_iotlb(node)->type != VHOST_IOTLB_MISS) {
		kfree(node);
		return ret;
	}
	vhh_park_miss(dev, node);
	return ret;
}
VHH_EXPORT(vhh_chr_read_iter);
