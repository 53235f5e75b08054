// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor chains of the hardened vhost core: fetch the next available
 * head and walk its chain (direct and indirect) into iovecs.
 *
 * Everything the guest wrote is distrusted: head and next indices are
 * range checked, chains longer than their table are loops, a device-
 * readable descriptor after a device-writable one is refused by its flags
 * (even when the writable one is empty, seed 004), INDIRECT may neither
 * carry NEXT nor nest, and indirect tables are copied once and walked by
 * their next fields.  A bad ring or chain signals the error eventfd, leaves
 * the head unconsumed and stops the queue (vq->broken) until userspace
 * reconfigures it; a pending IOTLB miss just returns -EAGAIN.
 */
#include <linux/module.h>

#include "ring.h"

/* Where a chain being walked puts its iovecs and log entries. */
struct vhh_chain {
	struct iovec *iov;
	unsigned int iov_size;
	unsigned int out;
	unsigned int in;
	struct vhh_log *log;
	unsigned int log_num;
	bool wrote;		/* a device-writable descriptor was seen */
	const char *why;	/* what was wrong, for the error message */
};

int vhh_fetch_avail_idx(struct vhh_vq *vq)
{
	u16 idx;
	int r;

	r = vhh_ring_get16(vq, &idx, &vq->avail->idx, VHH_ADDR_AVAIL);
	if (unlikely(r)) {
		if (r != -EAGAIN)
			vhh_vq_err(vq, "Failed to read avail idx at %p (%d)\n",
				   &vq->avail->idx, r);
		return vhh_vq_break(vq, r);
	}
	if (unlikely(!vhh_avail_jump_ok(idx, vq->last_avail_idx, vq->num))) {
		vhh_vq_err(vq, "Invalid avail idx change from %u to %u\n",
			   vq->last_avail_idx, idx);
		return vhh_vq_break(vq, -EINVAL);
	}
	if (idx == vq->avail_idx)
		return 0;
	vq->avail_idx = idx;
	/* Read the ring entries only after the index that published them. */
	smp_rmb();
	return 1;
}

/*
 * Count one walked descriptor against the handler pass's budget.  When it
 * is spent the handler stops with the chain still available and gets no new
 * kick for it: queue the queue's kick work, which runs after the works
 * already taken by the worker (and a reschedule point).
 */
static inline bool vhh_walk_take(struct vhh_vq *vq)
{
	if (likely(vq->walk_left > 0)) {
		vq->walk_left--;
		return true;
	}
	if (vq->handle_kick)
		vhh_poll_queue(&vq->poll);
	return false;
}

/* Append one (non-indirect) descriptor to the chain. */
static int vhh_chain_add(struct vhh_vq *vq, struct vhh_chain *ch,
			 const struct vring_desc *desc, u16 flags)
{
	bool write = flags & VRING_DESC_F_WRITE;
	u64 addr = vhh64_to_cpu(vq, desc->addr);
	u32 len = vhh32_to_cpu(vq, desc->len);
	unsigned int used = ch->out + ch->in;
	int n;

	if (unlikely(!write && ch->wrote)) {
		ch->why = "readable descriptor after a writable one";
		return -EINVAL;
	}
	n = vhh_translate(vq, addr, len, ch->iov + used, ch->iov_size - used,
			  write ? VHH_PERM_WO : VHH_PERM_RO);
	if (unlikely(n < 0)) {
		ch->why = "buffer translation failed";
		return n;
	}
	if (write) {
		ch->wrote = true;
		ch->in += n;
		if (unlikely(ch->log && n)) {
			ch->log[ch->log_num].addr = addr;
			ch->log[ch->log_num].len = len;
			ch->log_num++;
		}
	} else {
		ch->out += n;
	}
	return 0;
}

