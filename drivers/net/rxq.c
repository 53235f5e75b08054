// SPDX-License-Identifier: GPL-2.0
/*
 * RX frame source: the tun/macvtap ptr_ring is drained VHN_BATCH pointers
 * at a time into a private array (one ring lock per batch instead of one
 * per frame); other sockets are peeked in their receive queue.  Pointers
 * not yet handed to recvmsg go back to the ring when the backend changes.
 */
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/skb_array.h>
#include <net/sock.h>

#include "vhn.h"

static bool vhn_rxq_empty(struct vhn_rxq *rxq)
{
	return rxq->head == rxq->tail;
}

static int vhn_ptr_len(void *ptr)
{
	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return __skb_array_len_with_tag(ptr);
}

static size_t vhn_skb_queue_peek_len(struct sock *sk)
{
	struct sk_buff *skb;
	unsigned long flags;
	size_t len = 0;

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb) {
		len = skb->len;
		if (skb_vlan_tag_present(skb))
			len += VLAN_HLEN;
	}
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return len;
}

size_t vhn_rxq_peek_len(struct vhn_vq *nvq, struct sock *sk)
{
	struct vhn_rxq *rxq = &nvq->rxq;

	if (!nvq->rx_ring)
		return vhn_skb_queue_peek_len(sk);
	if (vhn_rxq_empty(rxq)) {
		rxq->head = 0;
		rxq->tail = ptr_ring_consume_batched(nvq->rx_ring, rxq->queue,
						     VHN_BATCH);
		if (!rxq->tail)
			return 0;
	}
	return vhn_ptr_len(rxq->queue[rxq->head]);
}

/* The frame vhn_rxq_peek_len() reported, for recvmsg's msg_control. */
void *vhn_rxq_consume(struct vhn_vq *nvq)
{
	struct vhn_rxq *rxq = &nvq->rxq;

	if (vhn_rxq_empty(rxq))
		return NULL;
	return rxq->queue[rxq->head++];
}

void vhn_rxq_unproduce(struct vhn_vq *nvq)
{
	struct vhn_rxq *rxq = &nvq->rxq;

	if (nvq->rx_ring && !vhn_rxq_empty(rxq))
		ptr_ring_unconsume(nvq->rx_ring, rxq->queue + rxq->head,
				   rxq->tail - rxq->head, tun_ptr_free);
	rxq->head = 0;
	rxq->tail = 0;
}
