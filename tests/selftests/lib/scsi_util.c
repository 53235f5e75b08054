// SPDX-License-Identifier: GPL-2.0
/*
 * scsi_util: LIO target configuration through configfs and a virtio-scsi
 * request builder for the vhost-scsi selftests.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "scsi_util.h"

static unsigned int scsi_counter;

static unsigned int scsi_unique(void)
{
	return ((unsigned int)getpid() & 0xfffff) << 8 | (scsi_counter++ & 0xff);
}

bool scsi_available(const char **why)
{
	if (access(SCSI_DEV, R_OK | W_OK)) {
		*why = SCSI_DEV " not available";
		return false;
	}
	if (access(SCSI_CFS "/core", F_OK)) {
		*why = SCSI_CFS " (LIO configfs) not available";
		return false;
	}
	return true;
}

static int scsi_rmdir(const char *path)
{
	return rmdir(path) ? -errno : 0;
}

int scsi_tgt_create(struct scsi_tgt *t)
{
	unsigned int u = scsi_unique();
	int r;

	memset(t, 0, sizeof(*t));
	snprintf(t->wwpn, sizeof(t->wwpn), "naa.5001405%09x", u & 0xfffffff);
	snprintf(t->initiator, sizeof(t->initiator), "naa.6001405%09x",
		 u & 0xfffffff);
	snprintf(t->tport, sizeof(t->tport), SCSI_CFS "/vhost/%s", t->wwpn);
	snprintf(t->tpg, sizeof(t->tpg), "%.250s/tpgt_%d", t->tport, SCSI_TPGT);

	r = vg_mkdir_p(SCSI_CFS "/vhost");
	if (r)
		return r;
	if (mkdir(t->tport, 0755))
		return -errno;
	t->tport_made = true;
	if (mkdir(t->tpg, 0755))
		return -errno;
	t->tpg_made = true;
	return 0;
}

static int scsi_tgt_add(struct scsi_tgt *t, unsigned int lun, uint64_t bytes,
			bool fileio)
{
	struct scsi_lun_cfg *l;
	unsigned int u = scsi_unique();
	char path[400];
	int r;

	if (lun >= SCSI_MAX_LUNS || t->lun[lun].used)
		return -EINVAL;
	l = &t->lun[lun];
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->bytes = bytes;
	snprintf(l->hba, sizeof(l->hba), SCSI_CFS "/core/%s_%u",
		 fileio ? "fileio" : "rd_mcp", u);
	{
		char tmp[sizeof(l->dev)];

		snprintf(tmp, sizeof(tmp), "%.250s/vs%u", l->hba, u);
		memcpy(l->dev, tmp, sizeof(tmp));
	}
	r = vg_mkdir_p(l->dev);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/control", l->dev);
	if (fileio) {
		snprintf(l->file, sizeof(l->file), "/tmp/vhost-scsi-%u.img", u);
		r = vg_write_file(path, "fd_dev_name=%s,fd_dev_size=%llu",
				  l->file, (unsigned long long)bytes);
	} else {
		r = vg_write_file(path, "rd_pages=%llu",
				  (unsigned long long)(bytes / 4096));
	}
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/enable", l->dev);
	r = vg_write_file(path, "1");
	if (r)
		return r;
	snprintf(l->lundir, sizeof(l->lundir), "%.290s/lun/lun_%u", t->tpg, lun);
	if (mkdir(l->lundir, 0755))
		return -errno;
	{
		char tmp[sizeof(l->link)];

		snprintf(tmp, sizeof(tmp), "%.300s/vs_port", l->lundir);
		memcpy(l->link, tmp, sizeof(tmp));
	}
	return scsi_tgt_link_lun(t, lun);
}

int scsi_tgt_add_ramdisk(struct scsi_tgt *t, unsigned int lun, uint64_t bytes)
{
	return scsi_tgt_add(t, lun, bytes, false);
}

int scsi_tgt_add_fileio(struct scsi_tgt *t, unsigned int lun, uint64_t bytes)
{
	return scsi_tgt_add(t, lun, bytes, true);
}

int scsi_tgt_link_lun(struct scsi_tgt *t, unsigned int lun)
{
	struct scsi_lun_cfg *l = &t->lun[lun];

	if (lun >= SCSI_MAX_LUNS || !l->used || l->linked)
		return -EINVAL;
	if (symlink(l->dev, l->link))
		return -errno;
	l->linked = true;
	return 0;
}

int scsi_tgt_unlink_lun(struct scsi_tgt *t, unsigned int lun)
{
	struct scsi_lun_cfg *l = &t->lun[lun];

	if (lun >= SCSI_MAX_LUNS || !l->used || !l->linked)
		return -EINVAL;
	if (unlink(l->link))
		return -errno;
	l->linked = false;
	return 0;
}

int scsi_tgt_drop_nexus(struct scsi_tgt *t)
{
	char path[400];
	int r;

	snprintf(path, sizeof(path), "%s/nexus", t->tpg);
	r = vg_write_file(path, "NULL");
	if (!r)
		t->nexus = false;
	return r;
}

int scsi_tgt_make_nexus(struct scsi_tgt *t)
{
	char path[400];
	int r;

	snprintf(path, sizeof(path), "%s/nexus", t->tpg);
	r = vg_write_file(path, "%s", t->initiator);
	if (!r)
		t->nexus = true;
	return r;
}

void scsi_tgt_destroy(struct scsi_tgt *t)
{
	for (int i = SCSI_MAX_LUNS - 1; i >= 0; i--) {
		struct scsi_lun_cfg *l = &t->lun[i];

		if (!l->used)
			continue;
		if (l->linked)
			scsi_tgt_unlink_lun(t, i);
		scsi_rmdir(l->lundir);
	}
	if (t->nexus)
		scsi_tgt_drop_nexus(t);
	if (t->tpg_made && !scsi_rmdir(t->tpg))
		t->tpg_made = false;
	if (t->tport_made && !scsi_rmdir(t->tport))
		t->tport_made = false;
	for (int i = SCSI_MAX_LUNS - 1; i >= 0; i--) {
		struct scsi_lun_cfg *l = &t->lun[i];

		if (!l->used)
			continue;
		scsi_rmdir(l->dev);
		scsi_rmdir(l->hba);
		if (l->file[0])
			unlink(l->file);
		l->used = false;
	}
}

/* ---- virtio-scsi guest ---- */

