# SPDX-License-Identifier: GPL-2.0
#
# Kernel API probes: which form of an interface the target kernel's headers
# have, as -DVHH_* flags; include/vhh/compat.h turns each into one spelling
# for our sources.  Probed by feature (a declaration in a header), not by
# version, so a distribution backport is followed too.  Included by the top
# Kbuild and by tests/kunit/Kbuild; sets vhh-compat-flags.
#
# $(call vhh-probe,HEADERS,EXTENDED-REGEX,NAME): -DNAME if any HEADER (under
# the kernel's include/) has a line matching.  A parenthesis in a pattern
# is written "." (make would count it), a comma $(comma).
# Without headers every probe would silently pick the 6.1 spelling.
$(if $(wildcard $(srctree)/include/linux/module.h),,$(error compat.mk: no kernel headers under $(srctree)))
vhh-probe = $(if $(shell grep -qsE '$(2)' $(addprefix $(srctree)/include/,$(1)) && echo y),-D$(3))

# 6.8: eventfd_signal() lost its count argument.
vhh-compat-flags := $(call vhh-probe,linux/eventfd.h,void eventfd_signal.struct eventfd_ctx \*ctx.;?$$,VHH_EVENTFD_SIGNAL_NO_COUNT)
# 6.9: page_frag_alloc_align() takes an alignment, no longer a mask (a
# mask there is a WARN and a wrong alignment); page_frag_cache_drain().
vhh-compat-flags += $(call vhh-probe,linux/gfp.h linux/page_frag_cache.h,__page_frag_alloc_align,VHH_PAGE_FRAG_ALIGN_VALUE)
vhh-compat-flags += $(call vhh-probe,linux/gfp.h linux/page_frag_cache.h,void page_frag_cache_drain.struct page_frag_cache,VHH_HAVE_PAGE_FRAG_CACHE_DRAIN)
# 6.13: the page-fragment API has a header of its own.
vhh-compat-flags += $(call vhh-probe,linux/page_frag_cache.h,page_frag_alloc,VHH_HAVE_PAGE_FRAG_CACHE_H)
# 6.10: the fabric chooses direct or queued submission (default_submit_type);
# target_queue_submission() left the API (6.11).
vhh-compat-flags += $(call vhh-probe,target/target_core_fabric.h,default_submit_type,VHH_TARGET_SUBMIT_TYPE)
# 6.13: symbol namespaces are string literals.
vhh-compat-flags += $(call vhh-probe,linux/module.h,MODULE_INFO.import_ns$(comma) ns.$$,VHH_NS_IS_STRING)
# 6.17: tun/tap read a TUN_MSG_PTR frame's header at the buffer's start and
# its length from the xdp_buff (struct tun_xdp_hdr is gone).
vhh-compat-flags += $(call vhh-probe,linux/if_tun.h,struct tun_xdp_hdr \{,VHH_HAVE_TUN_XDP_HDR)
# 7.x: the fabric also chooses queued or direct completion.
vhh-compat-flags += $(call vhh-probe,target/target_core_fabric.h,default_compl_type,VHH_TARGET_COMPL_TYPE)
# 6.11: vhost_task_create() takes a bool worker function and a SIGKILL
# handler (the form vhost workers that are threads of the owner need).
vhh-compat-flags += $(call vhh-probe,linux/sched/vhost_task.h,vhost_task_create.bool ..fn.,VHH_HAVE_VHOST_TASK)
# 6.18: tun/tap carry GSO over UDP tunnels, with the 24-byte
# virtio_net_hdr_v1_hash_tunnel header (vhost-net offers the features).
vhh-compat-flags += $(call vhh-probe,uapi/linux/if_tun.h,define TUN_F_UDP_TUNNEL_GSO,VHH_HAVE_TUN_UDP_TUNNEL_GSO)
# 6.17: a workqueue says whether it is bound to CPUs (WQ_PERCPU) or warns.
vhh-compat-flags += $(call vhh-probe,linux/workqueue.h,WQ_PERCPU[[:space:]]+=,VHH_HAVE_WQ_PERCPU)
