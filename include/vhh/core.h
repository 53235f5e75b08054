/* SPDX-License-Identifier: GPL-2.0 */
/*
 * API of the hardened vhost core (module vhh_core) for device drivers
 * (vhost-net, vhost-scsi).
 *
 * The core owns everything a device shares: the worker thread that runs in
 * the owner's mm, the memory table and device IOTLB, virtqueue setup ioctls,
 * descriptor-chain fetching with strict validation, used-ring updates,
 * notification and dirty logging.  Symbols live in the VHH_CORE namespace so
 * this module and the in-tree vhost.ko can be loaded side by side.
 *
 * Locking: vhh_dev.mutex serialises device ioctls; vhh_vq.mutex protects
 * every field of a queue and is held by the driver's handlers (which run on
 * the worker) and by the vring ioctls.  Everything that touches a queue's
 * ring, eventfds or backend does so under that queue's mutex.
 */
#ifndef _VHH_CORE_H
#define _VHH_CORE_H

#include <linux/atomic.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/xarray.h>
#include <vhh/compat.h>
#include <vhh/iotlb.h>

/* ---- work and polling (drivers/core/worker.c) ---------------------------- */

struct vhh_work;
struct vhh_worker;
struct vhh_dev;
struct vhh_vq;
typedef void (*vhh_work_fn_t)(struct vhh_work *work);

#define VHH_WORK_QUEUED 1	/* bit in vhh_work.flags */

struct vhh_work {
	struct llist_node node;
	vhh_work_fn_t fn;
	unsigned long flags;
};

/* Wake-up on a file (kick eventfd or backend socket) queues @work. */
struct vhh_poll {
	poll_table table;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	struct vhh_work work;
	__poll_t mask;
	struct vhh_vq *vq;	/* whose worker runs @work */
};

void vhh_work_init(struct vhh_work *work, vhh_work_fn_t fn);
/*
 * Queue @work on @vq's worker; no-op if already queued.  False if @vq has
 * no worker: never started, stopped, or killed with its owner (task mode),
 * and @work will not run: the caller gives back what it would answer.
 */
bool vhh_vq_work_queue(struct vhh_vq *vq, struct vhh_work *work);
/* Is anything queued on @vq's worker (busy polling stops for it)? */
bool vhh_vq_has_work(struct vhh_vq *vq);
void vhh_poll_init(struct vhh_poll *poll, vhh_work_fn_t fn, __poll_t mask,
		   struct vhh_vq *vq);
int vhh_poll_start(struct vhh_poll *poll, struct file *file);
void vhh_poll_stop(struct vhh_poll *poll);
bool vhh_poll_queue(struct vhh_poll *poll);
/* Wait until every work queued on any worker before the call has run. */
void vhh_dev_flush(struct vhh_dev *dev);
/* NEW/FREE_WORKER, ATTACH/GET_VRING_WORKER (dev->mutex held). */
long vhh_worker_ioctl(struct vhh_dev *dev, unsigned int ioctl,
		      void __user *argp);

/* ---- virtqueue and device ------------------------------------------------ */

/* One dirty-log entry: a guest-physical range written by the device. */
struct vhh_log {
	u64 addr;
	u64 len;
};

enum vhh_ring_part {
	VHH_ADDR_DESC = 0,
	VHH_ADDR_AVAIL = 1,
	VHH_ADDR_USED = 2,
	VHH_NUM_ADDRS = 3,
};

/* Maximum iovecs of one chain (IOV_MAX like 6.1). */
#define VHH_IOV_MAX UIO_MAXIOV

struct vhh_vq {
	struct vhh_dev *dev;
	struct mutex mutex;

	/* Ring geometry and user addresses (IOVAs when the IOTLB is on). */
	unsigned int num;
	vring_desc_t __user *desc;
	vring_avail_t __user *avail;
	vring_used_t __user *used;
	/* Cached IOTLB translations of the three ring parts (access.c). */
	const struct vhh_iotlb_map *meta_iotlb[VHH_NUM_ADDRS];

	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *error_ctx;
	struct eventfd_ctx *log_ctx;

	struct vhh_poll poll;
	vhh_work_fn_t handle_kick;
	/* Runs this queue's works; RCU for lock-free wakers, set under mutex. */
	struct vhh_worker __rcu *worker;
	int walk_left;		/* descriptors this handler pass may still walk */

