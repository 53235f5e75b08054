// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net RX: backend socket -> guest buffers.
 *
 * As in 6.1: the next frame's length is peeked (from a batch taken off the
 * tun/macvtap ring, see rxq.c), enough guest buffers are gathered for it
 * (several with VIRTIO_NET_F_MRG_RXBUF), the socket copies the frame
 * straight into them and used heads are published in batches.
 *
 * Differences from 6.1: buffer lengths are summed in 64 bits, so a legal
 * buffer of 2 GiB or more takes the frame instead of wrapping an int into
 * a false overrun; num_buffers is written whenever the header has the
 * field (VERSION_1 without MRG_RXBUF too: it must read 1); a frame that can
 * never fit is dropped without touching the guest's buffer.
 */
#include <linux/if_tun.h>
#include <net/sock.h>

#include "vhn.h"

/* vhn_rx_bufs(): the frame cannot fit what the guest may offer.  Positive
 * and above any head count, so no core errno can be mistaken for it.
 */
#define VHN_RX_OVERRUN (UIO_MAXIOV + 1)

static void vhn_rx_signal_used(struct vhn_net *n, struct vhn_vq *nvq)
{
	if (!nvq->done_idx)
		return;
	vhh_add_used_and_signal_n(&n->dev, &nvq->vq, nvq->heads,
				  nvq->done_idx);
	nvq->done_idx = 0;
}

/* Gather up to @quota buffers holding @datalen bytes into vq->iov.
 * Returns the number of heads, 0 if the ring ran dry first (all given
 * back), VHN_RX_OVERRUN if the frame can never fit (all given back), or
 * another negative errno from the core (ring broken, IOTLB miss).
 */
static int vhn_rx_bufs(struct vhh_vq *vq, struct vring_used_elem *heads,
		       u64 datalen, unsigned int *iovcount,
		       struct vhh_log *log, unsigned int *log_num,
		       unsigned int quota)
{
	unsigned int out, in, seg = 0, headcount = 0, nlogs = 0;
	u64 left = datalen;
	int r;

	while (left && headcount < quota) {
		u64 len;

		if (unlikely(seg >= ARRAY_SIZE(vq->iov))) {
			r = VHN_RX_OVERRUN;
			goto err;
		}
		r = vhh_get_vq_desc(vq, vq->iov + seg,
				    ARRAY_SIZE(vq->iov) - seg, &out, &in,
				    log, log_num);
		if (unlikely(r < 0))
			goto err;
		if (r == vq->num) {
			r = 0;
			goto err;
		}
		if (unlikely(out || !in)) {
			vhh_vq_err(vq, "vhost-net: bad RX chain: out %u in %u\n",
				   out, in);
			/* This head is ours too: give it back with the rest. */
			headcount++;
			r = -EINVAL;
			goto err;
		}
		if (unlikely(log)) {
			nlogs += *log_num;
			log += *log_num;
		}
		len = iov_length(vq->iov + seg, in);
		heads[headcount].id = cpu_to_vhh32(vq, r);
		heads[headcount].len = cpu_to_vhh32(vq, min(len, left));
		left -= min(len, left);
		headcount++;
		seg += in;
	}
	if (unlikely(left)) {
		r = VHN_RX_OVERRUN;
		goto err;
	}
	*iovcount = seg;
	if (unlikely(log))
		*log_num = nlogs;
	return headcount;
err:
	vhh_discard_vq_desc(vq, headcount);
	return r;
}

static size_t vhn_rx_peek(struct vhn_net *n, struct sock *sk,
			  bool *busyloop_intr)
{
	struct vhn_vq *nvq = &n->vqs[VHN_VQ_RX];
	size_t len = vhn_rxq_peek_len(nvq, sk);

	if (!len && nvq->vq.busyloop_timeout) {
		/* Do not hold back what we have while spinning. */
		vhn_rx_signal_used(n, nvq);
		vhn_busy_poll(n, true, busyloop_intr);
		len = vhn_rxq_peek_len(nvq, sk);
	}
	return len;
}

/* Drop the next frame without writing into any guest buffer. */
static void vhn_rx_drop(struct socket *sock, struct msghdr *msg)
{
	u8 junk;
	struct kvec kv = { .iov_base = &junk, .iov_len = 1 };

	iov_iter_kvec(&msg->msg_iter, ITER_DEST, &kv, 1, 1);
	sock->ops->recvmsg(sock, msg, 1, MSG_DONTWAIT | MSG_TRUNC);
}

/* Fill in what the socket did not write: the whole header when vhost owns
 * it, num_buffers when the header has that field.
 */
static int vhn_rx_fix_hdr(struct vhn_vq *nvq, struct iov_iter *hdr_iter,
			  int headcount)
{
	struct vhh_vq *vq = &nvq->vq;
	/* The header vhost owns says nothing: no offload, hash or tunnel. */
	union vhn_hdr hdr = {
		.mrg.hdr.flags = 0,
		.mrg.hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE,
		.mrg.num_buffers = cpu_to_vhh16(vq, headcount),
	};

	/* Constant sizes keep these small copies inline and unchecked. */
	if (nvq->vhost_hlen == sizeof(hdr.mrg))
		return copy_to_iter(&hdr.mrg, sizeof(hdr.mrg), hdr_iter) ==
		       sizeof(hdr.mrg) ? 0 : -EFAULT;
	if (nvq->vhost_hlen == sizeof(hdr.tunnel))
		return copy_to_iter(hdr.tunnel, sizeof(hdr.tunnel),
				    hdr_iter) == sizeof(hdr.tunnel) ? 0 : -EFAULT;
	if (nvq->vhost_hlen)
		return copy_to_iter(&hdr.mrg.hdr, sizeof(hdr.mrg.hdr),
				    hdr_iter) == sizeof(hdr.mrg.hdr) ? 0 : -EFAULT;
	/* The socket wrote the header: only num_buffers is ours (12, 24). */
	if (nvq->sock_hlen < sizeof(hdr.mrg))
		return 0;
	iov_iter_advance(hdr_iter, sizeof(hdr.mrg.hdr));
	return copy_to_iter(&hdr.mrg.num_buffers, sizeof(hdr.mrg.num_buffers),
			    hdr_iter) == sizeof(hdr.mrg.num_buffers) ? 0 : -EFAULT;
}

