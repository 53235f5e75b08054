// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net backend handling (VHOST_NET_SET_BACKEND):
 *  - anything but a tap/tun/macvtap fd or a raw AF_PACKET socket is refused
 *    with ENOTSOCK and leaves the current backend working;
 *  - detaching (fd -1) and re-attaching while traffic runs loses and
 *    corrupts nothing, traffic resumes without an extra kick, and
 *    VHOST_GET_VRING_BASE agrees with the rings afterwards
 *    (seed spdk-threat-g: backend changed while in use);
 *  - swapping to a second tap moves the traffic there and back;
 *  - closing the device with a backend attached and traffic in flight
 *    releases the tap cleanly (it can be used and re-attached after).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "net_util.h"

FIXTURE(backend) {
	struct vn_ctx c;
};

FIXTURE_VARIANT(backend) {
	enum vn_hdr_mode mode;
};

FIXTURE_VARIANT_ADD(backend, vhost_hdr) { .mode = VN_HDR_VHOST };
FIXTURE_VARIANT_ADD(backend, tap_hdr) { .mode = VN_HDR_TAP };

FIXTURE_SETUP(backend)
{
	ASSERT_EQ(0, vn_setup(&self->c, variant->mode, 0, 256));
	ASSERT_EQ(0, nu_pkt_rcvbuf(&self->c, 32 << 20));
}

FIXTURE_TEARDOWN(backend)
{
	vn_teardown(&self->c);
}

/* One TX frame out and one RX frame in through the current backend. */
static void ping(struct __test_metadata *_metadata, struct vn_ctx *c,
		 uint32_t seed)
{
	uint16_t rx0 = nu_used_idx(&c->d, VN_RXQ);
	void *buf;
	uint8_t f[200];
	int h;

	ASSERT_LE(0, nu_tx_frame(c, 150, seed, 1, false));
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(0, nu_expect_frame(c, 150, seed, 5000));
	nu_wait_used_idx(&c->d, VN_TXQ, c->d.vq[VN_TXQ].avail_idx, 2000);
	nu_used_consume_all(&c->d, VN_TXQ);

	h = vn_rx_post(c, 2048, &buf);
	ASSERT_LE(0, h);
	vg_publish(&c->d, VN_RXQ, h);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	ASSERT_EQ(0, nu_send_frame(c, 170, seed + 1));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, rx0 + 1, 5000));
	ASSERT_EQ((uint32_t)h, nu_used_elem(&c->d, VN_RXQ, rx0).id);
	vn_make_frame(f, 170, seed + 1);
	ASSERT_EQ(0, memcmp(f, (uint8_t *)buf + c->hdr_len, 170));
	nu_used_consume_all(&c->d, VN_RXQ);
}

/*
 * An eventfd, /dev/null, a UDP socket, a SOCK_DGRAM packet socket, the
 * vhost fd itself and a closed fd are all refused (ENOTSOCK in 6.1; EBADF
 * accepted for the closed fd); an out-of-range queue index is refused too.
 * The tap stays attached and working.
 */
TEST_F(backend, non_socket_fd_rejected)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int pdg = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int bad = dup(efd), r;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, nul);
	ASSERT_LE(0, udp);
	ASSERT_LE(0, pdg);
	close(bad);
	for (unsigned int q = 0; q < 2; q++) {
		ASSERT_EQ(-ENOTSOCK, vn_set_backend(&self->c, q, efd));
		ASSERT_EQ(-ENOTSOCK, vn_set_backend(&self->c, q, nul));
		ASSERT_EQ(-ENOTSOCK, vn_set_backend(&self->c, q, udp));
		ASSERT_EQ(-ENOTSOCK, vn_set_backend(&self->c, q, pdg));
		ASSERT_EQ(-ENOTSOCK, vn_set_backend(&self->c, q, self->c.d.fd));
		r = vn_set_backend(&self->c, q, bad);
		ASSERT_TRUE(r == -ENOTSOCK || r == -EBADF) TH_LOG("closed fd: %d", r);
	}
	r = vn_set_backend(&self->c, 2, self->c.tap_fd);
	ASSERT_TRUE(r == -ENOBUFS || r == -EINVAL) TH_LOG("index 2: %d", r);
	close(efd);
	close(nul);
	close(udp);
	close(pdg);
	ping(_metadata, &self->c, 10);
}

