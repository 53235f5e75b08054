/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of vhost_net.ko, the virtio-net device on
 * top of the hardened vhost core (vhh_core).
 */
#ifndef _VHN_H
#define _VHN_H

#include <linux/net.h>
#include <linux/ptr_ring.h>
#include <linux/virtio_net.h>
#include <net/xdp.h>
#include <vhh/core.h>

enum {
	VHN_VQ_RX = 0,
	VHN_VQ_TX = 1,
	VHN_VQ_MAX = 2,
};

/* Per-run budget of one queue, same as 6.1 (bytes, packets). */
#define VHN_WEIGHT	0x80000
#define VHN_PKT_WEIGHT	256

/* Frames per TUN_MSG_PTR batch, skbs per ptr_ring dequeue, used batch. */
#define VHN_BATCH	64

/* RX heads: one frame may take UIO_MAXIOV heads on top of a pending batch. */
#define VHN_RX_HEADS	(UIO_MAXIOV + VHN_BATCH)

/* Pointers taken from the backend's ptr_ring in one go (tun, macvtap). */
struct vhn_rxq {
	void **queue;
	int head;
	int tail;
};

/* Room for the largest virtio-net header: the 12-byte one of VERSION_1 and
 * MRG_RXBUF, or UDP tunnel GSO's 24 bytes.  The sizes are spelled out so
 * that header copies stay fixed-size.
 */
union vhn_hdr {
	struct virtio_net_hdr_mrg_rxbuf mrg;
	u8 tunnel[VHH_NET_HDR_TUNNEL_LEN];
};

struct vhn_vq {
	struct vhh_vq vq;
	/* Header bytes vhost adds/strips, and those the socket carries. */
	size_t vhost_hlen;
	size_t sock_hlen;
	/* The backend is tun or macvtap: it takes TUN_MSG_PTR batches. */
	bool tap_backend;
	/* Used heads collected but not yet published. */
	int done_idx;
	/* TX: frames built in xdp[] not yet handed to the socket. */
	int batched_xdp;
	struct xdp_buff *xdp;
	/* RX: used heads (VHN_RX_HEADS) and the backend's ring. */
	struct vring_used_elem *heads;
	struct ptr_ring *rx_ring;
	struct vhn_rxq rxq;
};

struct vhn_net {
	struct vhh_dev dev;
	struct vhn_vq vqs[VHN_VQ_MAX];
	/* Wake-ups of the backend socket: writable (TX), readable (RX). */
	struct vhh_poll poll[VHN_VQ_MAX];
	/* Pages the batched TX frames are built in. */
	struct page_frag_cache frag;
};

static inline struct vhn_net *vhn_from_vq(struct vhh_vq *vq)
{
	return container_of(vq->dev, struct vhn_net, dev);
}

/* tx.c */
void vhn_handle_tx(struct vhn_net *n);
void vhn_tx_kick(struct vhh_work *work);
void vhn_tx_sock_work(struct vhh_work *work);

/* rx.c */
void vhn_handle_rx(struct vhn_net *n);
void vhn_rx_kick(struct vhh_work *work);
void vhn_rx_sock_work(struct vhh_work *work);

/* rxq.c: length of the next frame waiting on the backend, 0 if none. */
size_t vhn_rxq_peek_len(struct vhn_vq *nvq, struct sock *sk);
void *vhn_rxq_consume(struct vhn_vq *nvq);
void vhn_rxq_unproduce(struct vhn_vq *nvq);

/* busypoll.c */
void vhn_busy_poll(struct vhn_net *n, bool poll_rx, bool *busyloop_intr);

/* backend.c */
int vhn_sock_poll_start(struct vhn_net *n, int index);
void vhn_sock_poll_stop(struct vhn_net *n, int index);
long vhn_set_backend(struct vhn_net *n, unsigned int index, int fd);
struct socket *vhn_stop_vq(struct vhn_net *n, int index);

/* ioctl.c */
long vhn_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);
void vhn_vq_reset(struct vhn_net *n);

#endif /* _VHN_H */
