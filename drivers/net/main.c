// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_net.ko: the /dev/vhost-net character device (minor 238) on top of
 * the hardened vhost core.  Open/release, the IOTLB message channel
 * (read/write/poll) and module metadata; the datapath lives in tx.c and
 * rx.c, the ioctls in ioctl.c and backend.c.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vhn.h"

static int vhn_open(struct inode *inode, struct file *f)
{
	struct vhh_vq **vqs;
	struct vhn_net *n;
	int i;

	/* Two vhh_vq with their iovec arrays: too big for kmalloc alone. */
	n = kvzalloc(sizeof(*n), GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!n)
		return -ENOMEM;
	vqs = kmalloc_array(VHN_VQ_MAX, sizeof(*vqs), GFP_KERNEL);
	n->vqs[VHN_VQ_RX].rxq.queue = kmalloc_array(VHN_BATCH, sizeof(void *),
						    GFP_KERNEL);
	n->vqs[VHN_VQ_RX].heads = kmalloc_array(VHN_RX_HEADS,
						sizeof(struct vring_used_elem),
						GFP_KERNEL);
	n->vqs[VHN_VQ_TX].xdp = kmalloc_array(VHN_BATCH,
					      sizeof(struct xdp_buff),
					      GFP_KERNEL);
	if (!vqs || !n->vqs[VHN_VQ_RX].rxq.queue ||
	    !n->vqs[VHN_VQ_RX].heads || !n->vqs[VHN_VQ_TX].xdp)
		goto err;

	for (i = 0; i < VHN_VQ_MAX; i++)
		vqs[i] = &n->vqs[i].vq;
	n->vqs[VHN_VQ_TX].vq.handle_kick = vhn_tx_kick;
	n->vqs[VHN_VQ_RX].vq.handle_kick = vhn_rx_kick;
	vhh_dev_init(&n->dev, vqs, VHN_VQ_MAX, UIO_MAXIOV, VHN_PKT_WEIGHT,
		     VHN_WEIGHT, true, NULL);
	vhh_poll_init(&n->poll[VHN_VQ_TX], vhn_tx_sock_work, EPOLLOUT,
		      &n->vqs[VHN_VQ_TX].vq);
	vhh_poll_init(&n->poll[VHN_VQ_RX], vhn_rx_sock_work, EPOLLIN,
		      &n->vqs[VHN_VQ_RX].vq);
	f->private_data = n;
	return 0;

err:
	kfree(n->vqs[VHN_VQ_TX].xdp);
	kfree(n->vqs[VHN_VQ_RX].heads);
	kfree(n->vqs[VHN_VQ_RX].rxq.queue);
	kfree(vqs);
	kvfree(n);
	return -ENOMEM;
}

static int vhn_release(struct inode *inode, struct file *f)
{
	struct vhn_net *n = f->private_data;
	struct socket *tx_sock, *rx_sock;

	tx_sock = vhn_stop_vq(n, VHN_VQ_TX);
	rx_sock = vhn_stop_vq(n, VHN_VQ_RX);
	vhh_dev_flush(&n->dev);
	vhh_dev_stop(&n->dev);
	vhh_dev_cleanup(&n->dev);
	vhn_vq_reset(n);
	/* Only now: no handler can reach the sockets any more. */
	if (tx_sock)
		sockfd_put(tx_sock);
	if (rx_sock)
		sockfd_put(rx_sock);
	kfree(n->vqs[VHN_VQ_TX].xdp);
	kfree(n->vqs[VHN_VQ_RX].heads);
	kfree(n->vqs[VHN_VQ_RX].rxq.queue);
	kfree(n->dev.vqs);
	vhh_page_frag_cache_drain(&n->frag);
	kvfree(n);
	return 0;
}

static ssize_t vhn_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *f = iocb->ki_filp;
	struct vhn_net *n = f->private_data;

	return vhh_chr_read_iter(&n->dev, to, f->f_flags & O_NONBLOCK);
}

static ssize_t vhn_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vhn_net *n = iocb->ki_filp->private_data;

	return vhh_chr_write_iter(&n->dev, from);
}

static __poll_t vhn_poll(struct file *f, poll_table *wait)
{
	struct vhn_net *n = f->private_data;

	return vhh_chr_poll(f, &n->dev, wait);
}

static const struct file_operations vhn_fops = {
	.owner		= THIS_MODULE,
	.open		= vhn_open,
	.release	= vhn_release,
	.read_iter	= vhn_read_iter,
	.write_iter	= vhn_write_iter,
	.poll		= vhn_poll,
	.unlocked_ioctl	= vhn_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vhn_misc = {
	.minor	= VHOST_NET_MINOR,
	.name	= "vhost-net",
	.fops	= &vhn_fops,
};
module_misc_device(vhn_misc);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hardened host kernel accelerator for virtio net");
VHH_IMPORT_NS();
MODULE_ALIAS_MISCDEV(VHOST_NET_MINOR);
MODULE_ALIAS("devname:vhost-net");