/* Setting the same tap again is harmless; traffic keeps flowing. */
TEST_F(backend, same_backend_twice_keeps_working)
{
	ping(_metadata, &self->c, 20);
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->c.tap_fd));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_RXQ, self->c.tap_fd));
	ping(_metadata, &self->c, 30);
}

/*
 * VHOST_RESET_OWNER with both backends attached releases the tap (frames
 * sent out of it are readable on its fd again); after SET_OWNER and a full
 * re-setup the same tap attaches and carries traffic.
 */
TEST_F(backend, reset_owner_releases_and_reattaches)
{
	struct vn_ctx *c = &self->c;
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) |
		(c->mode == VN_HDR_VHOST ? 1ULL << VHOST_NET_F_VIRTIO_NET_HDR : 0);
	size_t skip = c->mode == VN_HDR_TAP ? c->hdr_len : 0;
	uint8_t got[2048], want[300];

	ping(_metadata, c, 40);
	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_RESET_OWNER, NULL));
	ASSERT_EQ(0, fcntl(c->tap_fd, F_SETFL, O_NONBLOCK));
	while (read(c->tap_fd, got, sizeof(got)) > 0)
		;
	ASSERT_EQ(0, nu_send_frame(c, 300, 41));
	usleep(100 * 1000);
	ASSERT_EQ((ssize_t)(skip + 300), read(c->tap_fd, got, sizeof(got)));
	vn_make_frame(want, 300, 41);
	ASSERT_EQ(0, memcmp(want, got + skip, 300));

	ASSERT_EQ(0, ioctl(c->d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, vg_set_features(&c->d, features));
	ASSERT_EQ(0, vg_set_mem_table_default(&c->d));
	ASSERT_EQ(0, vg_vq_setup(&c->d, VN_RXQ, 256));
	ASSERT_EQ(0, vg_vq_setup(&c->d, VN_TXQ, 256));
	ASSERT_EQ(0, vn_set_backend(c, VN_RXQ, c->tap_fd));
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
	vn_pkt_flush(c);
	ping(_metadata, c, 50);
}

struct toggler {
	struct vn_ctx *c;
	unsigned int q, cycles, period_us;
	int err;
};

static void *toggle_fn(void *arg)
{
	struct toggler *t = arg;

	for (unsigned int i = 0; i < t->cycles; i++) {
		int r = vn_set_backend(t->c, t->q, -1);

		if (!r) {
			usleep(t->period_us);
			r = vn_set_backend(t->c, t->q, t->c->tap_fd);
		}
		if (r) {
			t->err = r;
			break;
		}
		usleep(t->period_us);
	}
	return NULL;
}

#define TOG_FRAMES 1500

static size_t tog_len(unsigned int i)
{
	return 60 + (i * 211) % 1455;
}

/*
 * TX: 1500 frames posted in windows of 32 while another thread detaches and
 * re-attaches the TX backend 25 times: every frame comes out once, in
 * order, byte-exact; the last ones without any kick after the final
 * re-attach; GET_VRING_BASE == used->idx == frames posted.
 */