int scsi_clear_ua(struct scsi_dev *s, uint16_t lun)
{
	struct scsi_io io;

	for (int i = 0; i < 8; i++) {
		scsi_io_init(&io, lun, SCSI_DIR_NONE, NULL, 0);	/* TUR */
		if (scsi_io_run(s, &io, 5000) != 1)
			return -ETIMEDOUT;
		if (scsi_io_good(&io))
			return 0;
	}
	return -EIO;
}

static unsigned int scsi_ioq(const struct scsi_dev *s)
{
	return s->ioq ? s->ioq : SCSI_IOQ;
}

int scsi_dev_open(struct scsi_dev *s, unsigned int num, uint64_t extra_features,
		  size_t mem)
{
	uint64_t f = 0, want = (1ULL << VIRTIO_F_VERSION_1) | extra_features;
	int r;

	memset(s, 0, sizeof(*s));
	if (num > SCSI_MAX_RING)
		return -EINVAL;
	r = vg_open(&s->d, SCSI_DEV, mem);
	if (r)
		return r;
	s->num = num;
	if (ioctl(s->d.fd, VHOST_SET_OWNER, NULL))
		return -errno;
	r = vg_get_features(&s->d, &f);
	if (r)
		return r;
	if ((f & want) != want)
		return -EOPNOTSUPP;
	r = vg_set_features(&s->d, want);
	if (r)
		return r;
	s->pi = want & (1ULL << VIRTIO_SCSI_F_T10_PI);
	r = vg_set_mem_table_default(&s->d);
	if (r)
		return r;
	r = vg_vq_setup(&s->d, SCSI_CTLQ, 64);
	if (!r)
		r = vg_vq_setup(&s->d, SCSI_EVTQ, 64);
	if (!r)
		r = vg_vq_setup(&s->d, SCSI_IOQ, num);
	return r;
}

