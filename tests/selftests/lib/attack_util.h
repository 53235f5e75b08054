/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attack_util: helpers for the attack_* selftests (malformed chains, ring
 * placement, dirty logging, resource loops) driven through vhost-net.
 */
#ifndef ATTACK_UTIL_H
#define ATTACK_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "vnet.h"

/* Outcome of a malformed request (at_wait_outcome()). */
enum at_outcome {
	AT_NOTHING = 0,		/* neither error nor used entry: ignored/hung */
	AT_ERR = 1,		/* error eventfd signalled, no used entry */
	AT_USED0 = 2,		/* failed with a used entry of len 0 for head */
	AT_USED_BAD = 3,	/* used entry with a wrong id or a nonzero len */
};

/* Write one raw descriptor into a table. */
void at_desc(struct vring_desc *tbl, unsigned int i, uint64_t addr,
	     uint32_t len, uint16_t flags, uint16_t next);

/*
 * After a malformed request on queue @q was kicked: wait up to @ms for
 * the error eventfd or a used entry.  A used entry counts as AT_USED0 only
 * if its id is @head and its len is 0; for RX, len 0 is the only way to
 * fail a request visibly, and for TX it is what 6.1 writes anyway (the TX
 * tests therefore also check that nothing came out of the tap).
 */
enum at_outcome at_wait_outcome(struct vn_ctx *c, unsigned int q, int head,
				int ms);
/* Both outcomes the hardened device may choose. */
static inline bool at_rejected(enum at_outcome o)
{
	return o == AT_ERR || o == AT_USED0;
}

/* True if no frame shows up on the tap interface within @ms. */
bool at_no_tx_frame(struct vn_ctx *c, int ms);

/*
 * Guest-side reset of one queue: detach the backend, zero the rings,
 * VHOST_SET_VRING_BASE 0, drain the eventfds, reattach the tap.
 * Returns 0 or -errno.
 */
int at_reset_queue(struct vn_ctx *c, unsigned int q);

/*
 * One valid TX frame of @len bytes (header + frame in @nsegs segments):
 * returns 0 if it completes and arrives byte-exact, else a negative step.
 */
int at_tx_valid(struct vn_ctx *c, size_t len, uint32_t seed);
/*
 * One valid RX frame of @len bytes into fresh buffers; frames that were
 * already queued in the tap before may arrive first (they must carry
 * VN_ETHERTYPE).  Returns 0 if the new frame lands byte-exact.
 */
int at_rx_valid(struct vn_ctx *c, size_t len, uint32_t seed);

/* Buffer in the arena holding a zero virtio-net header + frame. */
uint8_t *at_tx_buf(struct vn_ctx *c, size_t frame_len, uint32_t seed,
		   size_t *total);

/* Number of open file descriptors of this process. */
int at_fd_count(void);
/* Set the MTU of an interface (socket ioctl, not the tap fd). */
int at_set_mtu(const char *ifname, int mtu);
/* Set the transmit queue length of an interface (same way). */
int at_set_txqlen(const char *ifname, int qlen);

/* IOTLB (VIRTIO_F_ACCESS_PLATFORM): one VHOST_IOTLB_MSG_V2 message. */
int at_iotlb(int fd, uint8_t type, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm);
/* Wait up to @ms for an IOTLB miss on @fd; 1 and the iova, or 0. */
int at_iotlb_wait_miss(int fd, int ms, uint64_t *iova);
/*
 * vn_setup() with VIRTIO_F_ACCESS_PLATFORM and IOTLB_MSG_V2: the arena is
 * mapped twice, 1:1 at its host address (the rings are given as host
 * pointers) and at VG_GPA_BASE (buffers are given by GPA), then the tap is
 * attached to both queues.  Returns 0 or -errno (-EOPNOTSUPP/-EINVAL: no
 * IOTLB offered).
 */
int at_iotlb_vn_setup(struct vn_ctx *c, unsigned int num);

/* Dirty log helpers: bit for guest page @gpa / VHOST_PAGE_SIZE. */
static inline bool at_log_test(const uint8_t *log, uint64_t gpa)
{
	uint64_t pg = gpa / 0x1000;

	return log[pg / 8] & (1u << (pg % 8));
}

#endif
