// SPDX-License-Identifier: GPL-2.0
/*
 * attack_util: helpers for the attack_* selftests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "attack_util.h"
#include "core_util.h"

void at_desc(struct vring_desc *tbl, unsigned int i, uint64_t addr,
	     uint32_t len, uint16_t flags, uint16_t next)
{
	tbl[i].addr = addr;
	tbl[i].len = len;
	tbl[i].flags = flags;
	tbl[i].next = next;
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

enum at_outcome at_wait_outcome(struct vn_ctx *c, unsigned int q, int head,
				int ms)
{
	struct vg_vq *vq = &c->d.vq[q];
	long long end = vg_now_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = vq->err_fd, .events = POLLIN };

		if (vg_used_pending(&c->d, q)) {
			uint32_t id, len;

			vg_wait_used(&c->d, q, 0, &id, &len);
			return (id == (uint32_t)head && len == 0) ?
				AT_USED0 : AT_USED_BAD;
		}
		if (poll(&p, 1, 10) > 0 && vg_eventfd_drain(vq->err_fd)) {
			/*
			 * Give a used entry that races with the error a
			 * chance to show up: an error plus a completion of
			 * the same request is not a rejection.
			 */
			usleep(50000);
			return vg_used_pending(&c->d, q) ? AT_USED_BAD : AT_ERR;
		}
		if (vg_now_ms() >= end)
			return AT_NOTHING;
	}
}

bool at_no_tx_frame(struct vn_ctx *c, int ms)
{
	uint8_t buf[2048];

	return vn_pkt_recv(c, buf, sizeof(buf), ms) == -ETIMEDOUT;
}

int at_reset_queue(struct vn_ctx *c, unsigned int q)
{
	struct vg_vq *vq = &c->d.vq[q];
	struct vhost_vring_state s = { .index = q, .num = 0 };
	int r;

	r = vn_set_backend(c, q, -1);
	if (r)
		return r;
	memset(vq->desc, 0, 16 * vq->num);
	memset(vq->avail, 0, 6 + 2 * vq->num);
	memset(vq->used, 0, 6 + 8 * vq->num);
	vq->avail_idx = vq->last_used = vq->next_desc = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (ioctl(c->d.fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	vg_eventfd_drain(vq->err_fd);
	vg_eventfd_drain(vq->call_fd);
	return vn_set_backend(c, q, c->tap_fd);
}

uint8_t *at_tx_buf(struct vn_ctx *c, size_t frame_len, uint32_t seed,
		   size_t *total)
{
	size_t t = c->hdr_len + frame_len;
	uint8_t *buf = vg_alloc(&c->d, t, 64);

	if (!buf)
		return NULL;
	vn_make_frame(buf + c->hdr_len, frame_len, seed);
	if (total)
		*total = t;
	return buf;
}

int at_tx_valid(struct vn_ctx *c, size_t len, uint32_t seed)
{
	uint8_t frame[2048], got[2048];
	uint32_t id, ulen;
	int head;

	if (len > sizeof(frame))
		return -1;
	vn_make_frame(frame, len, seed);
	head = vn_tx_post(c, frame, len, 1, false);
	if (head < 0)
		return -2;
	vg_publish(&c->d, VN_TXQ, head);
	if (vg_kick(&c->d, VN_TXQ))
		return -3;
	if (vg_wait_used(&c->d, VN_TXQ, 5000, &id, &ulen) != 1)
		return -4;
	if (id != (uint32_t)head)
		return -5;
	if (vn_pkt_recv(c, got, sizeof(got), 5000) != (ssize_t)len)
		return -6;
	return memcmp(frame, got, len) ? -7 : 0;
}

int at_rx_valid(struct vn_ctx *c, size_t len, uint32_t seed)
{
	uint8_t frame[2048];
	void *bufs[4];
	int heads[4];

	if (len > sizeof(frame))
		return -1;
	for (int i = 0; i < 4; i++) {
		heads[i] = vn_rx_post(c, 2048, &bufs[i]);
		if (heads[i] < 0)
			return -2;
		vg_publish(&c->d, VN_RXQ, heads[i]);
	}
	if (vg_kick(&c->d, VN_RXQ))
		return -3;
	vn_make_frame(frame, len, seed);
	if (vn_pkt_send(c, frame, len))
		return -4;
	for (int n = 0; n < 4; n++) {
		uint32_t id, ulen;
		uint8_t *p = NULL;

		if (vg_wait_used(&c->d, VN_RXQ, 5000, &id, &ulen) != 1)
			return -5;
		for (int i = 0; i < 4; i++)
			if ((uint32_t)heads[i] == id)
				p = (uint8_t *)bufs[i] + c->hdr_len;
		if (!p || ulen < c->hdr_len + 14 || ulen > 2048)
			return -6;
		if (ulen == c->hdr_len + len && !memcmp(p, frame, len))
			return 0;
		/* an older frame queued before the reset */
		if (p[12] != (VN_ETHERTYPE >> 8) || p[13] != (VN_ETHERTYPE & 0xff))
			return -7;
	}
	return -8;
}

int at_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* Interface ioctl @req on @ifr named @ifname, through a socket. */
static int at_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, req, ifr))
		r = -errno;
	close(s);
	return r;
}

int at_set_mtu(const char *ifname, int mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };

	return at_if_ioctl(ifname, SIOCSIFMTU, &ifr);
}

int at_set_txqlen(const char *ifname, int qlen)
{
	struct ifreq ifr = { .ifr_qlen = qlen };

	return at_if_ioctl(ifname, SIOCSIFTXQLEN, &ifr);
}

int at_iotlb(int fd, uint8_t type, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm)
{
	ssize_t n = cu_iotlb_v2(fd, type, iova, size, uaddr, perm);

	if (n < 0)
		return n;
	return n == sizeof(struct vhost_msg_v2) ? 0 : -EIO;
}

int at_iotlb_vn_setup(struct vn_ctx *c, unsigned int num)
{
	uint64_t bf = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	uint64_t hva;
	int r;

	r = vn_setup_unattached(c, VN_HDR_VHOST,
				1ULL << VIRTIO_F_ACCESS_PLATFORM, num);
	if (r)
		return r;
	if (ioctl(c->d.fd, VHOST_SET_BACKEND_FEATURES, &bf))
		return -errno;
	hva = (uintptr_t)c->d.mem;
	r = at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, hva, c->d.mem_size, hva,
		     VHOST_ACCESS_RW);
	if (!r)
		r = at_iotlb(c->d.fd, VHOST_IOTLB_UPDATE, VG_GPA_BASE,
			     c->d.mem_size, hva, VHOST_ACCESS_RW);
	if (!r)
		r = vn_set_backend(c, VN_RXQ, c->tap_fd);
	if (!r)
		r = vn_set_backend(c, VN_TXQ, c->tap_fd);
	return r;
}

int at_iotlb_wait_miss(int fd, int ms, uint64_t *iova)
{
	long long end = vg_now_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct vhost_msg_v2 m;
		int left = (int)(end - vg_now_ms());

		if (left <= 0)
			return 0;
		if (poll(&p, 1, left) <= 0)
			return 0;
		if (read(fd, &m, sizeof(m)) < (ssize_t)sizeof(m))
			continue;
		if (m.type == VHOST_IOTLB_MSG_V2 &&
		    m.iotlb.type == VHOST_IOTLB_MISS) {
			if (iova)
				*iova = m.iotlb.iova;
			return 1;
		}
	}
}
