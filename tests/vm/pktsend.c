// SPDX-License-Identifier: GPL-2.0
/*
 * pktsend - send Ethernet frames out of one interface through a packet
 * socket.  The testpmd suite uses it to inject traffic into the tap that
 * DPDK's virtio_user port sits behind (busybox has no packet generator).
 *
 *   pktsend [-c COUNT] [-t SECONDS] [-s SIZE] [-b BATCH] [-g GAP_US]
 *           [-r WAIT_MS] IFACE
 *
 * Sends COUNT frames (0: no limit) for at most SECONDS, in batches of
 * BATCH frames with GAP_US microseconds between batches.  A frame the
 * qdisc refuses (ENOBUFS) is retried, so "sent" counts frames the kernel
 * took.  Prints "pktsend: sent=N retries=N ms=N" on stdout.
 *
 * Every frame carries its sequence number (8 bytes after the Ethernet
 * header) and a payload derived from it, so a receiver can check each byte.
 * With -r, pktsend also receives what comes back into IFACE (the testpmd
 * suite has testpmd forward the frames back out of its port) until every
 * frame is back or nothing arrived for WAIT_MS, checks each one byte for
 * byte, and adds "received=N bad=N dup=N missing=N" (received counts good
 * frames, each sequence number once).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 64
#define MAX_SIZE 1514
/* IEEE local experimental ethertype: no stack on the tap side parses it. */
#define PKTSEND_ETHERTYPE 0x88b5

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void print_usage(void)
{
	fprintf(stderr,
		"Usage: pktsend [-c COUNT] [-t SECONDS] [-s SIZE] [-b BATCH] [-g GAP_US] [-r WAIT_MS] IFACE\n");
	exit(2);
}

/* Frame seq: broadcast, fixed source, our ethertype, seq, then a payload
 * that depends on seq and offset (a shifted or stale buffer shows). */
static void fill_frame(unsigned char *f, unsigned int size, uint64_t seq)
{
	struct ether_header *eh = (struct ether_header *)f;
	unsigned int i;

	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eh->ether_type = htons(PKTSEND_ETHERTYPE);
	memcpy(f + ETH_HLEN, &seq, sizeof(seq));
	for (i = ETH_HLEN + sizeof(seq); i < size; i++)
		f[i] = (unsigned char)(seq * 131 + i);
}

struct rxstat {
	unsigned long long good, bad, dup;
	unsigned char *seen;	/* one byte per sequence number */
};

/* Read every frame waiting on fd; check each against what was sent. */
static void drain(int fd, unsigned int size, unsigned long long count,
		  struct rxstat *st)
{
	unsigned char buf[MAX_SIZE + 64], want[MAX_SIZE];
	struct sockaddr_ll from;
	socklen_t fl;
	uint64_t seq;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n < ETH_HLEN + (ssize_t)sizeof(seq)) {
			st->bad++;
			continue;
		}
		memcpy(&seq, buf + ETH_HLEN, sizeof(seq));
		if (seq >= count || (size_t)n != size) {
			st->bad++;
			continue;
		}
		fill_frame(want, size, seq);
		if (memcmp(buf, want, size)) {
			st->bad++;
		} else if (st->seen[seq]) {
			st->dup++;
		} else {
			st->seen[seq] = 1;
			st->good++;
		}
	}
}

int main(int argc, char **argv)
{
	static unsigned char frames[MAX_BATCH][MAX_SIZE];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned long long count = 1000, sent = 0, retries = 0;
	unsigned int size = 60, batch = 32, gap = 0, seconds = 10;
	int wait_ms = -1, rcvbuf = 16 << 20;
	struct rxstat st = { 0 };
	struct sockaddr_ll sll;
	uint64_t t0, deadline;
	int opt, fd, i;

	while ((opt = getopt(argc, argv, "c:t:s:b:g:r:")) != -1) {
		switch (opt) {
		case 'c':
			count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			gap = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			wait_ms = atoi(optarg);
			break;
		default:
			print_usage();
		}
	}
	if (optind + 1 != argc || size < ETH_ZLEN || size > MAX_SIZE ||
	    batch < 1 || batch > MAX_BATCH || (wait_ms >= 0 && !count))
		print_usage();
	if (wait_ms >= 0) {
		st.seen = calloc(count, 1);
		if (!st.seen) {
			perror("pktsend: calloc");
			return 1;
		}
	}

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("pktsend: socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(PKTSEND_ETHERTYPE);
	sll.sll_ifindex = if_nametoindex(argv[optind]);
	if (!sll.sll_ifindex) {
		perror("pktsend: if_nametoindex");
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("pktsend: bind");
		return 1;
	}
	/* Bound to our ethertype, fd also receives what comes back; room for
	 * every frame in case the drains between batches fall behind. */
	if (wait_ms >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < MAX_BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_us();
	deadline = t0 + (uint64_t)seconds * 1000000;
	while ((!count || sent < count) && now_us() < deadline) {
		unsigned int n = batch;
		int r;

		if (count && count - sent < n)
			n = count - sent;
		/* Sequence numbers let a capture spot loss or reordering. */
		for (i = 0; i < (int)n; i++)
			fill_frame(frames[i], size, sent + i);
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("pktsend: sendmmsg");
				break;
			}
			retries++;
			usleep(100);
			continue;
		}
		sent += r;
		if (gap)
			usleep(gap);
		if (st.seen)
			drain(fd, size, count, &st);
	}
	if (st.seen) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		drain(fd, size, count, &st);
		while (st.good < sent && poll(&pfd, 1, wait_ms) > 0)
			drain(fd, size, count, &st);
	}
	printf("pktsend: sent=%llu retries=%llu ms=%llu", sent, retries,
	       (unsigned long long)(now_us() - t0) / 1000);
	if (st.seen)
		printf(" received=%llu bad=%llu dup=%llu missing=%llu", st.good,
		       st.bad, st.dup, sent - st.good);
	printf("\n");
	close(fd);
	return 0;
}
