// SPDX-License-Identifier: GPL-2.0
/*
 * vguest: userspace guest driver for vhost tests (split virtqueues).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <linux/if_tun.h>

#include "vguest.h"

/* Ordering between our ring stores and the device's loads. */
#define vg_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define vg_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vg_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

int vg_open(struct vg_dev *d, const char *path, size_t mem_size)
{
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < VG_MAX_VQS; i++)
		d->vq[i].kick_fd = d->vq[i].call_fd = d->vq[i].err_fd = -1;
	d->fd = open(path, O_RDWR);
	if (d->fd < 0)
		return -errno;
	if (!mem_size)
		mem_size = VG_DEFAULT_MEM;
	d->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (d->mem == MAP_FAILED) {
		int e = -errno;

		close(d->fd);
		d->fd = -1;
		return e;
	}
	d->mem_size = mem_size;
	d->brk = 0;
	return 0;
}

void vg_close(struct vg_dev *d)
{
	for (int i = 0; i < VG_MAX_VQS; i++) {
		struct vg_vq *vq = &d->vq[i];

		if (vq->kick_fd >= 0)
			close(vq->kick_fd);
		if (vq->call_fd >= 0)
			close(vq->call_fd);
		if (vq->err_fd >= 0)
			close(vq->err_fd);
		vq->kick_fd = vq->call_fd = vq->err_fd = -1;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->mem && d->mem != MAP_FAILED)
		munmap(d->mem, d->mem_size);
	d->mem = NULL;
}

int vg_set_mem_table_default(struct vg_dev *d)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r;
	} t = { 0 };

	t.m.nregions = 1;
	t.r.guest_phys_addr = VG_GPA_BASE;
	t.r.memory_size = d->mem_size;
	t.r.userspace_addr = (uintptr_t)d->mem;
	return ioctl(d->fd, VHOST_SET_MEM_TABLE, &t) ? -errno : 0;
}

void *vg_alloc(struct vg_dev *d, size_t len, size_t align)
{
	size_t at;

	if (!align)
		align = 16;
	at = (d->brk + align - 1) & ~(align - 1);
	if (at + len > d->mem_size)
		return NULL;
	d->brk = at + len;
	memset(d->mem + at, 0, len);
	return d->mem + at;
}

uint64_t vg_gpa(const struct vg_dev *d, const void *p)
{
	return VG_GPA_BASE + (uint64_t)((const uint8_t *)p - d->mem);
}

void *vg_hva(const struct vg_dev *d, uint64_t gpa)
{
	return d->mem + (gpa - VG_GPA_BASE);
}

int vg_get_features(struct vg_dev *d, uint64_t *features)
{
	return ioctl(d->fd, VHOST_GET_FEATURES, features) ? -errno : 0;
}

int vg_set_features(struct vg_dev *d, uint64_t features)
{
	if (ioctl(d->fd, VHOST_SET_FEATURES, &features))
		return -errno;
	d->features = features;
	for (int i = 0; i < VG_MAX_VQS; i++)
		d->vq[i].event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	return 0;
}