	u16 last_avail_idx;	/* next head to fetch */
	u16 avail_idx;		/* cached avail->idx */
	u16 last_used_idx;	/* next used slot */
	u16 used_flags;
	u16 signalled_used;
	bool signalled_used_valid;

	/*
	 * Set when the guest handed us a malformed ring or chain: the queue
	 * stops fetching (vhh_get_vq_desc fails fast) until userspace
	 * reconfigures it (SET_VRING_NUM/ADDR/BASE, RESET_OWNER).
	 */
	bool broken;

	bool log_used;
	u64 log_addr;

	struct iovec iov[VHH_IOV_MAX];
	struct iovec iotlb_iov[64];
	struct vring_desc *indirect;	/* VHH_IOV_MAX scratch descriptors */
	struct vring_used_elem *heads;	/* VHH_IOV_MAX */
	struct vhh_iotlb *umem;
	struct vhh_iotlb *iotlb;
	void *private_data;
	u64 acked_features;
	u64 acked_backend_features;
	void __user *log_base;
	struct vhh_log *log;		/* VHH_IOV_MAX */
	struct iovec log_iov[64];

	bool is_le;
	u32 busyloop_timeout;

	/*
	 * Last translation hit by vhh_translate() (access.c): a copy of the
	 * map, valid while @tbl is the queue's current table; cleared by
	 * vhh_vq_meta_reset().
	 */
	struct {
		const struct vhh_iotlb *tbl;
		u64 start;
		u64 last;
		u64 addr;
		u32 perm;
	} xlate_hit;
};

struct vhh_msg_node {
	union {
		struct vhost_msg msg;
		struct vhost_msg_v2 msg_v2;
	};
	struct vhh_vq *vq;
	struct list_head node;
};

struct vhh_dev {
	struct mm_struct *mm;
	struct mutex mutex;
	struct vhh_vq **vqs;
	int nvqs;
	struct eventfd_ctx *log_ctx;
	struct xarray workers;	/* id -> struct vhh_worker (dev->mutex) */
	unsigned int nworkers;
	struct vhh_iotlb *umem;
	struct vhh_iotlb *iotlb;
	spinlock_t iotlb_lock;
	struct list_head read_list;
	struct list_head pending_list;
	wait_queue_head_t wait;
	int iov_limit;
	int weight;		/* packets/requests per handler run */
	int byte_weight;	/* bytes per handler run */
	bool use_worker;
	bool fork_owner;	/* workers are threads of the owner (TASK) */
	int (*msg_handler)(struct vhh_dev *dev, u32 asid,
			   struct vhost_iotlb_msg *msg);
};

/*
 * Descriptors (ring and indirect entries) one handler pass may walk.  The
 * packet and byte weights do not bound the walking: empty descriptors carry
 * no bytes, and a vhost-net RX frame may gather up to UIO_MAXIOV heads of
 * up to num (32768) descriptors each.  A legal chain has at most
 * UIO_MAXIOV non-empty descriptors (more cannot be translated into the
 * caller's iovecs), so a chain longer than a whole pass is mostly empty
 * descriptors and is refused as malformed; any other chain fits one fresh
 * pass, and a device that takes one chain at a time always progresses.
 * The value bounds how long a queue mutex is held per pass (about 0.1 s
 * under TCG, far less on hardware).
 */
#define VHH_WALK_BUDGET 16384

/*
 * Start a handler pass on @vq (its mutex held): a fresh walking budget.
 * Every handler that fetches chains calls this first.  The budget lives in
 * the queue, not the worker, because queues of one device may run on
 * different workers at the same time.
 */
static inline void vhh_vq_pass_begin(struct vhh_vq *vq)
{
	vq->walk_left = VHH_WALK_BUDGET;
}

/* Features every vhh device offers (drivers add their own). */
#define VHH_FEATURES ((1ULL << VIRTIO_F_NOTIFY_ON_EMPTY) |	\
		      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |	\
		      (1ULL << VIRTIO_RING_F_EVENT_IDX) |	\
		      (1ULL << VHOST_F_LOG_ALL) |		\
		      (1ULL << VIRTIO_F_ANY_LAYOUT) |		\
		      (1ULL << VIRTIO_F_VERSION_1))