void scsi_dev_close(struct scsi_dev *s)
{
	vg_close(&s->d);
}

static int scsi_endpoint_ioctl(struct scsi_dev *s, unsigned long req,
			       const char *wwpn)
{
	struct vhost_scsi_target t;

	memset(&t, 0, sizeof(t));
	t.abi_version = VHOST_SCSI_ABI_VERSION;
	snprintf(t.vhost_wwpn, sizeof(t.vhost_wwpn), "%s", wwpn);
	t.vhost_tpgt = SCSI_TPGT;
	return ioctl(s->d.fd, req, &t) ? -errno : 0;
}

int scsi_set_endpoint(struct scsi_dev *s, const char *wwpn)
{
	return scsi_endpoint_ioctl(s, VHOST_SCSI_SET_ENDPOINT, wwpn);
}

int scsi_clear_endpoint(struct scsi_dev *s, const char *wwpn)
{
	return scsi_endpoint_ioctl(s, VHOST_SCSI_CLEAR_ENDPOINT, wwpn);
}

int scsi_dev_start(struct scsi_dev *s, struct scsi_tgt *t, unsigned int num,
		   uint64_t extra_features)
{
	int r = scsi_dev_open(s, num, extra_features, 0);

	return r ? r : scsi_set_endpoint(s, t->wwpn);
}

void scsi_lun_bytes(uint8_t lun[8], uint8_t target, uint16_t lun_id)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[1] = target;
	lun[2] = 0x40 | (lun_id >> 8);
	lun[3] = lun_id & 0xff;
}

void scsi_io_init(struct scsi_io *io, uint16_t lun, enum scsi_dir dir,
		  void *data, uint32_t len)
{
	memset(io, 0, sizeof(*io));
	io->target = SCSI_TPGT;
	io->lun = lun;
	io->dir = dir;
	io->data = data;
	io->len = len;
	io->nseg = 1;
	io->head = -1;
}

void scsi_io_reinit(struct scsi_io *io, uint16_t lun, enum scsi_dir dir,
		    void *data, uint32_t len)
{
	void *hdr = io->hdr;
	struct virtio_scsi_cmd_resp *resp = io->resp;

	scsi_io_init(io, lun, dir, data, len);
	io->hdr = hdr;
	io->resp = resp;
}