int vg_vq_setup_rings(struct vg_dev *d, unsigned int idx, unsigned int num)
{
	struct vg_vq *vq = &d->vq[idx];
	struct vhost_vring_state s = { .index = idx };
	struct vhost_vring_addr a = { .index = idx };

	vq->num = num;
	vq->desc = vg_alloc(d, 16 * num, 16);
	vq->avail = vg_alloc(d, 6 + 2 * num, 2);
	vq->used = vg_alloc(d, 6 + 8 * num, 4);
	if (!vq->desc || !vq->avail || !vq->used)
		return -ENOMEM;
	vq->desc_gpa = vg_gpa(d, vq->desc);
	vq->avail_gpa = vg_gpa(d, vq->avail);
	vq->used_gpa = vg_gpa(d, vq->used);
	vq->avail_idx = vq->last_used = vq->next_desc = 0;
	if (idx + 1 > d->nvq)
		d->nvq = idx + 1;

	s.num = num;
	if (ioctl(d->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	s.num = 0;
	if (ioctl(d->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	a.desc_user_addr = (uintptr_t)vq->desc;
	a.avail_user_addr = (uintptr_t)vq->avail;
	a.used_user_addr = (uintptr_t)vq->used;
	if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &a))
		return -errno;
	return 0;
}

int vg_vq_set_fds(struct vg_dev *d, unsigned int idx)
{
	struct vg_vq *vq = &d->vq[idx];
	struct vhost_vring_file f = { .index = idx };

	if (vq->kick_fd < 0)
		vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->call_fd < 0)
		vq->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->err_fd < 0)
		vq->err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->kick_fd < 0 || vq->call_fd < 0 || vq->err_fd < 0)
		return -errno;
	f.fd = vq->kick_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_KICK, &f))
		return -errno;
	f.fd = vq->call_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_CALL, &f))
		return -errno;
	f.fd = vq->err_fd;
	if (ioctl(d->fd, VHOST_SET_VRING_ERR, &f))
		return -errno;
	return 0;
}

int vg_vq_setup(struct vg_dev *d, unsigned int idx, unsigned int num)
{
	int r = vg_vq_setup_rings(d, idx, num);

	return r ? r : vg_vq_set_fds(d, idx);
}

void vg_reset_desc(struct vg_dev *d, unsigned int idx)
{
	d->vq[idx].next_desc = 0;
}

int vg_add_chain(struct vg_dev *d, unsigned int idx, const struct vg_seg *segs,
		 unsigned int nsegs, bool indirect)
{
	struct vg_vq *vq = &d->vq[idx];
	struct vring_desc *tbl;
	unsigned int first;

	if (!nsegs)
		return -EINVAL;
	if (indirect) {
		uint16_t head = vq->next_desc % vq->num;

		tbl = vg_alloc(d, 16 * nsegs, 16);
		if (!tbl)
			return -ENOMEM;
		for (unsigned int i = 0; i < nsegs; i++) {
			tbl[i].addr = vg_gpa(d, segs[i].addr);
			tbl[i].len = segs[i].len;
			tbl[i].flags = (segs[i].write ? VRING_DESC_F_WRITE : 0) |
				       (i + 1 < nsegs ? VRING_DESC_F_NEXT : 0);
			tbl[i].next = i + 1 < nsegs ? i + 1 : 0;
		}
		vq->desc[head].addr = vg_gpa(d, tbl);
		vq->desc[head].len = 16 * nsegs;
		vq->desc[head].flags = VRING_DESC_F_INDIRECT;
		vq->desc[head].next = 0;
		vq->next_desc++;
		return head;
	}
	if (nsegs > vq->num)
		return -ENOSPC;
	first = vq->next_desc % vq->num;
	for (unsigned int i = 0; i < nsegs; i++) {
		uint16_t cur = (first + i) % vq->num;
		uint16_t nxt = (first + i + 1) % vq->num;

		vq->desc[cur].addr = vg_gpa(d, segs[i].addr);
		vq->desc[cur].len = segs[i].len;
		vq->desc[cur].flags = (segs[i].write ? VRING_DESC_F_WRITE : 0) |
				      (i + 1 < nsegs ? VRING_DESC_F_NEXT : 0);
		vq->desc[cur].next = i + 1 < nsegs ? nxt : 0;
	}
	vq->next_desc += nsegs;
	return first;
}

void vg_publish_many(struct vg_dev *d, unsigned int idx, const uint16_t *heads,
		     unsigned int n)
{
	struct vg_vq *vq = &d->vq[idx];

	for (unsigned int i = 0; i < n; i++)
		vq->avail->ring[(uint16_t)(vq->avail_idx + i) % vq->num] = heads[i];
	vg_wmb();
	vq->avail_idx += n;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	vg_mb();
}