TEST_F_TIMEOUT(backend, tx_detach_reattach_under_traffic, 180)
{
	struct toggler t = { .c = &self->c, .q = VN_TXQ, .cycles = 25,
			     .period_us = 8000 };
	struct vg_dev *d = &self->c.d;
	unsigned int posted = 0, base;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, toggle_fn, &t));
	while (posted < TOG_FRAMES) {
		unsigned int n = TOG_FRAMES - posted < 32 ? TOG_FRAMES - posted : 32;

		/* a window never wraps onto descriptors still in flight */
		ASSERT_EQ(1, nu_wait_used_idx(d, VN_TXQ, posted < 32 ?
					      0 : posted - 32, 10000));
		for (unsigned int i = 0; i < n; i++, posted++)
			ASSERT_LE(0, nu_tx_frame(&self->c, tog_len(posted),
						 20000 + posted, 1 + posted % 3,
						 false));
		ASSERT_EQ(0, vg_kick(d, VN_TXQ));
		usleep(2000);
	}
	pthread_join(th, NULL);
	ASSERT_EQ(0, t.err);
	ASSERT_EQ(1, nu_wait_used_idx(d, VN_TXQ, TOG_FRAMES, 10000)) {
		TH_LOG("used %u of %u", nu_used_idx(d, VN_TXQ), TOG_FRAMES);
	}
	for (unsigned int i = 0; i < TOG_FRAMES; i++)
		ASSERT_EQ(0u, nu_used_elem(d, VN_TXQ, i).len);
	nu_used_consume_all(d, VN_TXQ);
	for (unsigned int i = 0; i < TOG_FRAMES; i++) {
		ASSERT_EQ(0, nu_expect_frame(&self->c, tog_len(i), 20000 + i, 5000))
			TH_LOG("frame %u", i);
	}
	ASSERT_EQ(-ETIMEDOUT, nu_expect_frame(&self->c, 60, 0, 300));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, -1));
	ASSERT_EQ(0, nu_get_vring_base(d, VN_TXQ, &base));
	ASSERT_EQ(TOG_FRAMES % 65536u, base);
	ASSERT_EQ(TOG_FRAMES % 65536, nu_used_idx(d, VN_TXQ));
}

struct rx_sender {
	struct vn_ctx *c;
	unsigned int delivered;		/* atomic: test writes, sender thread reads */
	unsigned int n;
	int err;
};

static void *rx_send_fn(void *arg)
{
	struct rx_sender *s = arg;

	for (unsigned int i = 0; i < s->n; i++) {
		/* keep the tap queue (500 frames) from overflowing */
		while (i - __atomic_load_n(&s->delivered, __ATOMIC_ACQUIRE) >= 128)
			usleep(500);
		s->err = nu_send_frame(s->c, tog_len(i), 40000 + i);
		if (s->err)
			break;
	}
	return NULL;
}

/*
 * RX: 1500 frames sent (at most 128 ahead of the guest) while another
 * thread detaches and re-attaches the RX backend 25 times: all arrive once,
 * in order, byte-exact; GET_VRING_BASE == used->idx == frames received.
 */
TEST_F_TIMEOUT(backend, rx_detach_reattach_under_traffic, 180)
{
	struct toggler t = { .c = &self->c, .q = VN_RXQ, .cycles = 25,
			     .period_us = 8000 };
	struct rx_sender s = { .c = &self->c, .n = TOG_FRAMES };
	struct vg_dev *d = &self->c.d;
	static uint8_t *bufs[65536];
	static uint8_t want[2048];
	unsigned int posted = 0, got = 0, base;
	pthread_t th, ts;

	/* 192 buffers in flight in a 256 ring */
	for (; posted < 192; posted++) {
		void *p;
		int h = vn_rx_post(&self->c, 1536, &p);

		ASSERT_LE(0, h);
		bufs[h] = p;
		vg_publish(d, VN_RXQ, h);
	}
	ASSERT_EQ(0, vg_kick(d, VN_RXQ));
	ASSERT_EQ(0, pthread_create(&ts, NULL, rx_send_fn, &s));
	ASSERT_EQ(0, pthread_create(&th, NULL, toggle_fn, &t));
	while (got < TOG_FRAMES) {
		uint32_t id, len;

		ASSERT_EQ(1, vg_wait_used(d, VN_RXQ, 10000, &id, &len))
			TH_LOG("stalled after %u frames", got);
		ASSERT_EQ(self->c.hdr_len + tog_len(got), len) TH_LOG("frame %u", got);
		vn_make_frame(want, tog_len(got), 40000 + got);
		ASSERT_EQ(0, memcmp(want, bufs[id] + self->c.hdr_len, tog_len(got)))
			TH_LOG("frame %u", got);
		got++;
		__atomic_store_n(&s.delivered, got, __ATOMIC_RELEASE);
		if (posted < TOG_FRAMES) {
			void *p;
			int h = vn_rx_post(&self->c, 1536, &p);

			ASSERT_LE(0, h);
			bufs[h] = p;
			vg_publish(d, VN_RXQ, h);
			posted++;
			if (!(posted % 16))
				ASSERT_EQ(0, vg_kick(d, VN_RXQ));
		}
	}
	pthread_join(ts, NULL);
	pthread_join(th, NULL);
	ASSERT_EQ(0, s.err);
	ASSERT_EQ(0, t.err);
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_RXQ, -1));
	ASSERT_EQ(0, nu_get_vring_base(d, VN_RXQ, &base));
	ASSERT_EQ(TOG_FRAMES % 65536u, base);
	ASSERT_EQ(TOG_FRAMES % 65536, nu_used_idx(d, VN_RXQ));
}

