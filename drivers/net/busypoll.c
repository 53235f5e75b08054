// SPDX-License-Identifier: GPL-2.0
/*
 * Busy polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT): when a handler runs dry
 * it spins up to the queue's timeout (in ~us) watching both the TX ring
 * and the RX side (socket data plus RX buffers) before going to sleep,
 * trading CPU for latency exactly as 6.1 does.
 */
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <net/sock.h>

#include "vhn.h"

static unsigned long vhn_busy_clock(void)
{
	return local_clock() >> 10;
}

static bool vhn_can_busy_poll(unsigned long endtime)
{
	return likely(!need_resched() &&
		      !time_after(vhn_busy_clock(), endtime) &&
		      !signal_pending(current));
}

/* Frames wait for RX: in our batch or still in the socket (RX mutex held). */
static bool vhn_rx_pending(struct vhn_vq *rnvq)
{
	struct socket *sock = vhh_vq_get_backend(&rnvq->vq);

	if (!sock)
		return false;
	if (rnvq->rxq.head != rnvq->rxq.tail)
		return true;
	if (sock->ops->peek_len)
		return sock->ops->peek_len(sock) > 0;
	return !skb_queue_empty_lockless(&sock->sk->sk_receive_queue);
}

/* Hand the paired queue to the worker if it has (or may have) work. */
static void vhn_busy_poll_try_queue(struct vhn_net *n, struct vhh_vq *vq)
{
	if (!vhh_vq_avail_empty(&n->dev, vq)) {
		vhh_poll_queue(&vq->poll);
	} else if (unlikely(vhh_enable_notify(&n->dev, vq))) {
		vhh_disable_notify(&n->dev, vq);
		vhh_poll_queue(&vq->poll);
	}
}

/* Called with the polling queue's mutex held (RX if @poll_rx, else TX).
 * The paired queue is only trylocked: the two handlers take the mutexes in
 * opposite order.  A paired queue without a backend is left alone.
 */
void vhn_busy_poll(struct vhn_net *n, bool poll_rx, bool *busyloop_intr)
{
	struct vhn_vq *rnvq = &n->vqs[VHN_VQ_RX];
	struct vhh_vq *rvq = &rnvq->vq;
	struct vhh_vq *tvq = &n->vqs[VHN_VQ_TX].vq;
	struct vhh_vq *vq = poll_rx ? tvq : rvq;
	unsigned long endtime;
	bool other;

	if (!mutex_trylock(&vq->mutex))
		return;
	other = vhh_vq_get_backend(vq);
	if (other)
		vhh_disable_notify(&n->dev, vq);

	migrate_disable();
	endtime = vhn_busy_clock() +
		  (poll_rx ? rvq->busyloop_timeout : tvq->busyloop_timeout);
	while (vhn_can_busy_poll(endtime)) {
		if (vhh_vq_has_work(vq)) {
			*busyloop_intr = true;
			break;
		}
		if (poll_rx || other) {
			if (vhn_rx_pending(rnvq) &&
			    !vhh_vq_avail_empty(&n->dev, rvq))
				break;
		}
		if ((!poll_rx || other) && !vhh_vq_avail_empty(&n->dev, tvq))
			break;
		cpu_relax();
	}
	migrate_enable();

	if (other) {
		if (poll_rx || vhn_rx_pending(rnvq))
			vhn_busy_poll_try_queue(n, vq);
		else
			vhh_enable_notify(&n->dev, rvq);
	}
	mutex_unlock(&vq->mutex);
}