int scsi_io_submit(struct scsi_dev *s, struct scsi_io *io)
{
	struct vg_seg segs[SCSI_MAX_SEGS + 2];
	unsigned int n = 0, nseg = io->nseg ? io->nseg : 1;
	uint8_t *lun;
	int head;

	if (!io->hdr) {
		io->hdr = vg_alloc(&s->d, sizeof(struct virtio_scsi_cmd_req_pi), 8);
		io->resp = vg_alloc(&s->d, sizeof(*io->resp), 8);
		if (!io->hdr || !io->resp)
			return -ENOMEM;
	}
	if (nseg > SCSI_MAX_SEGS || (io->dir != SCSI_DIR_NONE && io->len < nseg))
		return -EINVAL;
	if (s->pi) {
		struct virtio_scsi_cmd_req_pi *h = io->hdr;

		memset(h, 0, sizeof(*h));
		lun = h->lun;
		h->tag = io->tag;
		h->pi_bytesout = io->pi_out;
		h->pi_bytesin = io->pi_in;
		memcpy(h->cdb, io->cdb, sizeof(h->cdb));
		io->hdr_len = sizeof(*h);
	} else {
		struct virtio_scsi_cmd_req *h = io->hdr;

		memset(h, 0, sizeof(*h));
		lun = h->lun;
		h->tag = io->tag;
		memcpy(h->cdb, io->cdb, sizeof(h->cdb));
		io->hdr_len = sizeof(*h);
	}
	scsi_lun_bytes(lun, io->target, io->lun);
	/* A pattern the device must overwrite. */
	memset(io->resp, 0xa5, sizeof(*io->resp));

	segs[n++] = (struct vg_seg){ io->hdr, io->hdr_len, false };
	if (io->dir == SCSI_DIR_IN)
		segs[n++] = (struct vg_seg){ io->resp, sizeof(*io->resp), true };
	if (io->dir != SCSI_DIR_NONE) {
		uint32_t off = 0, piece = io->len / nseg;

		for (unsigned int i = 0; i < nseg; i++) {
			uint32_t l = i + 1 < nseg ? piece : io->len - off;

			segs[n++] = (struct vg_seg){ (uint8_t *)io->data + off, l,
						     io->dir == SCSI_DIR_IN };
			off += l;
		}
	}
	if (io->dir != SCSI_DIR_IN)
		segs[n++] = (struct vg_seg){ io->resp, sizeof(*io->resp), true };

	head = vg_add_chain(&s->d, scsi_ioq(s), segs, n, io->indirect);
	if (head < 0)
		return head;
	io->head = head;
	io->done = false;
	io->used_len = 0;
	if (!s->by_head[head])
		s->outstanding++;
	s->by_head[head] = io;
	vg_publish(&s->d, scsi_ioq(s), head);
	return 0;
}

int scsi_reap_one(struct scsi_dev *s, int timeout_ms)
{
	uint32_t id, len;
	struct scsi_io *io;

	if (!vg_wait_used(&s->d, scsi_ioq(s), timeout_ms, &id, &len))
		return 0;
	io = id < SCSI_MAX_RING ? s->by_head[id] : NULL;
	if (!io) {
		s->bogus++;
		return 1;
	}
	s->by_head[id] = NULL;
	s->outstanding--;
	s->completed++;
	io->done = true;
	io->used_len = len;
	return 1;
}

int scsi_io_wait(struct scsi_dev *s, struct scsi_io *io, int timeout_ms)
{
	while (!io->done) {
		if (!scsi_reap_one(s, timeout_ms))
			return 0;
	}
	return 1;
}

unsigned int scsi_wait_all(struct scsi_dev *s, int timeout_ms)
{
	while (s->outstanding) {
		if (!scsi_reap_one(s, timeout_ms))
			break;
	}
	return s->outstanding;
}

int scsi_io_run(struct scsi_dev *s, struct scsi_io *io, int timeout_ms)
{
	int r = scsi_io_submit(s, io);

	if (r)
		return r;
	r = vg_kick(&s->d, scsi_ioq(s));
	if (r)
		return r;
	return scsi_io_wait(s, io, timeout_ms);
}

bool scsi_io_good(const struct scsi_io *io)
{
	return io->done && io->resp->response == VIRTIO_SCSI_S_OK &&
	       io->resp->status == SCSI_STATUS_GOOD;
}

void scsi_sense(const struct scsi_io *io, int *key, int *asc)
{
	const uint8_t *s = io->resp->sense;

	*key = *asc = -1;
	if (!io->resp->sense_len)
		return;
	if ((s[0] & 0x7f) == 0x72 || (s[0] & 0x7f) == 0x73) {
		*key = s[1] & 0xf;
		*asc = s[2];
	} else {
		*key = s[2] & 0xf;
		*asc = s[12];
	}
}

void scsi_cdb_rw10(uint8_t *cdb, bool write, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, VIRTIO_SCSI_CDB_SIZE);
	cdb[0] = write ? 0x2a : 0x28;
	cdb[2] = lba >> 24;
	cdb[3] = lba >> 16;
	cdb[4] = lba >> 8;
	cdb[5] = lba;
	cdb[7] = blocks >> 8;
	cdb[8] = blocks;
}

