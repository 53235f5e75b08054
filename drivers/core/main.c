// SPDX-License-Identifier: GPL-2.0
/*
 * Module glue of the hardened vhost core: parameters shared by the table
 * code (dev.c, msg.c) and module metadata.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

unsigned short vhh_max_mem_regions = 64;
module_param_named(max_mem_regions, vhh_max_mem_regions, ushort, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Maximum number of memory regions in memory map. (default: 64)");

int vhh_max_iotlb_entries = 2048;
module_param_named(max_iotlb_entries, vhh_max_iotlb_entries, int, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Maximum number of iotlb entries. (default: 2048)");

unsigned int vhh_max_extra_workers = 1024;
module_param_named(max_extra_workers, vhh_max_extra_workers, uint, 0644);
MODULE_PARM_DESC(max_extra_workers,
		 "Kernel-thread workers VHOST_NEW_WORKER may add, all devices together. (default: 1024)");

/* As 6.12: workers are threads of the owner unless it asks for kthreads. */
bool vhh_fork_from_owner_default = VHH_TASK_WORKERS;
module_param_named(fork_from_owner_default, vhh_fork_from_owner_default,
		   bool, 0444);
MODULE_PARM_DESC(fork_from_owner_default,
		 "Workers are threads of the owner by default, where the kernel has vhost_task. (default: Y there, N elsewhere)");

static int __init vhh_core_init(void)
{
	if (vhh_fork_from_owner_default && !VHH_TASK_WORKERS) {
		pr_err("vhh_core: fork_from_owner_default=1 needs vhost_task, which this kernel lacks\n");
		return -EINVAL;
	}
	return 0;
}

static void __exit vhh_core_exit(void)
{
}

module_init(vhh_core_init);
module_exit(vhh_core_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hardened host kernel accelerator core for virtio (vhost)");
