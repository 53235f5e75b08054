/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of vhost_scsi.ko: the virtio-scsi device on
 * top of the hardened vhost core (vhh_core) and the LIO fabric "vhost".
 *
 * Lifetimes: a command or TMF is taken from its device when a request is
 * parsed (worker, queue mutex held) and given back by the worker after LIO
 * released it (release_cmd queues it to the worker) or, when LIO never took
 * it, by the submitting code itself.  vhs->inflight counts them; the
 * endpoint is only cleared, and the worker only stopped, once it is zero,
 * so every LIO callback finds a live worker.
 *
 * Lock order: vhs->dev.mutex, then vhs_tpg.mutex, then a queue mutex.
 * configfs callbacks (which run with configfs inode locks held) take only
 * vhs_tpgs_lock and vhs_tpg.mutex, and the endpoint ioctls call
 * target_depend_item() holding neither of those, so configfs and our locks
 * never nest both ways (6.1's lockdep report: tv_tpg_mutex vs i_mutex).
 */
#ifndef _VHS_H
#define _VHS_H

#include <linux/kref.h>
#include <linux/scatterlist.h>
#include <linux/virtio_scsi.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>
#include <vhh/core.h>
#include <vhh/scsi_req.h>

enum {
	VHS_VQ_CTL = 0,
	VHS_VQ_EVT = 1,
	VHS_VQ_IO = 2,
};

#define VHS_MAX_TARGET		256	/* tpgt range, the LUN's target byte */
#define VHS_MAX_IO_VQ		1024
#define VHS_DEFAULT_IO_VQ	128
#define VHS_MAX_EVENT		128	/* events queued for the guest */
#define VHS_MAX_TMF		64	/* TMFs in flight per device */
#define VHS_WEIGHT		256	/* requests per handler run, as 6.1 */
#define VHS_MAX_CDB		32	/* VIRTIO_SCSI_CDB_SIZE */
/* Pages of data (and of PI) one command may pin: 6.1's preallocation. */
#define VHS_MAX_SGS		2048
/* Scatterlist entries, pages and response iovecs kept inside a command. */
#define VHS_INLINE_SGS		16
#define VHS_INLINE_IOVS		4

#define VHS_NAMELEN		256

/* ---- fabric (fabric.c) ---------------------------------------------------- */

struct vhs_tport {
	u8 proto_id;			/* SAS, FCP or iSCSI, from the name */
	char name[VHS_NAMELEN];		/* without an "fc." prefix */
	struct se_wwn wwn;
};

struct vhs_nexus {
	struct se_session *se_sess;
};

struct vhs_tpg {
	u16 tpgt;
	struct vhs_tport *tport;
	struct se_portal_group se_tpg;
	/* Keeps this struct alive while an endpoint ioctl looks at it. */
	struct kref kref;
	/* On vhs_tpgs (under vhs_tpgs_lock) until the tpg is dropped. */
	struct list_head node;

	struct mutex mutex;		/* fields below */
	struct vhs_nexus *nexus;
	int port_count;			/* LUNs linked */
	struct vhs_dev *vhs;		/* the device using it, or NULL */
	int fabric_prot_type;
	bool dropped;
};

extern struct mutex vhs_tpgs_lock;
extern struct list_head vhs_tpgs;

int vhs_fabric_register(void);
void vhs_fabric_unregister(void);
void vhs_tpg_put(struct vhs_tpg *tpg);

/* ---- device --------------------------------------------------------------- */

struct vhs_cmd {
	struct se_cmd se_cmd;
	struct vhs_vq *svq;
	struct llist_node done;		/* on svq->done once LIO released it */
	int head;
	u64 tag;
	u32 lun;
	int task_attr;
	enum dma_data_direction dir;
	u32 data_bytes;
	u32 prot_bytes;
	/* Scatterlists of the pinned data and PI pages. */
	struct scatterlist *sgl, *prot_sgl;
	u32 sgl_count, prot_sgl_count;
	struct page **pages;		/* data pages, then PI pages */
	u32 npages;
	/* The writable part of the chain: response, then data-in. */
	struct iovec *in_iov;
	u32 in_count;
	u8 cdb[VHS_MAX_CDB];
	u8 sense[TRANSPORT_SENSE_BUFFER];
	struct scatterlist inline_sgl[VHS_INLINE_SGS];
	struct page *inline_pages[VHS_INLINE_SGS];
	struct iovec inline_iov[VHS_INLINE_IOVS];
	struct work_struct submit_work;	/* queued submission (submit.c) */
};

struct vhs_tmf {
	struct se_cmd se_cmd;
	struct vhs_vq *svq;
	struct llist_node done;
	int head;
	u8 response;			/* virtio TMF response */
	struct iovec *in_iov;
	u32 in_count;
	struct iovec inline_iov[VHS_INLINE_IOVS];
};

struct vhs_vq {
	struct vhh_vq vq;
	struct vhs_dev *vhs;
	/* Command pool: allocated on first use after SET_ENDPOINT. */
	struct vhs_cmd *cmds;
	unsigned int ncmds;
	unsigned int *free;		/* stack of free indexes */
	unsigned int nfree;
	bool starved;			/* a request waits for a free command */
	/* Commands and TMFs LIO gave back, answered by done_work. */
	struct llist_head done;
	struct llist_head tmf_done;
	struct vhh_work done_work;
};

struct vhs_dev {
	struct vhh_dev dev;
	struct vhs_vq *vqs;
	int nvqs;
	/* The endpoint: tpgs by tpgt, NULL when none is set (dev.mutex). */
	struct vhs_tpg **tpgs;
	char wwpn[224];
	/* Commands and TMFs taken and not yet given back. */
	atomic_t inflight;
	wait_queue_head_t inflight_wq;
	atomic_t tmfs;
	/* Events for the event queue (evt.c). */
	struct llist_head evts;
	atomic_t nevts;
	unsigned long events_missed;	/* bit 0 */
	struct vhh_work evt_work;
	/* Gives back what a killed worker can no longer answer (io.c). */
	struct work_struct orphans;
};

static inline struct vhs_dev *vhs_from_vq(struct vhh_vq *vq)
{
	return container_of(vq->dev, struct vhs_dev, dev);
}

static inline struct vhs_vq *vhs_vq(struct vhh_vq *vq)
{
	return container_of(vq, struct vhs_vq, vq);
}

/* An object given back: the endpoint may now be cleared. */
static inline void vhs_put_inflight(struct vhs_dev *vhs)
{
	/* Nobody waits but a clear of the endpoint: no lock for nothing. */
	if (atomic_dec_and_test(&vhs->inflight) &&
	    wq_has_sleeper(&vhs->inflight_wq))
		wake_up_all(&vhs->inflight_wq);
}

/* submit.c: a prepared command to LIO, on the worker or queued */
int vhs_submit_init(void);
void vhs_submit_exit(void);
void vhs_target_submit(struct vhs_cmd *cmd);

/* io.c: request queues */
void vhs_fault_init(void);
void vhs_fault_exit(void);
void vhs_io_kick(struct vhh_work *work);
void vhs_done_work(struct vhh_work *work);
void vhs_free_cmds(struct vhs_vq *svq);
void vhs_cmd_released(struct vhs_cmd *cmd);
void vhs_drop_orphans(struct work_struct *work);
/*
 * Keep the @n writable iovecs of a chain for a later answer, in
 * @inline_iov when they fit; *@dst is NULL when that fails (-ENOMEM).
 */
int vhs_keep_iov(struct iovec **dst, struct iovec *inline_iov,
		 const struct iovec *src, unsigned int n);
/* Write @len bytes of @rsp through the first in-iovecs of a chain. */
int vhs_write_resp(struct iovec *iov, unsigned int count, const void *rsp,
		   size_t len);
int vhs_answer(struct vhh_vq *vq, int head, unsigned int out,
	       unsigned int in, u8 response, size_t rsp_size);
/* Log @len bytes written through @iov when logging is on. */
void vhs_log(struct vhh_vq *vq, u64 len, const struct iovec *iov,
	     unsigned int count);

/* ctl.c: control queue */
void vhs_ctl_kick(struct vhh_work *work);
void vhs_tmf_released(struct vhs_tmf *tmf);
/* Give back the TMFs LIO returned, unanswered (no worker left). */
void vhs_drop_tmfs(struct vhs_vq *svq);
/* Answer the TMFs LIO gave back; true if any (queue mutex held). */
bool vhs_tmf_done(struct vhs_vq *svq);

/* evt.c: event queue */
void vhs_evt_kick(struct vhh_work *work);
void vhs_evt_work(struct vhh_work *work);
void vhs_send_event(struct vhs_dev *vhs, struct vhs_tpg *tpg,
		    struct se_lun *lun, u32 event, u32 reason);
void vhs_drop_events(struct vhs_dev *vhs);

/* ioctl.c */
long vhs_ioctl(struct file *f, unsigned int ioctl, unsigned long arg);
void vhs_clear_endpoint_all(struct vhs_dev *vhs);

#endif /* _VHS_H */