/* Copy [addr, addr + len) of guest memory (an indirect table) to @to. */
static int vhh_copy_from_guest(struct vhh_vq *vq, void *to, u64 addr, u32 len)
{
	struct iovec *iov = vq->iotlb_iov;
	int i, n;

	n = vhh_translate(vq, addr, len, iov, ARRAY_SIZE(vq->iotlb_iov),
			  VHH_PERM_RO);
	for (i = 0; i < n; i++) {
		if (copy_from_user(to, iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		to += iov[i].iov_len;
	}
	return n < 0 ? n : 0;
}

/*
 * Walk the indirect table @desc points to.  The table is copied once so
 * the guest cannot change it under the walk, then followed through its
 * next fields from entry 0 (6.1 reads it linearly and ignores them).
 */
static int vhh_chain_indirect(struct vhh_vq *vq, struct vhh_chain *ch,
			      const struct vring_desc *desc)
{
	struct vring_desc *tbl = vq->indirect;
	u32 count, i = 0, found = 0;
	int r;

	r = vhh_indirect_count(vhh32_to_cpu(vq, desc->len), VHH_IOV_MAX,
			       &count);
	if (unlikely(r)) {
		ch->why = "bad indirect table length";
		return r;
	}
	r = vhh_copy_from_guest(vq, tbl, vhh64_to_cpu(vq, desc->addr),
				count * sizeof(*tbl));
	if (unlikely(r)) {
		ch->why = "indirect table translation failed";
		return r;
	}
	for (;;) {
		u16 flags = vhh16_to_cpu(vq, tbl[i].flags);

		if (unlikely(++found > count)) {
			ch->why = "loop in indirect table";
			return -EINVAL;
		}
		if (unlikely(!vhh_walk_take(vq)))
			return -EBUSY;
		if (unlikely(flags & VRING_DESC_F_INDIRECT)) {
			ch->why = "nested indirect descriptor";
			return -EINVAL;
		}
		r = vhh_chain_add(vq, ch, &tbl[i], flags);
		if (unlikely(r))
			return r;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vhh16_to_cpu(vq, tbl[i].next);
		if (unlikely(i >= count)) {
			ch->why = "indirect next index out of range";
			return -EINVAL;
		}
	}
}

/*
 * Read ring descriptor @i.  Without an IOTLB: two 8-byte loads inside one
 * user access section (which checks the range, like access_ok()), not a
 * call to a 16-byte string copy; per packet that is measurable on small
 * frames (make bench).
 */
static int vhh_read_desc(struct vhh_vq *vq, struct vring_desc *desc,
			 unsigned int i)
{
	const u64 __user *p = (const u64 __user *)(vq->desc + i);
	u64 w[2];

	BUILD_BUG_ON(sizeof(*desc) != sizeof(w));
	if (unlikely(vq->iotlb))
		return vhh_ring_read(vq, desc, vq->desc + i, sizeof(*desc),
				     VHH_ADDR_DESC);
	if (unlikely(!user_access_begin(p, sizeof(w))))
		return -EFAULT;
	unsafe_get_user(w[0], p, fault);
	unsafe_get_user(w[1], p + 1, fault);
	user_access_end();
	memcpy(desc, w, sizeof(w));
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

/* Walk the chain starting at descriptor @head of the ring. */
static int vhh_chain_walk(struct vhh_vq *vq, struct vhh_chain *ch,
			  unsigned int head)
{
	unsigned int i = head, found = 0;
	struct vring_desc desc;
	u16 flags;
	int r;

	for (;;) {
		if (unlikely(++found > vq->num)) {
			ch->why = "loop in descriptor chain";
			return -EINVAL;
		}
		if (unlikely(!vhh_walk_take(vq)))
			return -EBUSY;
		r = vhh_read_desc(vq, &desc, i);
		if (unlikely(r)) {
			ch->why = "descriptor not readable";
			return r;
		}
		flags = vhh16_to_cpu(vq, desc.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			/* The spec forbids NEXT here; 6.1 walks on past the table. */
			if (unlikely(flags & VRING_DESC_F_NEXT)) {
				ch->why = "INDIRECT together with NEXT";
				return -EINVAL;
			}
			return vhh_chain_indirect(vq, ch, &desc);
		}
		r = vhh_chain_add(vq, ch, &desc, flags);
		if (unlikely(r))
			return r;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vhh16_to_cpu(vq, desc.next);
		if (unlikely(i >= vq->num)) {
			ch->why = "next index out of range";
			return -EINVAL;
		}
	}
}

int vhh_get_vq_desc(struct vhh_vq *vq, struct iovec iov[],
		    unsigned int iov_count, unsigned int *out_num,
		    unsigned int *in_num, struct vhh_log *log,
		    unsigned int *log_num)
{
	struct vhh_chain ch = {
		.iov = iov,
		.iov_size = iov_count,
		.log = log,
	};
	bool fresh;
	u16 head;
	int r;

	if (unlikely(vq->broken))
		return -EIO;

	if (vq->avail_idx == vq->last_avail_idx) {
		r = vhh_fetch_avail_idx(vq);
		if (unlikely(r < 0))
			return r;
		if (!r)
			return vq->num;
	}

	r = vhh_ring_get16(vq, &head,
			   &vq->avail->ring[vq->last_avail_idx & (vq->num - 1)],
			   VHH_ADDR_AVAIL);
	if (unlikely(r)) {
		if (r != -EAGAIN)
			vhh_vq_err(vq, "Failed to read avail ring entry %u (%d)\n",
				   vq->last_avail_idx, r);
		return vhh_vq_break(vq, r);
	}
	if (unlikely(head >= vq->num)) {
		vhh_vq_err(vq, "Avail head %u out of range (num %u)\n", head,
			   vq->num);
		return vhh_vq_break(vq, -EINVAL);
	}

	*out_num = 0;
	*in_num = 0;
	if (unlikely(log))
		*log_num = 0;

	fresh = vq->walk_left == VHH_WALK_BUDGET;
	r = vhh_chain_walk(vq, &ch, head);
	if (unlikely(r == -EBUSY)) {
		/* Out of budget: the head stays available for the next pass. */
		if (!fresh)
			return r;
		ch.why = "chain longer than a worker pass may walk";
		r = -EINVAL;
	}
	if (unlikely(r)) {
		if (r != -EAGAIN && r != -ENOMEM)
			vhh_vq_err(vq, "Bad chain at head %u: %s (%d)\n", head,
				   ch.why, r);
		return vhh_vq_break(vq, r);
	}

	*out_num = ch.out;
	*in_num = ch.in;
	if (unlikely(log))
		*log_num = ch.log_num;
	vq->last_avail_idx++;
	return head;
}
VHH_EXPORT(vhh_get_vq_desc);

void vhh_discard_vq_desc(struct vhh_vq *vq, int n)
{
	vq->last_avail_idx -= n;
}
VHH_EXPORT(vhh_discard_vq_desc);

bool vhh_vq_avail_empty(struct vhh_dev *dev, struct vhh_vq *vq)
{
	/* A stopped queue has nothing to do until it is reconfigured. */
	if (unlikely(vq->broken))
		return true;
	if (vq->avail_idx != vq->last_avail_idx)
		return false;
	/* An error counts as work, so the handler runs and reports it. */
	return vhh_fetch_avail_idx(vq) == 0;
}
VHH_EXPORT(vhh_vq_avail_empty);