/*
 * Backend features every vhh device offers: what 6.1's vhost-net offers.
 * IOTLB_BATCH would only let a client group updates we apply one by one
 * anyway; QEMU masks it off for vhost-kernel.
 */
#define VHH_BACKEND_FEATURES (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)

/* ---- device lifecycle and ioctls (dev.c, vring.c, msg.c) ----------------- */

void vhh_dev_init(struct vhh_dev *dev, struct vhh_vq **vqs, int nvqs,
		  int iov_limit, int weight, int byte_weight, bool use_worker,
		  int (*msg_handler)(struct vhh_dev *dev, u32 asid,
				     struct vhost_iotlb_msg *msg));
long vhh_dev_set_owner(struct vhh_dev *dev);
bool vhh_dev_has_owner(struct vhh_dev *dev);
/* 0 if current's mm owns the device, -EPERM otherwise. */
long vhh_dev_check_owner(struct vhh_dev *dev);
/* Allocate the empty memory table RESET_OWNER installs (may fail early). */
struct vhh_iotlb *vhh_dev_reset_owner_prepare(void);
void vhh_dev_reset_owner(struct vhh_dev *dev, struct vhh_iotlb *umem);
/* Stop polling every kick; flush the worker. */
void vhh_dev_stop(struct vhh_dev *dev);
/* Release everything (worker, eventfds, tables, messages). */
void vhh_dev_cleanup(struct vhh_dev *dev);
/* Device ioctls: SET_MEM_TABLE, SET_LOG_BASE, SET_LOG_FD, SET/RESET_OWNER. */
long vhh_dev_ioctl(struct vhh_dev *dev, unsigned int ioctl, void __user *argp);
/* Vring ioctls: SET_VRING_NUM/ADDR/BASE/KICK/CALL/ERR/ENDIAN/BUSYLOOP..., GET_*. */
long vhh_vring_ioctl(struct vhh_dev *dev, unsigned int ioctl,
		     void __user *argp);
int vhh_init_device_iotlb(struct vhh_dev *dev, bool enabled);
void vhh_set_backend_features(struct vhh_dev *dev, u64 features);

/* IOTLB message channel on the device fd (msg.c). */
__poll_t vhh_chr_poll(struct file *file, struct vhh_dev *dev,
		      poll_table *wait);
ssize_t vhh_chr_read_iter(struct vhh_dev *dev, struct iov_iter *to,
			  int noblock);
ssize_t vhh_chr_write_iter(struct vhh_dev *dev, struct iov_iter *from);
void vhh_clear_msg(struct vhh_dev *dev);
void vhh_clear_vq_msg(struct vhh_dev *dev, struct vhh_vq *vq);

/* ---- ring access (access.c, desc.c, used.c, log.c) ----------------------- */

bool vhh_vq_is_setup(struct vhh_vq *vq);
/* Rings readable/writable (and loggable when logging is on). */
bool vhh_vq_access_ok(struct vhh_vq *vq);
bool vhh_log_access_ok(struct vhh_dev *dev);
/* SET_FEATURES while queues run: do their rings still fit @features? */
bool vhh_rings_fit(struct vhh_dev *dev, u64 features);
/* Start a queue after a backend is set: read used idx, set flags. */
int vhh_vq_init_access(struct vhh_vq *vq);
/* Translate the ring parts through the IOTLB; 0 = miss pending. */
int vhh_vq_meta_prefetch(struct vhh_vq *vq);

/*
 * Fetch the next available chain into @iov (out iovecs first, then in).
 * Returns the head index, vq->num if the ring is empty, or a negative errno
 * when the ring or the chain is malformed (the error eventfd is signalled
 * and the queue marked broken) or when an IOTLB miss is pending (-EAGAIN).
 * -EBUSY: this pass of the worker has walked VHH_WALK_BUDGET descriptors;
 * nothing was consumed, the queue is not broken, and the core queues the
 * running work again once it returns: the caller just stops.  (A chain
 * that alone exhausts a fresh pass is malformed: -EINVAL, queue broken.)
 */
int vhh_get_vq_desc(struct vhh_vq *vq, struct iovec iov[],
		    unsigned int iov_count, unsigned int *out_num,
		    unsigned int *in_num, struct vhh_log *log,
		    unsigned int *log_num);
/* Give back the last @n fetched heads. */
void vhh_discard_vq_desc(struct vhh_vq *vq, int n);

