// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net backends: a tun/tap fd, a macvtap fd or a raw AF_PACKET socket
 * per queue (VHOST_NET_SET_BACKEND), the socket wake-ups that restart a
 * queue, and detaching a queue's backend.
 */
#include <linux/file.h>
#include <linux/if_packet.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/skb_array.h>
#include <net/sock.h>

#include "vhn.h"

int vhn_sock_poll_start(struct vhn_net *n, int index)
{
	struct socket *sock = vhh_vq_get_backend(&n->vqs[index].vq);

	if (!sock)
		return 0;
	return vhh_poll_start(&n->poll[index], sock->file);
}

void vhn_sock_poll_stop(struct vhn_net *n, int index)
{
	if (vhh_vq_get_backend(&n->vqs[index].vq))
		vhh_poll_stop(&n->poll[index]);
}

static struct socket *vhn_get_packet_socket(int fd)
{
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return ERR_PTR(err);
	if (sock->sk->sk_type != SOCK_RAW || sock->sk->sk_family != AF_PACKET) {
		sockfd_put(sock);
		return ERR_PTR(-ENOTSOCK);
	}
	return sock;
}

/* tun or macvtap: the file reference is kept and dropped by sockfd_put(). */
static struct socket *vhn_get_tap_socket(int fd)
{
	struct file *file = fget(fd);
	struct socket *sock;

	if (!file)
		return ERR_PTR(-EBADF);
	sock = tun_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	sock = tap_get_socket(file);
	if (IS_ERR(sock))
		fput(file);
	return sock;
}

static struct ptr_ring *vhn_get_ptr_ring(struct file *file)
{
	struct ptr_ring *ring = tun_get_tx_ring(file);

	if (!IS_ERR(ring))
		return ring;
	ring = tap_get_ptr_ring(file);
	return IS_ERR(ring) ? NULL : ring;
}

/* NULL for fd -1 (detach); -ENOTSOCK for anything we cannot drive. */
static struct socket *vhn_get_socket(int fd, bool *tap)
{
	struct socket *sock;

	*tap = false;
	if (fd == -1)
		return NULL;
	sock = vhn_get_packet_socket(fd);
	if (!IS_ERR(sock))
		return sock;
	sock = vhn_get_tap_socket(fd);
	if (!IS_ERR(sock)) {
		*tap = true;
		return sock;
	}
	return ERR_PTR(-ENOTSOCK);
}

/* Detach a queue's backend; returns the socket for the caller to put. */
struct socket *vhn_stop_vq(struct vhn_net *n, int index)
{
	struct vhn_vq *nvq = &n->vqs[index];
	struct socket *sock;

	mutex_lock(&nvq->vq.mutex);
	sock = vhh_vq_get_backend(&nvq->vq);
	vhn_sock_poll_stop(n, index);
	vhh_vq_set_backend(&nvq->vq, NULL);
	vhn_rxq_unproduce(nvq);
	nvq->rx_ring = NULL;
	nvq->tap_backend = false;
	mutex_unlock(&nvq->vq.mutex);
	return sock;
}

long vhn_set_backend(struct vhn_net *n, unsigned int index, int fd)
{
	struct socket *sock, *oldsock;
	struct vhn_vq *nvq;
	struct vhh_vq *vq;
	bool tap;
	long r;

	mutex_lock(&n->dev.mutex);
	r = vhh_dev_check_owner(&n->dev);
	if (r)
		goto out;
	if (index >= VHN_VQ_MAX) {
		r = -ENOBUFS;
		goto out;
	}
	nvq = &n->vqs[index];
	vq = &nvq->vq;

	mutex_lock(&vq->mutex);
	if (fd == -1)
		vhh_clear_vq_msg(&n->dev, vq);
	/* Only a queue that gets a backend will touch its rings.  Detaching
	 * must work on a queue that was never configured: QEMU's
	 * vhost_net_stop_one() detaches every queue of every pair and
	 * asserts success, and its rings are all zero there (which our
	 * overlap check refuses).
	 */
	if (fd != -1 && !vhh_vq_access_ok(vq)) {
		r = -EFAULT;
		goto out_vq;
	}
	sock = vhn_get_socket(fd, &tap);
	if (IS_ERR(sock)) {
		r = PTR_ERR(sock);
		goto out_vq;
	}

	oldsock = vhh_vq_get_backend(vq);
	if (sock != oldsock) {
		vhn_sock_poll_stop(n, index);
		/* Frames taken from the old ring go back to it, in order. */
		vhn_rxq_unproduce(nvq);
		vhh_vq_set_backend(vq, sock);
		r = vhh_vq_init_access(vq);
		if (!r)
			r = vhn_sock_poll_start(n, index);
		if (r) {
			vhh_vq_set_backend(vq, oldsock);
			vhn_sock_poll_start(n, index);
			if (sock)
				sockfd_put(sock);
			goto out_vq;
		}
		nvq->tap_backend = tap;
		nvq->rx_ring = NULL;
		if (index == VHN_VQ_RX && sock && tap)
			nvq->rx_ring = vhn_get_ptr_ring(sock->file);
	} else if (sock) {
		/* Same backend again: drop the extra reference. */
		sockfd_put(sock);
		oldsock = NULL;
	}
	mutex_unlock(&vq->mutex);

	if (oldsock) {
		/* No handler may still use the old socket once we put it. */
		vhh_dev_flush(&n->dev);
		sockfd_put(oldsock);
	}
	mutex_unlock(&n->dev.mutex);
	return 0;

out_vq:
	mutex_unlock(&vq->mutex);
out:
	mutex_unlock(&n->dev.mutex);
	return r;
}
