/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the control files of the core (worker.c, dev.c,
 * vring.c, msg.c); not exported.
 */
#ifndef _VHH_CORE_CTL_H
#define _VHH_CORE_CTL_H

#include "internal.h"

/* worker.c: start the owner's worker (mm and cgroups of current). */
int vhh_worker_start(struct vhh_dev *dev);
/* worker.c: run what is still queued, then stop the worker. */
void vhh_worker_stop(struct vhh_dev *dev);

/* dev.c: take every queue mutex of @dev (dev->mutex held), in index order. */
void vhh_dev_lock_vqs(struct vhh_dev *dev);
void vhh_dev_unlock_vqs(struct vhh_dev *dev);

#endif /* _VHH_CORE_CTL_H */
