// SPDX-License-Identifier: GPL-2.0
/*
 * The bench VM's end of the nested QEMU guest's transfers (bench workload
 * qemu-xfer, tests/vm/qemu-bench.sh), timed on the VM's clock, which under
 * instruction counting is the count of instructions executed.  Static.
 *
 *   xfer serve ADDR PORT BYTES   answer one HTTP GET with BYTES bytes
 *                                (host -> guest)
 *   xfer get ADDR PORT PATH BYTES  fetch http://ADDR:PORT/PATH, which must
 *                                have BYTES bytes (guest -> host)
 *
 * Both print "bytes=N ns=T": T runs from the accepted or established
 * connection to the peer's orderly close, so every byte served was taken
 * by the guest (a reset instead of a close fails the run), and every byte
 * fetched arrived here.  Exit status 0 only for the full count.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int addr_of(struct sockaddr_in *sa, const char *ip, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(port));
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "xfer: bad address %s\n", ip);
		return -1;
	}
	return 0;
}

/* Read until the blank line that ends an HTTP header; 0 when found. */
static int skip_header(int fd, char *buf, size_t size, size_t *extra)
{
	size_t have = 0;
	char *end;
	ssize_t r;

	while (have < size - 1) {
		r = read(fd, buf + have, size - 1 - have);
		if (r <= 0)
			return -1;
		have += r;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			*extra = have - (end + 4 - buf);
			return 0;
		}
	}
	return -1;
}

static int serve(const char *ip, const char *port, long long bytes)
{
	static char buf[CHUNK];
	struct sockaddr_in sa;
	long long t0, left = bytes;
	size_t extra;
	int one = 1, lfd, fd, n;
	ssize_t r;

	if (addr_of(&sa, ip, port))
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (void *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		perror("xfer: listen");
		return 2;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("xfer: accept");
		return 2;
	}
	t0 = now_ns();
	if (skip_header(fd, buf, sizeof(buf), &extra)) {
		fprintf(stderr, "xfer: no request\n");
		return 1;
	}
	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.0 200 OK\r\nContent-Length: %lld\r\n\r\n", bytes);
	if (write(fd, buf, n) != n) {
		perror("xfer: write");
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	while (left > 0) {
		r = write(fd, buf, left < CHUNK ? left : CHUNK);
		if (r <= 0) {
			perror("xfer: write");
			return 1;
		}
		left -= r;
	}
	shutdown(fd, SHUT_WR);
	/* The guest's wget closes once it has the whole body. */
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	if (r < 0) {
		perror("xfer: waiting for the guest's close");
		return 1;
	}
	printf("bytes=%lld ns=%lld\n", bytes, now_ns() - t0);
	return 0;
}

static int get(const char *ip, const char *port, const char *path,
	       long long bytes)
{
	static char buf[CHUNK];
	struct sockaddr_in sa;
	long long t0, got;
	size_t extra;
	int fd, n;
	ssize_t r;

	if (addr_of(&sa, ip, port))
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa))) {
		perror("xfer: connect");
		return 1;
	}
	t0 = now_ns();
	n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.0\r\n\r\n", path);
	if (write(fd, buf, n) != n || skip_header(fd, buf, sizeof(buf), &extra)) {
		fprintf(stderr, "xfer: no answer\n");
		return 1;
	}
	got = extra;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		got += r;
	if (r < 0 || got != bytes) {
		fprintf(stderr, "xfer: got %lld of %lld bytes\n", got, bytes);
		return 1;
	}
	printf("bytes=%lld ns=%lld\n", got, now_ns() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	/* A reset peer is a failed run with a reason, not a silent SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], atoll(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "get"))
		return get(argv[2], argv[3], argv[4], atoll(argv[5]));
	fprintf(stderr, "usage: xfer serve ADDR PORT BYTES | get ADDR PORT PATH BYTES\n");
	return 2;
}
