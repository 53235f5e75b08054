// SPDX-License-Identifier: GPL-2.0
/*
 * vnet: vhost-net device + tap backend helpers for the selftests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "vnet.h"

static int quiet_ipv6(const char *ifname)
{
	char path[128];

	/* Keep the stack from sending its own frames (RS, MLD) to the guest. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	if (access(path, F_OK))
		return 0;
	return vg_write_file(path, "1");
}

int vn_set_backend(struct vn_ctx *c, unsigned int vq, int fd)
{
	struct vhost_vring_file f = { .index = vq, .fd = fd };

	return ioctl(c->d.fd, VHOST_NET_SET_BACKEND, &f) ? -errno : 0;
}

int vn_setup_unattached(struct vn_ctx *c, enum vn_hdr_mode mode,
			uint64_t extra, unsigned int num)
{
	struct sockaddr_ll sll = { 0 };
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | extra;
	int tapflags = 0, rcvbuf, r;

	memset(c, 0, sizeof(*c));
	c->tap_fd = c->pkt_fd = -1;
	c->mode = mode;
	r = vg_open(&c->d, "/dev/vhost-net", 0);
	if (r)
		return r;
	if (ioctl(c->d.fd, VHOST_SET_OWNER, NULL))
		return -errno;
	/* VERSION_1 and MRG_RXBUF both mean the 12-byte header. */
	c->hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	if (mode == VN_HDR_VHOST)
		features |= 1ULL << VHOST_NET_F_VIRTIO_NET_HDR;
	else
		tapflags = IFF_VNET_HDR;
	r = vg_set_features(&c->d, features);
	if (r)
		return r;
	r = vg_set_mem_table_default(&c->d);
	if (r)
		return r;
	r = vg_vq_setup(&c->d, VN_RXQ, num);
	if (!r)
		r = vg_vq_setup(&c->d, VN_TXQ, num);
	if (r)
		return r;

	snprintf(c->ifname, IFNAMSIZ, "vt%%d");
	c->tap_fd = vg_tap_open(c->ifname, tapflags);
	if (c->tap_fd < 0)
		return c->tap_fd;
	if (mode == VN_HDR_TAP) {
		int sz = c->hdr_len;

		if (ioctl(c->tap_fd, TUNSETVNETHDRSZ, &sz))
			return -errno;
	}
	quiet_ipv6(c->ifname);
	r = vg_link_up(c->ifname);
	if (r)
		return r;
	c->ifindex = if_nametoindex(c->ifname);

	c->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (c->pkt_fd < 0)
		return -errno;
	/*
	 * Tests kick hundreds of frames before reading them back; the default
	 * receive buffer would drop some on a slow (debug, TCG) kernel.
	 */
	rcvbuf = 64 << 20;
	setsockopt(c->pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = c->ifindex;
	if (bind(c->pkt_fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	return 0;
}

int vn_setup(struct vn_ctx *c, enum vn_hdr_mode mode, uint64_t extra,
	     unsigned int num)
{
	int r = vn_setup_unattached(c, mode, extra, num);

	if (!r)
		r = vn_set_backend(c, VN_RXQ, c->tap_fd);
	if (!r)
		r = vn_set_backend(c, VN_TXQ, c->tap_fd);
	return r;
}

void vn_teardown(struct vn_ctx *c)
{
	/* Closing the vhost fd detaches the backend; then the tap goes. */
	vg_close(&c->d);
	if (c->pkt_fd >= 0)
		close(c->pkt_fd);
	if (c->tap_fd >= 0)
		close(c->tap_fd);
	c->pkt_fd = c->tap_fd = -1;
}

int vn_pkt_send(struct vn_ctx *c, const void *frame, size_t len)
{
	ssize_t n = send(c->pkt_fd, frame, len, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

ssize_t vn_pkt_recv(struct vn_ctx *c, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = c->pkt_fd, .events = POLLIN };

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		n = recvfrom(c->pkt_fd, buf, len, MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -errno;
		/* Our own transmissions loop back as PACKET_OUTGOING. */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		return n;
	}
}

void vn_pkt_flush(struct vn_ctx *c)
{
	char buf[2048];

	while (recv(c->pkt_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

void vn_make_frame(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	vg_fill_pattern(p, len, seed);
	if (len < 14)
		return;
	memset(p, 0xff, 6);
	memcpy(p + 6, src, 6);
	p[12] = VN_ETHERTYPE >> 8;
	p[13] = VN_ETHERTYPE & 0xff;
}

int vn_tx_post(struct vn_ctx *c, const void *frame, size_t len,
	       unsigned int nsegs, bool indirect)
{
	struct vg_seg segs[64];
	size_t total = c->hdr_len + len, off = 0;
	uint8_t *buf;

	if (!nsegs || nsegs > 64 || nsegs > total)
		return -EINVAL;
	buf = vg_alloc(&c->d, total, 64);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + c->hdr_len, frame, len);	/* header stays zero */
	for (unsigned int i = 0; i < nsegs; i++) {
		size_t l = i + 1 < nsegs ? total / nsegs : total - off;

		segs[i].addr = buf + off;
		segs[i].len = l;
		segs[i].write = false;
		off += l;
	}
	return vg_add_chain(&c->d, VN_TXQ, segs, nsegs, indirect);
}

int vn_rx_post(struct vn_ctx *c, size_t len, void **bufp)
{
	struct vg_seg seg;
	void *buf = vg_alloc(&c->d, len, 64);

	if (!buf)
		return -ENOMEM;
	seg.addr = buf;
	seg.len = len;
	seg.write = true;
	if (bufp)
		*bufp = buf;
	return vg_add_chain(&c->d, VN_RXQ, &seg, 1, false);
}

long vn_worker_ticks(struct vn_ctx *c)
{
	char path[64], buf[1024];
	int tids[16], n = vg_worker_tids(tids, 16);
	long total = -1;

	for (int i = 0; i < n && i < 16; i++) {
		char *p;
		long ut, st;

		/*
		 * A worker that is a thread of ours (6.12 on) has its own
		 * times only under /proc/self/task: /proc/<tid>/stat sums the
		 * whole process, this test's thread included.
		 */
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tids[i]);
		if (vg_read_file(path, buf, sizeof(buf)) < 0) {
			snprintf(path, sizeof(path), "/proc/%d/stat", tids[i]);
			if (vg_read_file(path, buf, sizeof(buf)) < 0)
				continue;
		}
		p = strrchr(buf, ')');
		/* fields after ')': state ppid ... utime(14) stime(15) */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
				&ut, &st) == 2)
			total = (total < 0 ? 0 : total) + ut + st;
	}
	return total;
}