static void vhn_rx_run(struct vhn_net *n, struct vhn_vq *nvq,
		       struct socket *sock)
{
	struct vhh_vq *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	bool mergeable = vhh_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);
	struct vhh_log *vq_log = NULL;
	size_t sock_len = 0, vhost_len, total = 0;
	bool busyloop_intr = false;
	unsigned int in, nlog;
	struct iov_iter fixup;
	int headcount, err;
	int pkts = 0;

	if (unlikely(vhh_has_feature(vq, VHOST_F_LOG_ALL)))
		vq_log = vq->log;

	do {
		sock_len = vhn_rx_peek(n, sock->sk, &busyloop_intr);
		if (!sock_len)
			break;
		sock_len += nvq->sock_hlen;
		vhost_len = sock_len + nvq->vhost_hlen;
		headcount = vhn_rx_bufs(vq, nvq->heads + nvq->done_idx,
					vhost_len, &in, vq_log, &nlog,
					mergeable ? UIO_MAXIOV : 1);
		/* The first frame of a pass had the whole walking budget: if
		 * gathering it spent all of that (heads of long empty chains),
		 * it is dropped like a frame that cannot fit, or the same
		 * frame would be tried again forever.  A later frame waits
		 * for the requeued pass.
		 */
		if (unlikely(headcount == -EBUSY && !pkts))
			headcount = VHN_RX_OVERRUN;
		if (unlikely(headcount == VHN_RX_OVERRUN)) {
			/* Too big for the guest: drop it, keep going. */
			if (nvq->rx_ring)
				msg.msg_control = vhn_rxq_consume(nvq);
			vhn_rx_drop(sock, &msg);
			pr_debug("vhost-net: RX frame of %zu dropped\n",
				 sock_len);
			continue;
		}
		/* Broken ring, IOTLB miss or budget: stop (the core requeues). */
		if (unlikely(headcount < 0))
			goto out;
		if (!headcount) {
			if (unlikely(busyloop_intr)) {
				vhh_poll_queue(&vq->poll);
			} else if (unlikely(vhh_enable_notify(&n->dev, vq))) {
				/* Buffers slipped in meanwhile: go again. */
				vhh_disable_notify(&n->dev, vq);
				continue;
			}
			/* The frame waits in the socket for a kick. */
			goto out;
		}
		busyloop_intr = false;
		if (nvq->rx_ring)
			msg.msg_control = vhn_rxq_consume(nvq);

		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, in, vhost_len);
		fixup = msg.msg_iter;
		if (unlikely(nvq->vhost_hlen))
			iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
		err = sock->ops->recvmsg(sock, &msg, sock_len,
					 MSG_DONTWAIT | MSG_TRUNC);
		/* Someone else took the frame (or it shrank): skip it. */
		if (unlikely(err != sock_len)) {
			pr_debug("vhost-net: RX got %d, expected %zu\n",
				 err, sock_len);
			vhh_discard_vq_desc(vq, headcount);
			continue;
		}
		if (unlikely(vhn_rx_fix_hdr(nvq, &fixup, headcount))) {
			vhh_vq_err(vq, "vhost-net: cannot write RX header\n");
			vhh_discard_vq_desc(vq, headcount);
			goto out;
		}
		nvq->done_idx += headcount;
		if (nvq->done_idx > VHN_BATCH)
			vhn_rx_signal_used(n, nvq);
		if (unlikely(vq_log))
			vhh_log_write(vq, vq_log, nlog, vhost_len, vq->iov, in);
		total += vhost_len;
	} while (likely(!vhh_exceeds_weight(vq, ++pkts, total)));

	if (unlikely(busyloop_intr))
		vhh_poll_queue(&vq->poll);
	else if (!sock_len)
		/* Drained: wake up on the next frame. */
		vhn_sock_poll_start(n, VHN_VQ_RX);
out:
	vhn_rx_signal_used(n, nvq);
}

void vhn_handle_rx(struct vhn_net *n)
{
	struct vhn_vq *nvq = &n->vqs[VHN_VQ_RX];
	struct vhh_vq *vq = &nvq->vq;
	struct socket *sock;

	mutex_lock_nested(&vq->mutex, VHN_VQ_RX);
	vhh_vq_pass_begin(vq);
	sock = vhh_vq_get_backend(vq);
	if (!sock || !vhh_vq_meta_prefetch(vq))
		goto out;
	vhh_disable_notify(&n->dev, vq);
	vhn_sock_poll_stop(n, VHN_VQ_RX);
	vhn_rx_run(n, nvq, sock);
out:
	mutex_unlock(&vq->mutex);
}

void vhn_rx_kick(struct vhh_work *work)
{
	struct vhh_vq *vq = container_of(work, struct vhh_vq, poll.work);

	vhn_handle_rx(vhn_from_vq(vq));
}

void vhn_rx_sock_work(struct vhh_work *work)
{
	struct vhn_net *n = container_of(work, struct vhn_net,
					 poll[VHN_VQ_RX].work);

	vhn_handle_rx(n);
}