/*
 * Swapping both queues to a second tap moves TX and RX there; a frame sent
 * on the old tap meanwhile stays queued in it and is delivered once the
 * queues are swapped back.
 */
TEST_F(backend, swap_to_second_tap_and_back)
{
	struct vn_ctx *c = &self->c;
	struct vn_ctx c2 = *c;		/* same device, other tap */
	char name2[IFNAMSIZ];
	int tap2, pk2, sz = c->hdr_len;
	uint16_t rx0;
	void *buf;
	uint8_t f[400];
	int h;

	tap2 = nu_tap_open_up(name2, variant->mode == VN_HDR_TAP ? IFF_VNET_HDR : 0);
	ASSERT_LE(0, tap2);
	if (variant->mode == VN_HDR_TAP)
		ASSERT_EQ(0, ioctl(tap2, TUNSETVNETHDRSZ, &sz));
	pk2 = nu_pkt_socket(if_nametoindex(name2));
	ASSERT_LE(0, pk2);
	c2.tap_fd = tap2;
	c2.pkt_fd = pk2;
	ping(_metadata, c, 100);

	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, tap2));
	ASSERT_EQ(0, vn_set_backend(c, VN_RXQ, tap2));
	/* TX now leaves through tap2 only */
	ASSERT_LE(0, nu_tx_frame(c, 300, 110, 1, false));
	ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
	ASSERT_EQ(0, nu_expect_frame(&c2, 300, 110, 5000));
	ASSERT_EQ(-ETIMEDOUT, nu_expect_frame(c, 300, 110, 300));
	/* RX: a frame on the old tap is not delivered, one on tap2 is */
	rx0 = nu_used_idx(&c->d, VN_RXQ);
	c->d.vq[VN_RXQ].last_used = rx0;
	h = vn_rx_post(c, 2048, &buf);
	ASSERT_LE(0, h);
	vg_publish(&c->d, VN_RXQ, h);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	ASSERT_EQ(0, nu_send_frame(c, 333, 120));
	ASSERT_EQ(0, nu_wait_used_idx(&c->d, VN_RXQ, rx0 + 1, 500));
	ASSERT_EQ(0, nu_send_frame(&c2, 222, 121));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, rx0 + 1, 5000));
	ASSERT_EQ((uint32_t)(c->hdr_len + 222), nu_used_elem(&c->d, VN_RXQ, rx0).len);
	vn_make_frame(f, 222, 121);
	ASSERT_EQ(0, memcmp(f, (uint8_t *)buf + c->hdr_len, 222));
	nu_used_consume_all(&c->d, VN_RXQ);

	/* back to the first tap: the frame queued there arrives */
	ASSERT_EQ(0, vn_set_backend(c, VN_TXQ, c->tap_fd));
	ASSERT_EQ(0, vn_set_backend(c, VN_RXQ, c->tap_fd));
	h = vn_rx_post(c, 2048, &buf);
	ASSERT_LE(0, h);
	vg_publish(&c->d, VN_RXQ, h);
	ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, rx0 + 2, 5000));
	ASSERT_EQ((uint32_t)(c->hdr_len + 333), nu_used_elem(&c->d, VN_RXQ, rx0 + 1).len);
	vn_make_frame(f, 333, 120);
	ASSERT_EQ(0, memcmp(f, (uint8_t *)buf + c->hdr_len, 333));
	nu_used_consume_all(&c->d, VN_RXQ);
	ping(_metadata, c, 130);
	ASSERT_EQ(-ETIMEDOUT, nu_expect_frame(&c2, 60, 0, 200));
	close(pk2);
	close(tap2);
}

