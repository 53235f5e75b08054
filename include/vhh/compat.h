/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One spelling for kernel interfaces that changed between the kernels we
 * build for (6.1 to 7.x).  The VHH_* switches come from the header probes
 * of include/vhh/compat.mk: by feature, not by version.  Every other file
 * uses the vhh_ names below and never tests a kernel version itself.
 */
#ifndef _VHH_COMPAT_H
#define _VHH_COMPAT_H

#include <linux/eventfd.h>
#include <linux/gfp.h>
#include <linux/if_tun.h>
#include <linux/mm.h>
#ifdef VHH_HAVE_PAGE_FRAG_CACHE_H
#include <linux/page_frag_cache.h> /* 6.13: out of gfp.h */
#endif
#include <linux/string.h>
#include <vhh/uapi.h>
#include <linux/virtio_net.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

/* Symbol namespace of vhh_core: a bare token until 6.12, a string after. */
#ifdef VHH_NS_IS_STRING
#define VHH_EXPORT(sym) EXPORT_SYMBOL_NS_GPL(sym, "VHH_CORE")
#define VHH_IMPORT_NS() MODULE_IMPORT_NS("VHH_CORE")
#else
#define VHH_EXPORT(sym) EXPORT_SYMBOL_NS_GPL(sym, VHH_CORE)
#define VHH_IMPORT_NS() MODULE_IMPORT_NS(VHH_CORE)
#endif

/* Signal an eventfd once (6.8 dropped the count; it was always 1 here). */
static inline void vhh_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VHH_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* A page fragment aligned to @align bytes (a power of two). */
static inline void *vhh_page_frag_alloc(struct page_frag_cache *nc,
					unsigned int size, gfp_t gfp,
					unsigned int align)
{
#ifdef VHH_PAGE_FRAG_ALIGN_VALUE
	return page_frag_alloc_align(nc, size, gfp, align);
#else
	return page_frag_alloc_align(nc, size, gfp, ~(align - 1));
#endif
}

/* Give back what a fragment cache still holds of its current page. */
static inline void vhh_page_frag_cache_drain(struct page_frag_cache *nc)
{
#ifdef VHH_HAVE_PAGE_FRAG_CACHE_DRAIN
	page_frag_cache_drain(nc);
#else
	if (nc->va)
		__page_frag_cache_drain(virt_to_head_page(nc->va),
					nc->pagecnt_bias);
	nc->va = NULL;
#endif
}

/*
 * A frame for a TUN_MSG_PTR batch: tun/tap find its virtio-net header and
 * buffer length at the start of the buffer, in front of the payload at
 * @room.  Until 6.16 that is a struct tun_xdp_hdr; from 6.17 the header
 * alone, the length coming from the xdp_buff's frame_sz (the caller's
 * xdp_init_buff), the rest of the room zero.  @hdr has @hlen bytes (the
 * socket's header length, 24 with UDP tunnel GSO), at least a struct
 * virtio_net_hdr; only that struct fits a struct tun_xdp_hdr.
 */
static inline void vhh_tun_xdp_put_hdr(void *buf, unsigned int buflen,
				       unsigned int room, const void *hdr,
				       size_t hlen)
{
#ifdef VHH_HAVE_TUN_XDP_HDR
	struct tun_xdp_hdr *xhdr = buf;

	xhdr->buflen = buflen;
	memcpy(&xhdr->gso, hdr, sizeof(xhdr->gso));
#else
	memset(buf, 0, room);
	memcpy(buf, hdr, hlen);
#endif
}

/*
 * Submission (drivers/scsi/submit.c chooses direct or queued per backend).
 * Since 6.10 target_submit() runs a command directly or queues it as the
 * device's submit_type says, and the fabric's default when the attribute
 * is unset: ours is direct, and submit.c queues what it wants queued.
 * 6.1 has neither the attribute nor the choice: target_submit() runs the
 * command, target_queue_submission() queues it.
 */
#ifdef VHH_TARGET_COMPL_TYPE
/*
 * Completions queued to LIO's workqueue, as the in-tree module does by
 * default; direct completion (from the backend's context, possibly an
 * interrupt) is not offered until our completion path is shown safe there.
 */
#define VHH_FABRIC_COMPL_OPS						\
	.default_compl_type = TARGET_QUEUE_COMPL,			\
	.direct_compl_supp = 0,
#else
#define VHH_FABRIC_COMPL_OPS
#endif
#ifdef VHH_TARGET_SUBMIT_TYPE
#define VHH_FABRIC_SUBMIT_OPS						\
	VHH_FABRIC_COMPL_OPS						\
	.default_submit_type = TARGET_DIRECT_SUBMIT,			\
	.direct_submit_supp = 1,
static inline void vhh_target_submit(struct se_cmd *se_cmd)
{
	/* Fails only without a LUN, which submit_prep has checked. */
	WARN_ON_ONCE(target_submit(se_cmd));
}

/* An administrator chose for this device (configfs submit_type). */
static inline bool vhh_submit_type_set(const struct se_cmd *se_cmd)
{
	return se_cmd->se_dev->dev_attrib.submit_type !=
	       TARGET_FABRIC_DEFAULT_SUBMIT;
}
#else
#define VHH_FABRIC_SUBMIT_OPS
static inline void vhh_target_submit(struct se_cmd *se_cmd)
{
	target_submit(se_cmd);
}

static inline bool vhh_submit_type_set(const struct se_cmd *se_cmd)
{
	return false;
}
#endif

/* Bound to CPUs: said since 6.17 (WQ_PERCPU), the default before. */
#ifdef VHH_HAVE_WQ_PERCPU
#define VHH_WQ_PERCPU WQ_PERCPU
#else
#define VHH_WQ_PERCPU 0
#endif

/*
 * Workers that are threads of their owner (vhost_task with a SIGKILL
 * handler, 6.11; 6.12's default mode).  Without it (6.1) ours has kernel
 * thread workers only.
 */
#if defined(VHH_HAVE_VHOST_TASK) && IS_ENABLED(CONFIG_VHOST_TASK)
#include <linux/sched/vhost_task.h>
#define VHH_TASK_WORKERS 1
#else
#define VHH_TASK_WORKERS 0
#endif

#endif /* _VHH_COMPAT_H */