void vg_publish(struct vg_dev *d, unsigned int idx, uint16_t head)
{
	vg_publish_many(d, idx, &head, 1);
}

int vg_kick(struct vg_dev *d, unsigned int idx)
{
	uint64_t one = 1;

	return write(d->vq[idx].kick_fd, &one, sizeof(one)) == sizeof(one) ?
		       0 : -errno;
}

unsigned long long vg_switches(void)
{
	unsigned long long n = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	/* Not idle time: under instruction counting the tick lands in idle. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

long long vg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

unsigned int vg_used_pending(struct vg_dev *d, unsigned int idx)
{
	struct vg_vq *vq = &d->vq[idx];
	uint16_t used = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);

	return (uint16_t)(used - vq->last_used);
}

int vg_wait_used(struct vg_dev *d, unsigned int idx, int timeout_ms,
		 uint32_t *id, uint32_t *len)
{
	struct vg_vq *vq = &d->vq[idx];
	long long end = vg_now_ms() + timeout_ms;

	for (;;) {
		if (vg_used_pending(d, idx)) {
			struct vring_used_elem *e;

			vg_rmb();
			e = &vq->used->ring[vq->last_used % vq->num];
			if (id)
				*id = e->id;
			if (len)
				*len = e->len;
			vq->last_used++;
			if (vq->event_idx) {
				/* used_event lives after the avail ring */
				uint16_t *ue = &vq->avail->ring[vq->num];

				__atomic_store_n(ue, vq->last_used, __ATOMIC_RELEASE);
				vg_mb();
			}
			return 1;
		}
		if (vg_now_ms() >= end)
			return 0;
		if (vq->call_fd >= 0) {
			struct pollfd p = { .fd = vq->call_fd, .events = POLLIN };

			if (poll(&p, 1, 10) > 0)
				vg_eventfd_drain(vq->call_fd);
		} else {
			usleep(1000);
		}
	}
}

uint64_t vg_eventfd_drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int wait_fd(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return 0;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	return vg_eventfd_drain(fd) ? 1 : 0;
}

int vg_wait_err(struct vg_dev *d, unsigned int idx, int timeout_ms)
{
	return wait_fd(d->vq[idx].err_fd, timeout_ms);
}

int vg_wait_call(struct vg_dev *d, unsigned int idx, int timeout_ms)
{
	return wait_fd(d->vq[idx].call_fd, timeout_ms);
}

int vg_write_file(const char *path, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int fd, n, r = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		r = -errno;
	close(fd);
	return r;
}

int vg_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

int vg_mkdir_p(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

bool vg_module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

void vg_fill_pattern(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)xorshift(&seed);
}

bool vg_check_pattern(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)xorshift(&seed))
			return false;
	return true;
}

bool vg_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma, mi;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

long vg_mem_available_kb(void)
{
	char buf[4096], *p;

	if (vg_read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "MemAvailable:");
	return p ? strtol(p + 13, NULL, 10) : -1;
}

int vg_tap_open(char *name_out, int flags)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | flags;
	if (name_out && *name_out)
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name_out);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (name_out)
		snprintf(name_out, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

int vg_link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			r = -errno;
	} else {
		r = -errno;
	}
	close(s);
	return r;
}

int vg_worker_tids(int *tids, int max)
{
	static const char *const dirs[] = { "/proc", "/proc/self/task" };
	char name[32], path[300], buf[256];
	int n = 0;

	snprintf(name, sizeof(name), "(vhost-%d)", getpid());
	for (unsigned int i = 0; i < 2; i++) {
		DIR *dir = opendir(dirs[i]);
		struct dirent *e;

		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "%s/%s/stat", dirs[i],
				 e->d_name);
			if (vg_read_file(path, buf, sizeof(buf)) < 0 ||
			    !strstr(buf, name))
				continue;
			if (n < max)
				tids[n] = atoi(e->d_name);
			n++;
		}
		closedir(dir);
	}
	return n;
}
