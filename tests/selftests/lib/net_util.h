/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_util: extra helpers for the vhost-net conformance suites (net_*.c),
 * on top of vnet.{h,c}: raw used-ring access that leaves used_event alone,
 * frame checks, tap/macvtap plumbing over netlink and ioctls.
 */
#ifndef NET_UTIL_H
#define NET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vnet.h"

/* Largest frame any test sends or expects, plus slack for the receive buffer. */
#define NU_MAX_FRAME 65535
#define NU_RXBUF (NU_MAX_FRAME + 64)

/* used->idx as the device last published it. */
uint16_t nu_used_idx(struct vg_dev *d, unsigned int q);
/*
 * Wait until used->idx reaches @target (mod 2^16) without consuming entries
 * or touching used_event.  Returns 1 when reached, 0 on timeout.
 */
int nu_wait_used_idx(struct vg_dev *d, unsigned int q, uint16_t target,
		     int timeout_ms);
/* The used element at ring position @pos (free-running index). */
struct vring_used_elem nu_used_elem(struct vg_dev *d, unsigned int q,
				    uint16_t pos);
/* Mark everything up to used->idx as consumed (vq->last_used). */
void nu_used_consume_all(struct vg_dev *d, unsigned int q);
/* used_event (guest -> device, after the avail ring) and avail_event. */
void nu_set_used_event(struct vg_dev *d, unsigned int q, uint16_t v);
uint16_t nu_avail_event(struct vg_dev *d, unsigned int q);

/* VHOST_GET_VRING_BASE; returns 0 or -errno. */
int nu_get_vring_base(struct vg_dev *d, unsigned int q, unsigned int *num);

/* Enlarge the packet socket's receive buffer (SO_RCVBUFFORCE). */
int nu_pkt_rcvbuf(struct vn_ctx *c, int bytes);
/*
 * Receive the next frame on the tap and compare it with
 * vn_make_frame(len, seed).  Returns 0 on match, -ETIMEDOUT, -EMSGSIZE
 * (length differs) or -EBADMSG (content differs).
 */
int nu_expect_frame(struct vn_ctx *c, size_t len, uint32_t seed,
		    int timeout_ms);
/* Post one TX frame vn_make_frame(len, seed) and publish it (no kick). */
int nu_tx_frame(struct vn_ctx *c, size_t len, uint32_t seed,
		unsigned int nsegs, bool indirect);
/* Send vn_make_frame(len, seed) out of the tap towards the guest. */
int nu_send_frame(struct vn_ctx *c, size_t len, uint32_t seed);

/* Interface helpers. */
int nu_set_mtu(const char *ifname, int mtu);
int nu_get_hwaddr(const char *ifname, uint8_t mac[6]);
/* Open an extra tap (not attached), bring it up, IPv6 off. */
int nu_tap_open_up(char ifname[IFNAMSIZ], int flags);
/* AF_PACKET socket bound to @ifindex (ETH_P_ALL). */
int nu_pkt_socket(int ifindex);

/*
 * Create a macvtap named @name on top of @lower_ifindex in @mode
 * (MACVLAN_MODE_*) over rtnetlink; returns its ifindex or -errno.
 */
int nu_macvtap_create(int lower_ifindex, const char *name, uint32_t mode);
int nu_link_del(int ifindex);


#endif