struct pump {
	struct vn_ctx *c;
	bool stop;		/* atomic: set by the test to end pump_fn */
};

static void *pump_fn(void *arg)
{
	struct pump *p = arg;

	for (unsigned int i = 0; !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE); i++) {
		nu_send_frame(p->c, 60 + i % 1000, i);
		if (!(i % 64))
			usleep(1000);
	}
	return NULL;
}

/*
 * Closing the vhost fd with both backends attached, TX frames queued, RX
 * buffers posted and frames pouring in (10 rounds): close() returns
 * promptly, the tap is released (it can be read directly afterwards) and a
 * new device can attach and use it.
 */
TEST_F_TIMEOUT(backend, close_with_traffic_in_flight_releases_tap, 120)
{
	struct vn_ctx *c = &self->c;

	for (unsigned int round = 0; round < 10; round++) {
		struct pump p = { .c = c };
		pthread_t th;
		long long t0;

		if (round) {
			struct vn_ctx n;
			uint8_t junk[2048];

			/* frames the old device left queued in the (now free) tap */
			ASSERT_EQ(0, fcntl(c->tap_fd, F_SETFL, O_NONBLOCK));
			while (read(c->tap_fd, junk, sizeof(junk)) > 0)
				;

			/* reuse the same tap and packet socket with a new device */
			ASSERT_EQ(0, vg_open(&n.d, "/dev/vhost-net", 0));
			n.tap_fd = c->tap_fd;
			n.pkt_fd = c->pkt_fd;
			n.ifindex = c->ifindex;
			n.hdr_len = c->hdr_len;
			n.mode = c->mode;
			memcpy(n.ifname, c->ifname, IFNAMSIZ);
			ASSERT_EQ(0, ioctl(n.d.fd, VHOST_SET_OWNER, NULL));
			ASSERT_EQ(0, vg_set_features(&n.d, (1ULL << VIRTIO_F_VERSION_1) |
				(c->mode == VN_HDR_VHOST ? 1ULL << VHOST_NET_F_VIRTIO_NET_HDR : 0)));
			ASSERT_EQ(0, vg_set_mem_table_default(&n.d));
			ASSERT_EQ(0, vg_vq_setup(&n.d, VN_RXQ, 256));
			ASSERT_EQ(0, vg_vq_setup(&n.d, VN_TXQ, 256));
			ASSERT_EQ(0, vn_set_backend(&n, VN_RXQ, n.tap_fd));
			ASSERT_EQ(0, vn_set_backend(&n, VN_TXQ, n.tap_fd));
			*c = n;
			vn_pkt_flush(c);
		}
		ping(_metadata, c, 200 + round * 10);
		for (unsigned int i = 0; i < 100; i++) {
			int h = vn_rx_post(c, 2048, NULL);

			ASSERT_LE(0, h);
			vg_publish(&c->d, VN_RXQ, h);
		}
		ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
		for (unsigned int i = 0; i < 120; i++)
			ASSERT_LE(0, nu_tx_frame(c, 60 + i * 11, i, 1 + i % 4, false));
		ASSERT_EQ(0, pthread_create(&th, NULL, pump_fn, &p));
		ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
		usleep(round * 1000);
		t0 = vg_now_ms();
		vg_close(&c->d);
		ASSERT_GT(3000, vg_now_ms() - t0);
		__atomic_store_n(&p.stop, true, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
	}
	/* released: a frame sent out of the tap is now readable on its fd */
	{
		uint8_t got[2048], want[300];
		ssize_t n;

		while (read(c->tap_fd, got, sizeof(got)) > 0)
			;
		ASSERT_EQ(0, nu_send_frame(c, 300, 999));
		usleep(100 * 1000);
		n = read(c->tap_fd, got, sizeof(got));
		ASSERT_EQ((ssize_t)(c->mode == VN_HDR_TAP ? c->hdr_len : 0) + 300, n);
		vn_make_frame(want, 300, 999);
		ASSERT_EQ(0, memcmp(want, got + (c->mode == VN_HDR_TAP ? c->hdr_len : 0),
				    300));
	}
}

/* ---- a raw AF_PACKET socket as backend ---------------------------------------- */

FIXTURE(pktsock) {
	struct vn_ctx c;
	int bk;
};

FIXTURE_SETUP(pktsock)
{
	self->bk = -1;
	ASSERT_EQ(0, vn_setup_unattached(&self->c, VN_HDR_VHOST, 0, 256));
	/* the tap fd is not a vhost backend here, so the test may use it */
	ASSERT_EQ(0, fcntl(self->c.tap_fd, F_SETFL, O_NONBLOCK));
	self->bk = nu_pkt_socket(self->c.ifindex);
	ASSERT_LE(0, self->bk);
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_RXQ, self->bk));
	ASSERT_EQ(0, vn_set_backend(&self->c, VN_TXQ, self->bk));
}

