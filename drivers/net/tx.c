// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net TX: guest chains -> backend socket.
 *
 * Fast path as in 6.1: when the backend is tun/macvtap with an unlimited
 * send buffer, each frame is copied once into a page-fragment buffer laid
 * out for build_skb() and up to VHN_BATCH of them go to the socket in one
 * TUN_MSG_PTR sendmsg; used heads are published in batches too.  Larger
 * frames and other sockets take one sendmsg per frame straight from the
 * guest iovecs.
 *
 * Differences from 6.1: the virtio-net header handed to tun is built on
 * the stack and always fully written (6.1 reads it from the fragment
 * without having copied one when vhost owns the header, i.e. from stale
 * memory); a chain that is malformed for TX (writable part, too short for
 * the header, bad checksum offsets) fails with a used entry of length 0
 * (6.1 loses the head, or retries it forever); TUN_MSG_PTR only ever goes
 * to tun/macvtap.
 */
#include <linux/if_tun.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "vhn.h"

#define VHN_TX_PAD (NET_IP_ALIGN + NET_SKB_PAD)

/* Publish the heads collected so far. */
static void vhn_tx_signal_used(struct vhn_net *n, struct vhn_vq *nvq)
{
	if (!nvq->done_idx)
		return;
	vhh_add_used_and_signal_n(&n->dev, &nvq->vq, nvq->vq.heads,
				  nvq->done_idx);
	nvq->done_idx = 0;
}

/* Hand the built frames to the socket, then publish their heads. */
static void vhn_tx_flush(struct vhn_net *n, struct vhn_vq *nvq,
			 struct socket *sock, struct msghdr *msg)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = nvq->batched_xdp,
		.ptr = nvq->xdp,
	};
	int i, err;

	if (nvq->batched_xdp) {
		msg->msg_control = &ctl;
		msg->msg_controllen = sizeof(ctl);
		err = sock->ops->sendmsg(sock, msg, 0);
		msg->msg_control = NULL;
		msg->msg_controllen = 0;
		if (unlikely(err < 0)) {
			/* The backend is gone (tun detached): the frames are
			 * dropped like any failed send, their chains still
			 * complete below.
			 */
			pr_debug("vhost-net: batched send failed: %d\n", err);
			for (i = 0; i < nvq->batched_xdp; i++)
				put_page(virt_to_head_page(nvq->xdp[i].data));
		}
		nvq->batched_xdp = 0;
	}
	vhn_tx_signal_used(n, nvq);
}

/* Build one frame for the TUN_MSG_PTR batch.  Returns 0, -ENOSPC (does not
 * fit a page: use sendmsg), -ENOMEM (use sendmsg), -EINVAL (bad header) or
 * -EFAULT; @from is untouched on -ENOSPC and -ENOMEM.
 */
static int vhn_tx_build_xdp(struct vhn_net *n, struct vhn_vq *nvq,
			    struct socket *sock, struct iov_iter *from)
{
	union vhn_hdr vhdr = {};
	struct virtio_net_hdr *gso = &vhdr.mrg.hdr;
	struct xdp_buff *xdp = &nvq->xdp[nvq->batched_xdp];
	struct vhh_vq *vq = &nvq->vq;
	size_t len = iov_iter_count(from);
	size_t hlen = nvq->sock_hlen;
	int headroom = sock_flag(sock->sk, SOCK_XDP) ? XDP_PACKET_HEADROOM : 0;
	int pad = SKB_DATA_ALIGN(VHN_TX_PAD + headroom + hlen);
	unsigned int buflen;
	struct page *page;
	void *buf;

	if (SKB_DATA_ALIGN(len + pad) +
	    SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) > PAGE_SIZE)
		return -ENOSPC;
	buflen = SKB_DATA_ALIGN(len + pad) +
		 SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	buf = vhh_page_frag_alloc(&n->frag, buflen, GFP_KERNEL,
				  SMP_CACHE_BYTES);
	if (unlikely(!buf))
		return -ENOMEM;

	/* The guest's header, or zeros when vhost owns the header.  The
	 * header sizes are spelled out to keep the copies fixed-size.
	 */
	if (hlen == sizeof(vhdr.mrg)) {
		if (copy_from_iter(&vhdr.mrg, sizeof(vhdr.mrg), from) !=
		    sizeof(vhdr.mrg))
			goto fault;
	} else if (hlen == sizeof(vhdr.tunnel)) {
		if (copy_from_iter(vhdr.tunnel, sizeof(vhdr.tunnel), from) !=
		    sizeof(vhdr.tunnel))
			goto fault;
	} else if (hlen) {
		if (copy_from_iter(gso, sizeof(*gso), from) != sizeof(*gso))
			goto fault;
	}
	if ((gso->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    vhh16_to_cpu(vq, gso->csum_start) +
	    vhh16_to_cpu(vq, gso->csum_offset) + 2 >
	    vhh16_to_cpu(vq, gso->hdr_len)) {
		u32 need = vhh16_to_cpu(vq, gso->csum_start) +
			   vhh16_to_cpu(vq, gso->csum_offset) + 2;

		if (need > len) {
			page_frag_free(buf);
			return -EINVAL;
		}
		gso->hdr_len = cpu_to_vhh16(vq, need);
	}
	len -= hlen;
	/* Into the fragment's page like 6.1: our own buffer of a size just
	 * checked needs no per-frame hardened-usercopy object lookup.
	 */
	page = virt_to_head_page(buf);
	if (copy_page_from_iter(page, buf + pad - page_address(page), len,
				from) != len)
		goto fault;

	vhh_tun_xdp_put_hdr(buf, buflen, pad, &vhdr, max(hlen, sizeof(*gso)));
	xdp_init_buff(xdp, buflen, NULL);
	xdp_prepare_buff(xdp, buf, pad, len, true);
	nvq->batched_xdp++;
	return 0;

fault:
	page_frag_free(buf);
	return -EFAULT;
}

