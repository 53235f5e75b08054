/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the control files of the core (worker.c, dev.c,
 * vring.c, msg.c); not exported.
 */
#ifndef _VHH_CORE_CTL_H
#define _VHH_CORE_CTL_H

#include <linux/nospec.h>

#include "internal.h"

/* worker.c: start the owner's worker (mm and cgroups of current). */
int vhh_worker_start(struct vhh_dev *dev);
/* worker.c: run what is still queued, then stop the worker. */
void vhh_worker_stop(struct vhh_dev *dev);

/*
 * The queue a client names by index, or NULL when out of range; the index
 * is clamped under speculation too.
 */
static inline struct vhh_vq *vhh_dev_vq(struct vhh_dev *d, u32 idx)
{
	if (idx >= d->nvqs)
		return NULL;
	return d->vqs[array_index_nospec(idx, d->nvqs)];
}

/* dev.c: take every queue mutex of @dev (dev->mutex held), in index order. */
void vhh_dev_lock_vqs(struct vhh_dev *dev);
void vhh_dev_unlock_vqs(struct vhh_dev *dev);

#endif /* _VHH_CORE_CTL_H */
