/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vguest: a userspace program playing the guest of a vhost device.
 *
 * The "guest" owns one anonymous memory arena.  It is registered with
 * VHOST_SET_MEM_TABLE as a single region at VG_GPA_BASE, so a guest physical
 * address is VG_GPA_BASE + (offset in the arena).  Rings and buffers are
 * carved out of the arena with vg_alloc(); the test then fills descriptors,
 * publishes heads, kicks the kick eventfd and waits on the call eventfd.
 */
#ifndef VGUEST_H
#define VGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>

#define VG_GPA_BASE 0x40000000ULL
#define VG_MAX_VQS 4
#define VG_DEFAULT_MEM (8u << 20)

struct vg_vq {
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t avail_idx;	/* next avail->idx we will publish */
	uint16_t last_used;	/* used->idx we have consumed up to */
	uint16_t next_desc;	/* simple bump allocator over the table */
	int kick_fd, call_fd, err_fd;
	bool event_idx;
};

struct vg_dev {
	int fd;
	uint8_t *mem;		/* arena start (host virtual) */
	size_t mem_size;
	size_t brk;		/* arena bump pointer */
	unsigned int nvq;
	uint64_t features;
	struct vg_vq vq[VG_MAX_VQS];
};

/* A segment of a chain: out = device reads it, in = device writes it. */
struct vg_seg {
	void *addr;		/* inside the arena */
	uint32_t len;
	bool write;		/* VRING_DESC_F_WRITE */
};

/* Device and memory */
int vg_open(struct vg_dev *d, const char *path, size_t mem_size);
void vg_close(struct vg_dev *d);
int vg_set_mem_table_default(struct vg_dev *d);
void *vg_alloc(struct vg_dev *d, size_t len, size_t align);
uint64_t vg_gpa(const struct vg_dev *d, const void *p);
void *vg_hva(const struct vg_dev *d, uint64_t gpa);
int vg_get_features(struct vg_dev *d, uint64_t *features);
int vg_set_features(struct vg_dev *d, uint64_t features);

/* Virtqueues */
int vg_vq_setup(struct vg_dev *d, unsigned int idx, unsigned int num);
int vg_vq_setup_rings(struct vg_dev *d, unsigned int idx, unsigned int num);
int vg_vq_set_fds(struct vg_dev *d, unsigned int idx);

/*
 * Build a chain of segments starting at a fresh table slot, optionally
 * through an indirect table allocated from the arena.  Returns the head.
 */
int vg_add_chain(struct vg_dev *d, unsigned int idx, const struct vg_seg *segs,
		 unsigned int nsegs, bool indirect);
/* Put a head on the avail ring (does not kick). */
void vg_publish(struct vg_dev *d, unsigned int idx, uint16_t head);
/* Publish several heads at once with a single avail->idx store. */
void vg_publish_many(struct vg_dev *d, unsigned int idx, const uint16_t *heads,
		     unsigned int n);
int vg_kick(struct vg_dev *d, unsigned int idx);
/* Reset the descriptor bump allocator (all previous chains must be used). */
void vg_reset_desc(struct vg_dev *d, unsigned int idx);

/*
 * Wait up to timeout_ms for the next used element; returns 1 with id/len
 * filled, 0 on timeout.  Polls the used ring, so it works with or without
 * a call eventfd and with notifications suppressed.
 */
int vg_wait_used(struct vg_dev *d, unsigned int idx, int timeout_ms,
		 uint32_t *id, uint32_t *len);
/* Number of used elements not yet consumed. */
unsigned int vg_used_pending(struct vg_dev *d, unsigned int idx);
/* Wait for the error eventfd of a queue: 1 signalled, 0 timeout. */
int vg_wait_err(struct vg_dev *d, unsigned int idx, int timeout_ms);
/* Wait for the call eventfd: 1 signalled, 0 timeout. */
int vg_wait_call(struct vg_dev *d, unsigned int idx, int timeout_ms);
/* Read (and clear) an eventfd if it is ready; returns the count or 0. */
uint64_t vg_eventfd_drain(int fd);

/* Utilities shared by the suites */
long long vg_now_ms(void);	/* CLOCK_MONOTONIC in milliseconds */
/* The machine's context switches so far (/proc/stat), or 0. */
unsigned long long vg_switches(void);
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
__printf(2, 3) int vg_write_file(const char *path, const char *fmt, ...);
int vg_read_file(const char *path, char *buf, size_t len);
int vg_mkdir_p(const char *path);
bool vg_module_loaded(const char *name);
void vg_fill_pattern(void *buf, size_t len, uint32_t seed);
bool vg_check_pattern(const void *buf, size_t len, uint32_t seed);
long vg_mem_available_kb(void);
/* Is the running kernel @major.@minor or newer (uname)? */
bool vg_kernel_at_least(int major, int minor);
/*
 * Thread ids of this process's vhost workers, named "vhost-<our pid>": a
 * kthread of their own in /proc (6.1, ours) or vhost_tasks, threads of the
 * owner in /proc/self/task (6.12 and later in-tree).  Stores up to @max,
 * returns how many there are.
 */
int vg_worker_tids(int *tids, int max);

/* tap helpers (net suite) */
int vg_tap_open(char *name_out, int flags);
int vg_link_up(const char *name);

#endif
