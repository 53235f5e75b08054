// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net ioctls: feature negotiation, owner handling and dispatch of
 * the device and vring ioctls to the core.  VHOST_NET_SET_BACKEND is in
 * backend.c.
 */
#include <linux/uaccess.h>

#include "vhn.h"

/* 6.1 vhost-net's set, plus what later kernels offer, on every kernel:
 * RING_RESET (6.12): a queue reset is a backend detach, a stop and a
 * restart of that queue (tests/selftests/net_ring_reset.c), which the other
 * queue never sees.  IN_ORDER (7.2): both directions already take chains
 * in avail order and use them in that order, one used element per buffer,
 * which the feature allows (tests/selftests/net_in_order.c).
 */
#define VHN_FEATURES (VHH_FEATURES |				\
		      (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |	\
		      (1ULL << VIRTIO_NET_F_MRG_RXBUF) |		\
		      (1ULL << VIRTIO_F_ACCESS_PLATFORM) |		\
		      (1ULL << VIRTIO_F_RING_RESET) |		\
		      (1ULL << VIRTIO_F_IN_ORDER))

/* Features 64 to 127 (VHOST_GET/SET_FEATURES_ARRAY word 1): GSO over UDP
 * tunnels, offered as 7.2 does where tun/tap can carry it (6.18 on).
 * Either one makes the header the 24-byte tunnel header.
 */
#define VHN_BIT_HI(b) (1ULL << ((b) - 64))
#define VHN_TUNNEL_HI (VHN_BIT_HI(VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO) |	\
		       VHN_BIT_HI(VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO))
#ifdef VHH_HAVE_TUN_UDP_TUNNEL_GSO
#define VHN_FEATURES_HI VHN_TUNNEL_HI
#else
#define VHN_FEATURES_HI 0ULL
#endif

#define VHN_BACKEND_FEATURES VHH_BACKEND_FEATURES

/* Forget everything negotiated or batched (RESET_OWNER, release). */
void vhn_vq_reset(struct vhn_net *n)
{
	int i;

	for (i = 0; i < VHN_VQ_MAX; i++) {
		n->vqs[i].done_idx = 0;
		n->vqs[i].batched_xdp = 0;
		n->vqs[i].vhost_hlen = 0;
		n->vqs[i].sock_hlen = 0;
		n->vqs[i].rxq.head = 0;
		n->vqs[i].rxq.tail = 0;
	}
}

