// SPDX-License-Identifier: GPL-2.0
/*
 * VHOST_GET/SET_FEATURES_ARRAY on vhost-net (7.2; ours on every kernel):
 * features as a count of 64-bit words.  Word 0 is what GET_FEATURES says;
 * words the device has no features in read back as zero, and a set with
 * any unknown bit, in any word, is EOPNOTSUPP.  Where tun/tap carries GSO
 * over UDP tunnels (6.18 on), 7.2 offers two bits for it in word 1, and so
 * does ours (net_udp_tunnel.c moves frames with them); none elsewhere.
 * Shown to fail: 6.1 and 6.12 have no such ioctl (expected failure there);
 * ours without the tunnel bits failed get_words on 7.2.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "net_util.h"

#include <vhh/uapi.h>

/* the UDP-tunnel GSO bits of 7.2, the only ones above 63 anyone offers */
#define TUNNEL_BITS ((1ULL << (65 - 64)) | (1ULL << (67 - 64)))

/* tun/tap's UDP tunnel GSO (TUN_F_UDP_TUNNEL_GSO): kernels from 6.18 on. */
static bool kernel_has_tunnel_gso(void)
{
	return vg_kernel_at_least(6, 18);
}

FIXTURE(fa) {
	struct vn_ctx c;
	uint64_t offered;
};

FIXTURE_SETUP(fa)
{
	ASSERT_EQ(0, vn_setup(&self->c, VN_HDR_VHOST, 0, 256));
	ASSERT_EQ(0, vg_get_features(&self->c.d, &self->offered));
}

FIXTURE_TEARDOWN(fa)
{
	vn_teardown(&self->c);
}

static int get_array(int fd, uint64_t *a, uint64_t count)
{
	a[0] = count;
	return ioctl(fd, VHOST_GET_FEATURES_ARRAY, a) ? -errno : 0;
}

static int set_array(int fd, uint64_t *a, uint64_t count)
{
	a[0] = count;
	return ioctl(fd, VHOST_SET_FEATURES_ARRAY, a) ? -errno : 0;
}

/* Word 0 is GET_FEATURES; trailing words are zeroed; nothing past count. */
TEST_F(fa, get_words)
{
	uint64_t a[8];

	memset(a, 0xee, sizeof(a));
	ASSERT_EQ(0, get_array(self->c.d.fd, a, 4));
	ASSERT_EQ(self->offered, a[1]);
	ASSERT_EQ(kernel_has_tunnel_gso() ? TUNNEL_BITS : 0ULL, a[2]);
	ASSERT_EQ(0ULL, a[3]);
	ASSERT_EQ(0ULL, a[4]);
	ASSERT_EQ(0xeeeeeeeeeeeeeeeeULL, a[5]);
	memset(a, 0xee, sizeof(a));
	ASSERT_EQ(0, get_array(self->c.d.fd, a, 0));
	ASSERT_EQ(0xeeeeeeeeeeeeeeeeULL, a[1]);
}

/* What GET_FEATURES offers can be set through the array; the queues work. */
TEST_F(fa, set_word0_then_traffic)
{
	uint64_t a[4] = { 0 };

	/* what vn_setup() negotiated through SET_FEATURES */
	a[1] = (1ULL << VIRTIO_F_VERSION_1) |
	       (1ULL << VHOST_NET_F_VIRTIO_NET_HDR);
	ASSERT_EQ(0, set_array(self->c.d.fd, a, 3));
	ASSERT_EQ(0, nu_pkt_rcvbuf(&self->c, 1 << 20));
	ASSERT_LE(0, nu_tx_frame(&self->c, 200, 7, 1, false));
	ASSERT_EQ(0, vg_kick(&self->c.d, VN_TXQ));
	ASSERT_EQ(0, nu_expect_frame(&self->c, 200, 7, 5000));
}

/* Unknown bits, in word 0, in word 1 or beyond the device's words. */
TEST_F(fa, unknown_bits_are_eopnotsupp)
{
	uint64_t a[5] = { 0 };

	a[1] = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 63);
	ASSERT_EQ(-EOPNOTSUPP, set_array(self->c.d.fd, a, 1));
	a[1] = 1ULL << VIRTIO_F_VERSION_1;
	a[2] = 1ULL << (70 - 64);
	ASSERT_EQ(-EOPNOTSUPP, set_array(self->c.d.fd, a, 2));
	a[2] = 0;
	a[4] = 1;
	ASSERT_EQ(-EOPNOTSUPP, set_array(self->c.d.fd, a, 4));
	a[4] = 0;
	ASSERT_EQ(0, set_array(self->c.d.fd, a, 4));
}

/* A bad pointer is EFAULT (from an ioctl that exists: 6.12 says EFAULT too). */
TEST_F(fa, bad_pointer_is_efault)
{
	uint64_t a[3];

	ASSERT_EQ(0, get_array(self->c.d.fd, a, 2));
	ASSERT_EQ(-1, ioctl(self->c.d.fd, VHOST_GET_FEATURES_ARRAY, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->c.d.fd, VHOST_SET_FEATURES_ARRAY, NULL));
	ASSERT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
