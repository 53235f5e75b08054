/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost uapi that ours offers on every kernel although older kernels'
 * headers lack it: the same numbers and layouts, defined only where the
 * headers predate them.  For the modules (through compat.h) and for the
 * selftests, which build against Debian 12's userspace headers.
 */
#ifndef _VHH_UAPI_H
#define _VHH_UAPI_H

#include <linux/vhost.h>

/* The worker ioctls (uapi of 6.5). */
#ifndef VHOST_NEW_WORKER
struct vhost_worker_state {
	unsigned int worker_id;
};

struct vhost_vring_worker {
	unsigned int index;
	unsigned int worker_id;
};

#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
#define VHOST_ATTACH_VRING_WORKER \
	_IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
#define VHOST_GET_VRING_WORKER \
	_IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)
#endif

/* 128-bit feature negotiation (uapi of 6.18). */
#ifndef VHOST_GET_FEATURES_ARRAY
#define VHOST_GET_FEATURES_ARRAY _IOR(VHOST_VIRTIO, 0x83, __u64)
#define VHOST_SET_FEATURES_ARRAY _IOW(VHOST_VIRTIO, 0x83, __u64)
#endif

/* The worker-mode ioctls (uapi of 6.17; Debian's 6.12 has them). */
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_FORK_OWNER_KTHREAD 0
#define VHOST_FORK_OWNER_TASK 1
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#define VHOST_GET_FORK_FROM_OWNER _IOR(VHOST_VIRTIO, 0x85, __u8)
#endif

/*
 * GSO over UDP tunnels (uapi of 6.18): virtio-net feature bits above 63,
 * and the header they make both sides use, struct
 * virtio_net_hdr_v1_hash_tunnel (the 12-byte v1 header, the 8 bytes of
 * the hash report, the outer transport and inner network offsets).
 */
#ifndef VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO
#define VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO 65
#define VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO 67
#endif
#define VHH_NET_HDR_TUNNEL_LEN 24

#endif /* _VHH_UAPI_H */