static int vhn_tx_get_desc(struct vhn_net *n, struct vhn_vq *nvq,
			   struct socket *sock, struct msghdr *msg,
			   unsigned int *out, unsigned int *in,
			   bool *busyloop_intr)
{
	struct vhh_vq *vq = &nvq->vq;
	int r;

	r = vhh_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), out, in,
			    NULL, NULL);
	if (r == vq->num && vq->busyloop_timeout) {
		/* Do not hold back what we have while spinning. */
		vhn_tx_flush(n, nvq, sock, msg);
		vhn_busy_poll(n, false, busyloop_intr);
		r = vhh_get_vq_desc(vq, vq->iov, ARRAY_SIZE(vq->iov), out, in,
				    NULL, NULL);
	}
	return r;
}

/* More frames follow soon: let the socket defer (non-batched path). */
static bool vhn_tx_more(struct vhn_net *n, struct vhh_vq *vq, size_t total)
{
	return total < VHN_WEIGHT && !vhh_vq_avail_empty(&n->dev, vq);
}

static void vhn_tx_run(struct vhn_net *n, struct vhn_vq *nvq,
		       struct socket *sock)
{
	struct vhh_vq *vq = &nvq->vq;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	bool batch = nvq->tap_backend && sock->sk->sk_sndbuf == INT_MAX;
	size_t hlen = nvq->vhost_hlen + nvq->sock_hlen;
	size_t len, total = 0;
	unsigned int out, in;
	int pkts = 0;
	int head, err;

	do {
		bool busyloop_intr = false;

		if (nvq->done_idx == VHN_BATCH)
			vhn_tx_flush(n, nvq, sock, &msg);

		head = vhn_tx_get_desc(n, nvq, sock, &msg, &out, &in,
				       &busyloop_intr);
		/* Broken ring or pending IOTLB miss: the core handles it. */
		if (unlikely(head < 0))
			break;
		if (head == vq->num) {
			if (unlikely(busyloop_intr)) {
				vhh_poll_queue(&vq->poll);
			} else if (unlikely(vhh_enable_notify(&n->dev, vq))) {
				vhh_disable_notify(&n->dev, vq);
				continue;
			}
			break;
		}

		len = iov_length(vq->iov, out);
		/* Malformed for TX: fail just this request (used len 0). */
		if (unlikely(in || len <= hlen)) {
			pr_debug("vhost-net: bad TX chain: out %u in %u len %zu\n",
				 out, in, len);
			goto done;
		}
		iov_iter_init(&msg.msg_iter, ITER_SOURCE, vq->iov, out, len);
		/* A header vhost owns carries nothing we use (no offloads). */
		iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
		len -= nvq->vhost_hlen;
		total += len;

		if (batch) {
			err = vhn_tx_build_xdp(n, nvq, sock, &msg.msg_iter);
			if (likely(!err))
				goto done;
			if (err == -EINVAL || err == -EFAULT) {
				pr_debug("vhost-net: TX frame dropped: %d\n",
					 err);
				goto done;
			}
			/* Too big for a fragment: keep the order, flush. */
			vhn_tx_flush(n, nvq, sock, &msg);
		} else if (vhn_tx_more(n, vq, total)) {
			msg.msg_flags |= MSG_MORE;
		} else {
			msg.msg_flags &= ~MSG_MORE;
		}

		err = sock->ops->sendmsg(sock, &msg, len);
		if (unlikely(err < 0)) {
			if (err == -EAGAIN || err == -ENOMEM || err == -ENOBUFS) {
				/* Backend full: retry this chain when writable. */
				vhh_discard_vq_desc(vq, 1);
				vhn_sock_poll_start(n, VHN_VQ_TX);
				break;
			}
			pr_debug("vhost-net: TX send failed: %d\n", err);
		} else if (unlikely(err != len)) {
			pr_debug("vhost-net: TX truncated: %d != %zu\n", err, len);
		}
done:
		vq->heads[nvq->done_idx].id = cpu_to_vhh32(vq, head);
		vq->heads[nvq->done_idx].len = 0;
		nvq->done_idx++;
	} while (likely(!vhh_exceeds_weight(vq, ++pkts, total)));

	vhn_tx_flush(n, nvq, sock, &msg);
}

void vhn_handle_tx(struct vhn_net *n)
{
	struct vhn_vq *nvq = &n->vqs[VHN_VQ_TX];
	struct vhh_vq *vq = &nvq->vq;
	struct socket *sock;

	mutex_lock_nested(&vq->mutex, VHN_VQ_TX);
	vhh_vq_pass_begin(vq);
	sock = vhh_vq_get_backend(vq);
	if (!sock || !vhh_vq_meta_prefetch(vq))
		goto out;
	vhh_disable_notify(&n->dev, vq);
	/* Socket wake-ups only matter again after back-pressure. */
	vhn_sock_poll_stop(n, VHN_VQ_TX);
	vhn_tx_run(n, nvq, sock);
out:
	mutex_unlock(&vq->mutex);
}

void vhn_tx_kick(struct vhh_work *work)
{
	struct vhh_vq *vq = container_of(work, struct vhh_vq, poll.work);

	vhn_handle_tx(vhn_from_vq(vq));
}

void vhn_tx_sock_work(struct vhh_work *work)
{
	struct vhn_net *n = container_of(work, struct vhn_net,
					 poll[VHN_VQ_TX].work);

	vhn_handle_tx(n);
}