void scsi_cdb_inquiry(uint8_t *cdb, uint16_t alloc)
{
	memset(cdb, 0, VIRTIO_SCSI_CDB_SIZE);
	cdb[0] = 0x12;
	cdb[3] = alloc >> 8;
	cdb[4] = alloc;
}

void scsi_cdb_read_capacity10(uint8_t *cdb)
{
	memset(cdb, 0, VIRTIO_SCSI_CDB_SIZE);
	cdb[0] = 0x25;
}

void scsi_cdb_read_capacity16(uint8_t *cdb, uint32_t alloc)
{
	memset(cdb, 0, VIRTIO_SCSI_CDB_SIZE);
	cdb[0] = 0x9e;
	cdb[1] = 0x10;
	cdb[10] = alloc >> 24;
	cdb[11] = alloc >> 16;
	cdb[12] = alloc >> 8;
	cdb[13] = alloc;
}

static int scsi_rw(struct scsi_dev *s, bool write, uint16_t lun, uint32_t lba,
		   void *buf, uint32_t len, unsigned int nseg, bool indirect)
{
	struct scsi_io io;
	int r;

	scsi_io_init(&io, lun, write ? SCSI_DIR_OUT : SCSI_DIR_IN, buf, len);
	io.nseg = nseg;
	io.indirect = indirect;
	scsi_cdb_rw10(io.cdb, write, lba, len / 512);
	r = scsi_io_run(s, &io, 5000);
	if (r < 0)
		return r;
	if (!r)
		return -ETIMEDOUT;
	if (!scsi_io_good(&io)) {
		int key, asc;

		scsi_sense(&io, &key, &asc);
		fprintf(stderr,
			"# scsi_util: %s lun %u lba %u len %u: response %u status 0x%x sense key 0x%x asc 0x%x\n",
			write ? "WRITE" : "READ", lun, lba, len,
			io.resp->response, io.resp->status, key, asc);
		return -EIO;
	}
	return 0;
}

int scsi_write(struct scsi_dev *s, uint16_t lun, uint32_t lba, void *buf,
	       uint32_t len, unsigned int nseg, bool indirect)
{
	return scsi_rw(s, true, lun, lba, buf, len, nseg, indirect);
}

int scsi_read(struct scsi_dev *s, uint16_t lun, uint32_t lba, void *buf,
	      uint32_t len, unsigned int nseg, bool indirect)
{
	return scsi_rw(s, false, lun, lba, buf, len, nseg, indirect);
}

int scsi_tmf(struct scsi_dev *s, uint32_t subtype, uint8_t target, uint16_t lun,
	     uint64_t tag, int timeout_ms, uint8_t *response)
{
	struct virtio_scsi_ctrl_tmf_req *req;
	struct virtio_scsi_ctrl_tmf_resp *rsp;
	struct vg_seg segs[2];
	uint32_t id, len;
	int head, r;

	req = vg_alloc(&s->d, sizeof(*req), 8);
	rsp = vg_alloc(&s->d, sizeof(*rsp), 8);
	if (!req || !rsp)
		return -ENOMEM;
	req->type = VIRTIO_SCSI_T_TMF;
	req->subtype = subtype;
	scsi_lun_bytes(req->lun, target, lun);
	req->tag = tag;
	rsp->response = 0xa5;
	segs[0] = (struct vg_seg){ req, sizeof(*req), false };
	segs[1] = (struct vg_seg){ rsp, sizeof(*rsp), true };
	head = vg_add_chain(&s->d, SCSI_CTLQ, segs, 2, false);
	if (head < 0)
		return head;
	vg_publish(&s->d, SCSI_CTLQ, head);
	r = vg_kick(&s->d, SCSI_CTLQ);
	if (r)
		return r;
	if (!vg_wait_used(&s->d, SCSI_CTLQ, timeout_ms, &id, &len))
		return 0;
	if (id != (uint32_t)head)
		return -EPROTO;
	*response = rsp->response;
	return 1;
}

