// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_scsi.ko: the /dev/vhost-scsi character device on top of the
 * hardened vhost core, and the LIO fabric "vhost" it serves (fabric.c).
 * Open/release, the IOTLB message channel (read/write/poll), parameters
 * and module metadata.  It replaces the in-tree module of the same name;
 * the two cannot be loaded together (both register the "vhost" fabric).
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vhs.h"

static unsigned int vhs_max_io_vqs = VHS_DEFAULT_IO_VQ;
module_param_named(max_io_vqs, vhs_max_io_vqs, uint, 0644);
MODULE_PARM_DESC(max_io_vqs,
		 "Request queues a vhost-scsi device offers (1-1024, default 128)");

static int vhs_open(struct inode *inode, struct file *f)
{
	unsigned int nio = clamp_t(unsigned int, READ_ONCE(vhs_max_io_vqs), 1,
				   VHS_MAX_IO_VQ);
	struct vhh_vq **vqs;
	struct vhs_dev *vhs;
	int i, nvqs = nio + VHS_VQ_IO;

	vhs = kzalloc(sizeof(*vhs), GFP_KERNEL);
	if (!vhs)
		return -ENOMEM;
	/* Each vhh_vq carries its iovec arrays: far too big for kmalloc. */
	vhs->vqs = kvcalloc(nvqs, sizeof(*vhs->vqs), GFP_KERNEL);
	vqs = kmalloc_array(nvqs, sizeof(*vqs), GFP_KERNEL);
	if (!vhs->vqs || !vqs) {
		kvfree(vhs->vqs);
		kfree(vqs);
		kfree(vhs);
		return -ENOMEM;
	}
	vhs->nvqs = nvqs;
	atomic_set(&vhs->inflight, 0);
	init_waitqueue_head(&vhs->inflight_wq);
	init_llist_head(&vhs->evts);
	vhh_work_init(&vhs->evt_work, vhs_evt_work);
	INIT_WORK(&vhs->orphans, vhs_drop_orphans);
	for (i = 0; i < nvqs; i++) {
		struct vhs_vq *svq = &vhs->vqs[i];

		svq->vhs = vhs;
		init_llist_head(&svq->done);
		init_llist_head(&svq->tmf_done);
		vhh_work_init(&svq->done_work, vhs_done_work);
		vqs[i] = &svq->vq;
		if (i == VHS_VQ_CTL)
			svq->vq.handle_kick = vhs_ctl_kick;
		else if (i == VHS_VQ_EVT)
			svq->vq.handle_kick = vhs_evt_kick;
		else
			svq->vq.handle_kick = vhs_io_kick;
	}
	vhh_dev_init(&vhs->dev, vqs, nvqs, UIO_MAXIOV, VHS_WEIGHT, 0, true,
		     NULL);
	f->private_data = vhs;
	return 0;
}

static int vhs_release(struct inode *inode, struct file *f)
{
	struct vhs_dev *vhs = f->private_data;

	/* Waits for every command in LIO while the worker still runs. */
	vhs_clear_endpoint_all(vhs);
	vhh_dev_stop(&vhs->dev);
	vhh_dev_cleanup(&vhs->dev);
	vhs_drop_events(vhs);
	/*
	 * LIO's release callbacks queue the answer inside an RCU read
	 * section (io.c, ctl.c); the last of them may still be leaving it
	 * after its command was given back, and may have scheduled orphans.
	 */
	synchronize_rcu();
	flush_work(&vhs->orphans);
	kfree(vhs->dev.vqs);
	kvfree(vhs->vqs);
	kfree(vhs);
	return 0;
}

static ssize_t vhs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *f = iocb->ki_filp;
	struct vhs_dev *vhs = f->private_data;

	return vhh_chr_read_iter(&vhs->dev, to, f->f_flags & O_NONBLOCK);
}

static ssize_t vhs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vhs_dev *vhs = iocb->ki_filp->private_data;

	return vhh_chr_write_iter(&vhs->dev, from);
}

static __poll_t vhs_poll(struct file *f, poll_table *wait)
{
	struct vhs_dev *vhs = f->private_data;

	return vhh_chr_poll(f, &vhs->dev, wait);
}

static const struct file_operations vhs_fops = {
	.owner		= THIS_MODULE,
	.open		= vhs_open,
	.release	= vhs_release,
	.read_iter	= vhs_read_iter,
	.write_iter	= vhs_write_iter,
	.poll		= vhs_poll,
	.unlocked_ioctl	= vhs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vhs_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhost-scsi",
	.fops	= &vhs_fops,
};

static int __init vhs_init(void)
{
	int r = vhs_submit_init();

	if (r)
		return r;
	r = misc_register(&vhs_misc);
	if (r)
		goto err_submit;
	r = vhs_fabric_register();
	if (r)
		goto err_misc;
	vhs_fault_init();
	return 0;
err_misc:
	misc_deregister(&vhs_misc);
err_submit:
	vhs_submit_exit();
	return r;
}

static void __exit vhs_exit(void)
{
	vhs_fault_exit();
	vhs_fabric_unregister();
	misc_deregister(&vhs_misc);
	/* Every device is closed: no submission is left to run. */
	vhs_submit_exit();
}

module_init(vhs_init);
module_exit(vhs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hardened vhost-scsi: virtio-scsi host accelerator and LIO fabric");
VHH_IMPORT_NS();
MODULE_ALIAS("tcm_vhost");
