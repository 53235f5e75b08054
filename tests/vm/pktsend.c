// SPDX-License-Identifier: GPL-2.0
/*
 * pktsend - send Ethernet frames out of one interface through a packet
 * socket.  The testpmd suite uses it to inject traffic into the tap that
 * DPDK's virtio_user port sits behind (busybox has no packet generator).
 *
 *   pktsend [-c COUNT] [-t SECONDS] [-s SIZE] [-b BATCH] [-g GAP_US] IFACE
 *
 * Sends COUNT frames (0: no limit) for at most SECONDS, in batches of
 * BATCH frames with GAP_US microseconds between batches.  A frame the
 * qdisc refuses (ENOBUFS) is retried, so "sent" counts frames the kernel
 * took.  Prints "pktsend: sent=N retries=N ms=N" on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
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
		"Usage: pktsend [-c COUNT] [-t SECONDS] [-s SIZE] [-b BATCH] [-g GAP_US] IFACE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static unsigned char frames[MAX_BATCH][MAX_SIZE];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned long long count = 1000, sent = 0, retries = 0;
	unsigned int size = 60, batch = 32, gap = 0, seconds = 10;
	struct sockaddr_ll sll;
	uint64_t t0, deadline;
	int opt, fd, i;

	while ((opt = getopt(argc, argv, "c:t:s:b:g:")) != -1) {
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
		default:
			print_usage();
		}
	}
	if (optind + 1 != argc || size < ETH_ZLEN || size > MAX_SIZE ||
	    batch < 1 || batch > MAX_BATCH)
		print_usage();

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

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < MAX_BATCH; i++) {
		struct ether_header *eh = (struct ether_header *)frames[i];

		memset(eh->ether_dhost, 0xff, ETH_ALEN);
		memcpy(eh->ether_shost, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
		eh->ether_type = htons(PKTSEND_ETHERTYPE);
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
		for (i = 0; i < (int)n; i++) {
			uint64_t seq = sent + i;

			memcpy(frames[i] + ETH_HLEN, &seq, sizeof(seq));
		}
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
	}
	printf("pktsend: sent=%llu retries=%llu ms=%llu\n", sent, retries,
	       (unsigned long long)(now_us() - t0) / 1000);
	close(fd);
	return 0;
}