/* @features_hi: features 64 to 127, checked against VHN_FEATURES_HI. */
static long vhn_set_features(struct vhn_net *n, u64 features, u64 features_hi)
{
	size_t hdr_len, vhost_hlen, sock_hlen;
	long r = -EFAULT;
	int i;

	/* VERSION_1 always carries num_buffers, as does MRG_RXBUF. */
	if (features_hi & VHN_TUNNEL_HI)
		hdr_len = VHH_NET_HDR_TUNNEL_LEN;
	else if (features & ((1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			     (1ULL << VIRTIO_F_VERSION_1)))
		hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	else
		hdr_len = sizeof(struct virtio_net_hdr);
	if (features & (1ULL << VHOST_NET_F_VIRTIO_NET_HDR)) {
		vhost_hlen = hdr_len;
		sock_hlen = 0;
	} else {
		vhost_hlen = 0;
		sock_hlen = hdr_len;
	}

	mutex_lock(&n->dev.mutex);
	if ((features & (1ULL << VHOST_F_LOG_ALL)) &&
	    !vhh_log_access_ok(&n->dev))
		goto out;
	/* EVENT_IDX grows running rings (found in review; 6.1 does not check). */
	if (!vhh_rings_fit(&n->dev, features))
		goto out;
	/* ACCESS_PLATFORM on: a fresh IOTLB; off: none (6.12 drops it). */
	if (vhh_init_device_iotlb(&n->dev,
				  features & (1ULL << VIRTIO_F_ACCESS_PLATFORM)))
		goto out;
	for (i = 0; i < VHN_VQ_MAX; i++) {
		struct vhn_vq *nvq = &n->vqs[i];

		mutex_lock(&nvq->vq.mutex);
		nvq->vq.acked_features = features;
		nvq->vhost_hlen = vhost_hlen;
		nvq->sock_hlen = sock_hlen;
		mutex_unlock(&nvq->vq.mutex);
	}
	r = 0;
out:
	mutex_unlock(&n->dev.mutex);
	return r;
}

static long vhn_set_owner(struct vhn_net *n)
{
	long r;

	mutex_lock(&n->dev.mutex);
	if (vhh_dev_has_owner(&n->dev))
		r = -EBUSY;
	else
		r = vhh_dev_set_owner(&n->dev);
	if (!r)
		vhh_dev_flush(&n->dev);
	mutex_unlock(&n->dev.mutex);
	return r;
}

static long vhn_reset_owner(struct vhn_net *n)
{
	struct socket *tx_sock = NULL, *rx_sock = NULL;
	struct vhh_iotlb *umem;
	long r;

	mutex_lock(&n->dev.mutex);
	r = vhh_dev_check_owner(&n->dev);
	if (r)
		goto out;
	umem = vhh_dev_reset_owner_prepare();
	if (IS_ERR_OR_NULL(umem)) {
		r = umem ? PTR_ERR(umem) : -ENOMEM;
		goto out;
	}
	tx_sock = vhn_stop_vq(n, VHN_VQ_TX);
	rx_sock = vhn_stop_vq(n, VHN_VQ_RX);
	vhh_dev_flush(&n->dev);
	vhh_dev_stop(&n->dev);
	vhh_dev_reset_owner(&n->dev, umem);
	vhn_vq_reset(n);
out:
	mutex_unlock(&n->dev.mutex);
	if (tx_sock)
		sockfd_put(tx_sock);
	if (rx_sock)
		sockfd_put(rx_sock);
	return r;
}

/* 7.2's VHOST_GET/SET_FEATURES_ARRAY: a count of 64-bit words, then the
 * words.  Word 1 holds the UDP tunnel features where offered; later words
 * read back as zero and must be zero when set.  6.12 and older have no
 * such ioctl; ours answers it on every kernel.  Unlike 7.2, a count above
 * VHN_FEATURE_WORDS_MAX is refused: 7.2 walks any count the caller names,
 * one user word at a time.
 */
#define VHN_FEATURE_WORDS_MAX 64

static long vhn_features_array(struct vhn_net *n, unsigned int ioctl,
			       u64 __user *argp)
{
	const u64 offer[2] = { VHN_FEATURES, VHN_FEATURES_HI };
	u64 count, word, features[2] = {};
	u64 i;

	if (get_user(count, argp))
		return -EFAULT;
	if (count > VHN_FEATURE_WORDS_MAX)
		return -EINVAL;
	if (ioctl == VHOST_GET_FEATURES_ARRAY) {
		for (i = 0; i < count; i++)
			if (put_user(i < 2 ? offer[i] : 0, argp + 1 + i))
				return -EFAULT;
		return 0;
	}
	for (i = 0; i < count; i++) {
		if (get_user(word, argp + 1 + i))
			return -EFAULT;
		if (word & ~(i < 2 ? offer[i] : 0))
			return -EOPNOTSUPP;
		if (i < 2)
			features[i] = word;
	}
	return vhn_set_features(n, features[0], features[1]);
}

long vhn_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vhn_net *n = f->private_data;
	void __user *argp = (void __user *)arg;
	u64 __user *featurep = argp;
	struct vhost_vring_file backend;
	u64 features;
	long r;

	switch (ioctl) {
	case VHOST_NET_SET_BACKEND:
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		return vhn_set_backend(n, backend.index, backend.fd);
	case VHOST_GET_FEATURES_ARRAY:
	case VHOST_SET_FEATURES_ARRAY:
		return vhn_features_array(n, ioctl, featurep);
	case VHOST_GET_FEATURES:
		features = VHN_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~VHN_FEATURES)
			return -EOPNOTSUPP;
		return vhn_set_features(n, features, 0);
	case VHOST_GET_BACKEND_FEATURES:
		features = VHN_BACKEND_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~VHN_BACKEND_FEATURES)
			return -EOPNOTSUPP;
		vhh_set_backend_features(&n->dev, features);
		return 0;
	case VHOST_SET_OWNER:
		return vhn_set_owner(n);
	case VHOST_RESET_OWNER:
		return vhn_reset_owner(n);
	default:
		mutex_lock(&n->dev.mutex);
		r = vhh_dev_ioctl(&n->dev, ioctl, argp);
		if (r == -ENOIOCTLCMD)
			r = vhh_vring_ioctl(&n->dev, ioctl, argp);
		else
			vhh_dev_flush(&n->dev);
		mutex_unlock(&n->dev.mutex);
		return r;
	}
}