int scsi_tgt_use_existing(struct scsi_tgt *t, unsigned int *luns, const char **why)
{
	const char *wwpn = getenv(SCSI_USE_WWPN_ENV);
	const char *n = getenv(SCSI_USE_LUNS_ENV);
	char path[400], nexus[64];
	FILE *f;

	memset(t, 0, sizeof(*t));
	if (!wwpn || !*wwpn)
		return 0;
	*luns = n && *n ? (unsigned int)strtoul(n, NULL, 0) : 1;
	*why = SCSI_USE_WWPN_ENV ": malformed WWPN";
	if (strncmp(wwpn, "naa.", 4) || strlen(wwpn) >= sizeof(t->wwpn))
		return -EINVAL;
	*why = SCSI_USE_LUNS_ENV ": out of range (1 to SCSI_MAX_LUNS)";
	if (*luns < 1 || *luns > SCSI_MAX_LUNS)
		return -EINVAL;
	snprintf(t->wwpn, sizeof(t->wwpn), "%s", wwpn);
	snprintf(t->tport, sizeof(t->tport), SCSI_CFS "/vhost/%s", t->wwpn);
	snprintf(t->tpg, sizeof(t->tpg), "%.250s/tpgt_%d", t->tport, SCSI_TPGT);
	*why = SCSI_USE_WWPN_ENV ": no such tpgt_1 in configfs";
	if (access(t->tpg, F_OK))
		return -ENOENT;
	/* The nexus names the initiator port; without it no command runs. */
	*why = SCSI_USE_WWPN_ENV ": tpgt_1 has no nexus";
	snprintf(path, sizeof(path), "%s/nexus", t->tpg);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(nexus, sizeof(nexus), f) || strncmp(nexus, "naa.", 4)) {
		fclose(f);
		return -ENOTCONN;
	}
	fclose(f);
	nexus[strcspn(nexus, "\n")] = 0;
	snprintf(t->initiator, sizeof(t->initiator), "%.39s", nexus);
	for (unsigned int i = 0; i < *luns; i++) {
		*why = SCSI_USE_WWPN_ENV ": a LUN below " SCSI_USE_LUNS_ENV " is missing";
		snprintf(path, sizeof(path), "%s/lun/lun_%u", t->tpg, i);
		if (access(path, F_OK))
			return -ENOENT;
	}
	return 1;
}

int scsi_rig_up(struct scsi_tgt *t, struct scsi_dev *s,
		const struct scsi_rig *cfg, const char **why)
{
	unsigned int have = 0;
	int r;

	memset(s, 0, sizeof(*s));
	s->d.fd = -1;
	memset(t, 0, sizeof(*t));
	if (!scsi_available(why))
		return 1;
	r = scsi_tgt_use_existing(t, &have, why);
	if (r < 0)
		return r;
	if (r == 1 && have < cfg->luns) {
		*why = SCSI_USE_LUNS_ENV ": fewer LUNs than this test needs";
		return -ERANGE;
	}
	*why = "scsi_tgt_create";
	r = r == 1 ? 0 : scsi_tgt_create(t);
	for (unsigned int lun = 0; !r && !have && lun < cfg->luns; lun++) {
		*why = "scsi_tgt_add_ramdisk";
		r = scsi_tgt_add_ramdisk(t, lun, cfg->lun_bytes);
	}
	if (r)
		return r;
	if (!have) {
		*why = "scsi_tgt_make_nexus";
		r = scsi_tgt_make_nexus(t);
		if (r)
			return r;
	}
	*why = "scsi_dev_open";
	r = scsi_dev_open(s, cfg->num, cfg->features, cfg->mem);
	if (r)
		return r;
	*why = "scsi_set_endpoint";
	r = scsi_set_endpoint(s, t->wwpn);
	for (unsigned int lun = 0; !r && !cfg->keep_ua && lun < cfg->luns; lun++) {
		*why = "scsi_clear_ua";
		r = scsi_clear_ua(s, lun);
	}
	return r;
}