int vhh_add_used(struct vhh_vq *vq, unsigned int head, int len);
int vhh_add_used_n(struct vhh_vq *vq, struct vring_used_elem *heads,
		   unsigned int count);
void vhh_signal(struct vhh_dev *dev, struct vhh_vq *vq);
void vhh_add_used_and_signal(struct vhh_dev *dev, struct vhh_vq *vq,
			     unsigned int id, int len);
void vhh_add_used_and_signal_n(struct vhh_dev *dev, struct vhh_vq *vq,
			       struct vring_used_elem *heads,
			       unsigned int count);
void vhh_disable_notify(struct vhh_dev *dev, struct vhh_vq *vq);
/* Re-enable notification; true if new buffers arrived meanwhile. */
bool vhh_enable_notify(struct vhh_dev *dev, struct vhh_vq *vq);
bool vhh_vq_avail_empty(struct vhh_dev *dev, struct vhh_vq *vq);

/*
 * Mark the guest pages written through @iov (@len bytes) dirty, in bounded
 * chunks with reschedule points (seed vhost.c-0003).
 */
int vhh_log_write(struct vhh_vq *vq, struct vhh_log *log,
		  unsigned int log_num, u64 len, struct iovec *iov, int count);
/*
 * The same from the buffers' owner addresses alone (through the memory
 * table), for a device that logs a write long after it fetched the chain:
 * logging may have been turned on in between.
 */
int vhh_log_write_iov(struct vhh_vq *vq, u64 len, const struct iovec *iov,
		      int count);

/*
 * Budget check at the end of each handled packet/request: true when the
 * handler must stop; the core then requeues the queue's poll work itself so
 * remaining work is never stranded (seed scsi.c-0001).
 */
bool vhh_exceeds_weight(struct vhh_vq *vq, int pkts, int total_len);

/* Report a guest error: debug message plus the queue's error eventfd. */
#define vhh_vq_err(vq, fmt, ...) do {					\
		pr_debug(pr_fmt(fmt), ##__VA_ARGS__);			\
		if ((vq)->error_ctx)					\
			vhh_eventfd_signal((vq)->error_ctx);		\
	} while (0)

/*
 * The client gave the queue ring addresses at some point.  A queue it
 * never configured (a device offers more queues than a guest uses) has no
 * rings to check or log.
 */
static inline bool vhh_vq_has_rings(struct vhh_vq *vq)
{
	return vq->desc || vq->avail || vq->used;
}

static inline void vhh_vq_set_backend(struct vhh_vq *vq, void *private_data)
{
	vq->private_data = private_data;
}

static inline void *vhh_vq_get_backend(struct vhh_vq *vq)
{
	return vq->private_data;
}

static inline bool vhh_has_feature(struct vhh_vq *vq, int bit)
{
	return vq->acked_features & (1ULL << bit);
}

static inline bool vhh_backend_has_feature(struct vhh_vq *vq, int bit)
{
	return vq->acked_backend_features & (1ULL << bit);
}

/* Legacy rings are native endian (x86: little); VERSION_1 is little. */
static inline bool vhh_is_little_endian(struct vhh_vq *vq)
{
	return virtio_legacy_is_little_endian() || vq->is_le;
}

static inline u16 vhh16_to_cpu(struct vhh_vq *vq, __virtio16 val)
{
	return __virtio16_to_cpu(vhh_is_little_endian(vq), val);
}

static inline __virtio16 cpu_to_vhh16(struct vhh_vq *vq, u16 val)
{
	return __cpu_to_virtio16(vhh_is_little_endian(vq), val);
}

static inline u32 vhh32_to_cpu(struct vhh_vq *vq, __virtio32 val)
{
	return __virtio32_to_cpu(vhh_is_little_endian(vq), val);
}

static inline __virtio32 cpu_to_vhh32(struct vhh_vq *vq, u32 val)
{
	return __cpu_to_virtio32(vhh_is_little_endian(vq), val);
}

static inline u64 vhh64_to_cpu(struct vhh_vq *vq, __virtio64 val)
{
	return __virtio64_to_cpu(vhh_is_little_endian(vq), val);
}

static inline __virtio64 cpu_to_vhh64(struct vhh_vq *vq, u64 val)
{
	return __cpu_to_virtio64(vhh_is_little_endian(vq), val);
}

#endif /* _VHH_CORE_H */
