// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers of the qemu suite that busybox lacks (static binary).
 *
 *   qtool tap NAME [mq]      create a persistent tap (multi-queue with "mq"),
 *                            like "ip tuntap add NAME mode tap [multi_queue]
 *                            vnet_hdr", which busybox's ip cannot do
 *   qtool channels IFACE N   set IFACE's combined channels to N, like
 *                            "ethtool -L IFACE combined N" (nested guest)
 *   qtool channels IFACE     print "combined=<current> max=<max>"
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int tap(const char *name, int mq)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0) {
		perror("qtool: /dev/net/tun");
		return 1;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
			(mq ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
		perror("qtool: TUNSETIFF/TUNSETPERSIST");
		return 1;
	}
	close(fd);
	return 0;
}

static int channels(const char *iface, const char *n)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", iface);
	ifr.ifr_data = (void *)&ch;
	if (s < 0 || ioctl(s, SIOCETHTOOL, &ifr) < 0) {
		perror("qtool: ETHTOOL_GCHANNELS");
		return 1;
	}
	if (n) {
		ch.cmd = ETHTOOL_SCHANNELS;
		ch.combined_count = atoi(n);
		if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
			perror("qtool: ETHTOOL_SCHANNELS");
			return 1;
		}
		ch.cmd = ETHTOOL_GCHANNELS;
		if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
			perror("qtool: ETHTOOL_GCHANNELS");
			return 1;
		}
	}
	printf("combined=%u max=%u\n", ch.combined_count, ch.max_combined);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "tap"))
		return tap(argv[2], argc > 3 && !strcmp(argv[3], "mq"));
	if (argc >= 3 && !strcmp(argv[1], "channels"))
		return channels(argv[2], argc > 3 ? argv[3] : NULL);
	fprintf(stderr, "usage: qtool tap NAME [mq] | channels IFACE [N]\n");
	return 2;
}
