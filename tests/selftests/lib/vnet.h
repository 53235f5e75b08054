/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vnet: a vhost-net device with a tap backend, for the net, core and attack
 * suites.  Directions, seen from the guest:
 *   TX (vq 1): guest frame -> vhost -> tap socket -> *received* on the tap
 *              interface; vn_pkt_recv() reads it with an AF_PACKET socket.
 *   RX (vq 0): vn_pkt_send() transmits a frame out of the tap interface ->
 *              tap queue -> vhost -> guest RX buffer.
 * The tap fd itself belongs to vhost once attached; tests never read it.
 */
#ifndef VNET_H
#define VNET_H

#include <net/if.h>
#include <linux/virtio_net.h>
#include "vguest.h"

#define VN_RXQ 0
#define VN_TXQ 1
#define VN_ETHERTYPE 0x88b5	/* IEEE local experimental */

/*
 * Somebody must own the virtio-net header: 6.1 vhost-net assumes the socket
 * carries it whenever VHOST_NET_F_VIRTIO_NET_HDR is not negotiated.
 */
enum vn_hdr_mode {
	VN_HDR_VHOST,	/* VHOST_NET_F_VIRTIO_NET_HDR: vhost adds/strips it */
	VN_HDR_TAP,	/* IFF_VNET_HDR: the tap handles it, vhost passes it */
};

struct vn_ctx {
	struct vg_dev d;
	int tap_fd;
	int pkt_fd;
	int ifindex;
	char ifname[IFNAMSIZ];
	size_t hdr_len;		/* header bytes the guest sees per packet */
	enum vn_hdr_mode mode;
};

/*
 * Open /dev/vhost-net, become owner, negotiate VIRTIO_F_VERSION_1 plus
 * @extra features (e.g. VIRTIO_NET_F_MRG_RXBUF, VIRTIO_RING_F_EVENT_IDX),
 * set the default memory table, set up both queues with @num entries,
 * create a tap and attach it to both queues.  Returns 0 or -errno.
 */
int vn_setup(struct vn_ctx *c, enum vn_hdr_mode mode, uint64_t extra,
	     unsigned int num);
/* Same, but stop before attaching the backend (tap is created). */
int vn_setup_unattached(struct vn_ctx *c, enum vn_hdr_mode mode,
			uint64_t extra, unsigned int num);
/* VHOST_NET_SET_BACKEND for one queue; fd -1 detaches. */
int vn_set_backend(struct vn_ctx *c, unsigned int vq, int fd);
void vn_teardown(struct vn_ctx *c);

/* Host side of the tap: send out of / receive from the tap interface. */
int vn_pkt_send(struct vn_ctx *c, const void *frame, size_t len);
ssize_t vn_pkt_recv(struct vn_ctx *c, void *buf, size_t len, int timeout_ms);
/* Drop any frame already waiting on the packet socket. */
void vn_pkt_flush(struct vn_ctx *c);

/* An Ethernet frame of @len bytes: broadcast dst, VN_ETHERTYPE, pattern. */
void vn_make_frame(void *buf, size_t len, uint32_t seed);

/*
 * Guest TX of one frame: header (zeroed, hdr_len bytes) + frame in a chain
 * of @nsegs readable segments (1 = header and frame in one buffer).
 * Returns the head or -errno.  Does not kick.
 */
int vn_tx_post(struct vn_ctx *c, const void *frame, size_t len,
	       unsigned int nsegs, bool indirect);
/* Guest RX buffer of @len writable bytes; returns head, stores buffer. */
int vn_rx_post(struct vn_ctx *c, size_t len, void **buf);

/*
 * CPU time (ticks) used so far by the device's vhost worker thread; -1 when
 * no thread "vhost-<our pid>" exists: check for it, a difference of two -1s
 * reads as an idle worker.
 */
long vn_worker_ticks(struct vn_ctx *c);

#endif
