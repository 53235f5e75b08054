// SPDX-License-Identifier: GPL-2.0
/*
 * net_util: helpers for the vhost-net conformance suites (see net_util.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net_util.h"

uint16_t nu_used_idx(struct vg_dev *d, unsigned int q)
{
	return __atomic_load_n(&d->vq[q].used->idx, __ATOMIC_ACQUIRE);
}

int nu_wait_used_idx(struct vg_dev *d, unsigned int q, uint16_t target,
		     int timeout_ms)
{
	long long end = vg_now_ms() + timeout_ms;

	for (;;) {
		/* reached when target lies in (last_used, used] */
		uint16_t u = nu_used_idx(d, q);

		if ((uint16_t)(u - d->vq[q].last_used) >=
		    (uint16_t)(target - d->vq[q].last_used))
			return 1;
		if (vg_now_ms() >= end)
			return 0;
		usleep(500);
	}
}

struct vring_used_elem nu_used_elem(struct vg_dev *d, unsigned int q,
				    uint16_t pos)
{
	struct vg_vq *vq = &d->vq[q];
	struct vring_used_elem e;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = vq->used->ring[pos % vq->num];
	return e;
}

void nu_used_consume_all(struct vg_dev *d, unsigned int q)
{
	d->vq[q].last_used = nu_used_idx(d, q);
}

void nu_set_used_event(struct vg_dev *d, unsigned int q, uint16_t v)
{
	struct vg_vq *vq = &d->vq[q];

	__atomic_store_n(&vq->avail->ring[vq->num], v, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint16_t nu_avail_event(struct vg_dev *d, unsigned int q)
{
	struct vg_vq *vq = &d->vq[q];
	uint16_t *ae = (uint16_t *)&vq->used->ring[vq->num];

	return __atomic_load_n(ae, __ATOMIC_ACQUIRE);
}

int nu_get_vring_base(struct vg_dev *d, unsigned int q, unsigned int *num)
{
	struct vhost_vring_state s = { .index = q };

	if (ioctl(d->fd, VHOST_GET_VRING_BASE, &s))
		return -errno;
	*num = s.num;
	return 0;
}

int nu_pkt_rcvbuf(struct vn_ctx *c, int bytes)
{
	return setsockopt(c->pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
			  sizeof(bytes)) ? -errno : 0;
}

int nu_expect_frame(struct vn_ctx *c, size_t len, uint32_t seed,
		    int timeout_ms)
{
	static uint8_t got[NU_RXBUF], want[NU_RXBUF];
	ssize_t n;

	if (len > NU_MAX_FRAME)
		return -EINVAL;
	n = vn_pkt_recv(c, got, sizeof(got), timeout_ms);
	if (n < 0)
		return n;
	if ((size_t)n != len)
		return -EMSGSIZE;
	vn_make_frame(want, len, seed);
	return memcmp(got, want, len) ? -EBADMSG : 0;
}

int nu_tx_frame(struct vn_ctx *c, size_t len, uint32_t seed,
		unsigned int nsegs, bool indirect)
{
	static uint8_t f[NU_RXBUF];
	int head;

	if (len > NU_MAX_FRAME)
		return -EINVAL;
	vn_make_frame(f, len, seed);
	head = vn_tx_post(c, f, len, nsegs, indirect);
	if (head >= 0)
		vg_publish(&c->d, VN_TXQ, head);
	return head;
}

int nu_send_frame(struct vn_ctx *c, size_t len, uint32_t seed)
{
	static uint8_t f[NU_RXBUF];

	if (len > NU_MAX_FRAME)
		return -EINVAL;
	vn_make_frame(f, len, seed);
	return vn_pkt_send(c, f, len);
}

static int ifreq_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
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

int nu_set_mtu(const char *ifname, int mtu)
{
	struct ifreq ifr = { 0 };

	ifr.ifr_mtu = mtu;
	return ifreq_ioctl(ifname, SIOCSIFMTU, &ifr);
}

int nu_get_hwaddr(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int r = ifreq_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	if (!r)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

int nu_tap_open_up(char ifname[IFNAMSIZ], int flags)
{
	char path[128];
	int fd, r;

	snprintf(ifname, IFNAMSIZ, "vu%%d");
	fd = vg_tap_open(ifname, flags);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	if (!access(path, F_OK))
		vg_write_file(path, "1");
	r = vg_link_up(ifname);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int nu_pkt_socket(int ifindex)
{
	struct sockaddr_ll sll = { 0 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -errno;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* ---- minimal rtnetlink ---------------------------------------------------- */

struct nu_nlmsg {
	struct nlmsghdr n;
	struct ifinfomsg i;
	char buf[512];
};

static struct rtattr *nla_add(struct nu_nlmsg *m, unsigned short type,
			      const void *data, size_t len)
{
	struct nlmsghdr *n = &m->n;
	struct rtattr *rta = (struct rtattr *)((char *)m + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nla_end(struct nu_nlmsg *m, struct rtattr *nest)
{
	nest->rta_len = (char *)m + m->n.nlmsg_len - (char *)nest;
}

static int nl_talk(struct nlmsghdr *n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char reply[1024];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t len;
	int r;

	if (fd < 0)
		return -errno;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = 1;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	len = recv(fd, reply, sizeof(reply), 0);
	if (len < (ssize_t)NLMSG_HDRLEN) {
		r = len < 0 ? -errno : -EIO;
		goto out;
	}
	if (h->nlmsg_type == NLMSG_ERROR)
		r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	else
		r = -EIO;
out:
	close(fd);
	return r;
}

int nu_macvtap_create(int lower_ifindex, const char *name, uint32_t mode)
{
	struct nu_nlmsg m = { 0 };
	struct rtattr *li, *data;
	uint32_t link = lower_ifindex;
	int r;

	m.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	m.n.nlmsg_type = RTM_NEWLINK;
	m.n.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	m.i.ifi_family = AF_UNSPEC;
	nla_add(&m, IFLA_LINK, &link, sizeof(link));
	nla_add(&m, IFLA_IFNAME, name, strlen(name) + 1);
	li = nla_add(&m, IFLA_LINKINFO, NULL, 0);
	nla_add(&m, IFLA_INFO_KIND, "macvtap", strlen("macvtap"));
	data = nla_add(&m, IFLA_INFO_DATA, NULL, 0);
	nla_add(&m, IFLA_MACVLAN_MODE, &mode, sizeof(mode));
	nla_end(&m, data);
	nla_end(&m, li);
	r = nl_talk(&m.n);
	if (r)
		return r;
	r = if_nametoindex(name);
	return r ? r : -ENODEV;
}

int nu_link_del(int ifindex)
{
	struct nu_nlmsg m = { 0 };

	m.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	m.n.nlmsg_type = RTM_DELLINK;
	m.i.ifi_family = AF_UNSPEC;
	m.i.ifi_index = ifindex;
	return nl_talk(&m.n);
}