FIXTURE_TEARDOWN(pktsock)
{
	vn_teardown(&self->c);
	if (self->bk >= 0)
		close(self->bk);
}

static ssize_t tap_read(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	return read(fd, buf, len);
}

/*
 * A SOCK_RAW packet socket bound to the tap is a valid backend (vhost adds
 * and strips the header): guest TX leaves the tap interface (read on the
 * tap fd), frames written into the tap fd reach guest RX buffers.
 */
TEST_F(pktsock, raw_packet_socket_backend_both_ways)
{
	struct vn_ctx *c = &self->c;
	uint8_t f[1600], got[2048];

	for (unsigned int i = 0; i < 20; i++) {
		size_t len = 60 + i * 71;
		ssize_t n;

		ASSERT_LE(0, nu_tx_frame(c, len, 800 + i, 1 + i % 3, false));
		ASSERT_EQ(0, vg_kick(&c->d, VN_TXQ));
		n = tap_read(c->tap_fd, got, sizeof(got), 5000);
		ASSERT_EQ((ssize_t)len, n) TH_LOG("tx %u", i);
		vn_make_frame(f, len, 800 + i);
		ASSERT_EQ(0, memcmp(f, got, len)) TH_LOG("tx %u", i);
	}
	ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_TXQ, 20, 5000));
	for (unsigned int i = 0; i < 20; i++) {
		size_t len = 60 + i * 71;
		uint16_t u0 = nu_used_idx(&c->d, VN_RXQ);
		void *buf;
		int h = vn_rx_post(c, 2048, &buf);

		ASSERT_LE(0, h);
		vg_publish(&c->d, VN_RXQ, h);
		ASSERT_EQ(0, vg_kick(&c->d, VN_RXQ));
		vn_make_frame(f, len, 850 + i);
		ASSERT_EQ((ssize_t)len, write(c->tap_fd, f, len));
		ASSERT_EQ(1, nu_wait_used_idx(&c->d, VN_RXQ, u0 + 1, 5000)) TH_LOG("rx %u", i);
		ASSERT_EQ((uint32_t)h, nu_used_elem(&c->d, VN_RXQ, u0).id);
		ASSERT_EQ((uint32_t)(c->hdr_len + len), nu_used_elem(&c->d, VN_RXQ, u0).len);
		ASSERT_EQ(0, memcmp(f, (uint8_t *)buf + c->hdr_len, len)) TH_LOG("rx %u", i);
		nu_used_consume_all(&c->d, VN_RXQ);
	}
}

TEST_HARNESS_MAIN
