/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scsi_util: helpers for the vhost-scsi selftests.
 *
 *  - an LIO target built through configfs (/sys/kernel/config/target):
 *    ramdisk (rd_mcp) and fileio backstores exported as LUNs of a vhost
 *    fabric tport naa.<16 hex>/tpgt_1 with an I_T nexus;
 *  - a virtio-scsi "guest" on top of vguest: control queue 0, event queue 1,
 *    request queue 2, and builders for command / TMF requests.
 */
#ifndef SCSI_UTIL_H
#define SCSI_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_scsi.h>

#include "vguest.h"
#include "setup_skip.h"

#define SCSI_DEV "/dev/vhost-scsi"
#define SCSI_CFS "/sys/kernel/config/target"
#define SCSI_CTLQ 0
#define SCSI_EVTQ 1
#define SCSI_IOQ 2
#define SCSI_TPGT 1		/* the tpgt we create = target byte of the LUN */
#define SCSI_MAX_LUNS 4
#define SCSI_MAX_RING 1024
#define SCSI_MAX_SEGS 64

#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02

/* ---- LIO target through configfs ---- */

struct scsi_lun_cfg {
	bool used;
	bool linked;
	char hba[256];		/* core/<plugin>_<id> */
	char dev[320];		/* core/<plugin>_<id>/<name> */
	char lundir[320];	/* <tpg>/lun/lun_<n> */
	char link[384];		/* <lundir>/<link name> */
	char file[128];		/* fileio backing file, or "" */
	uint64_t bytes;
};

struct scsi_tgt {
	char wwpn[40];		/* naa.<16 hex> */
	char initiator[40];	/* naa.<16 hex> for the nexus */
	char tport[256];	/* SCSI_CFS/vhost/<wwpn> */
	char tpg[300];		/* <tport>/tpgt_1 */
	bool tport_made, tpg_made, nexus;
	struct scsi_lun_cfg lun[SCSI_MAX_LUNS];
};

/* true if vhost-scsi and the LIO configfs tree are usable */
bool scsi_available(const char **why);
/*
 * Create tport + tpgt_1 with unique names; 0 or -errno.  Add the LUNs, then
 * scsi_tgt_make_nexus() (LUNs added after the nexus raise a UNIT ATTENTION
 * "REPORTED LUNS DATA HAS CHANGED" on the LUNs already mapped).
 */
int scsi_tgt_create(struct scsi_tgt *t);
/* Export a ramdisk / file backstore of @bytes as LUN @lun; 0 or -errno. */
int scsi_tgt_add_ramdisk(struct scsi_tgt *t, unsigned int lun, uint64_t bytes);
int scsi_tgt_add_fileio(struct scsi_tgt *t, unsigned int lun, uint64_t bytes);
/* Remove / restore the LUN's symlink (hot-unplug / hot-plug); 0 or -errno. */
int scsi_tgt_unlink_lun(struct scsi_tgt *t, unsigned int lun);
int scsi_tgt_link_lun(struct scsi_tgt *t, unsigned int lun);
/* Write "NULL" to the nexus attribute / create it again; 0 or -errno. */
int scsi_tgt_drop_nexus(struct scsi_tgt *t);
int scsi_tgt_make_nexus(struct scsi_tgt *t);
/* Tear everything down in reverse order (best effort). */
void scsi_tgt_destroy(struct scsi_tgt *t);

/* ---- virtio-scsi guest ---- */

enum scsi_dir { SCSI_DIR_NONE, SCSI_DIR_OUT, SCSI_DIR_IN };

struct scsi_io {
	/* filled by the caller */
	uint8_t cdb[VIRTIO_SCSI_CDB_SIZE];
	uint8_t target;
	uint16_t lun;
	uint64_t tag;
	enum scsi_dir dir;
	void *data;		/* inside the arena */
	uint32_t len;
	unsigned int nseg;	/* data split into this many descriptors */
	bool indirect;
	uint32_t pi_out, pi_in;	/* header fields when T10_PI is negotiated */
	/* filled by scsi_io_submit / completion */
	void *hdr;
	uint32_t hdr_len;
	struct virtio_scsi_cmd_resp *resp;
	int head;
	bool done;
	uint32_t used_len;
};

struct scsi_dev {
	struct vg_dev d;
	unsigned int num;	/* request queue size */
	unsigned int ioq;	/* request queue the helpers use (0: SCSI_IOQ) */
	bool pi;		/* VIRTIO_SCSI_F_T10_PI negotiated */
	struct scsi_io *by_head[SCSI_MAX_RING];
	unsigned int outstanding;
	unsigned int completed;	/* used entries matched to a request */
	unsigned int bogus;	/* used entries with an unknown/stale id */
};

/*
 * Open /dev/vhost-scsi, become owner, negotiate VERSION_1 | @extra_features,
 * register the arena (@mem bytes, 0 = default) and set up vqs 0..2 (request
 * queue of @num entries).  0 or -errno.
 */
int scsi_dev_open(struct scsi_dev *s, unsigned int num, uint64_t extra_features,
		  size_t mem);
void scsi_dev_close(struct scsi_dev *s);
int scsi_set_endpoint(struct scsi_dev *s, const char *wwpn);
int scsi_clear_endpoint(struct scsi_dev *s, const char *wwpn);
/* Full setup: open + SET_ENDPOINT on t->wwpn. */
int scsi_dev_start(struct scsi_dev *s, struct scsi_tgt *t, unsigned int num,
		   uint64_t extra_features);

void scsi_lun_bytes(uint8_t lun[8], uint8_t target, uint16_t lun_id);
/* Initialise @io for a command to LUN @lun of our tpgt. */
void scsi_io_init(struct scsi_io *io, uint16_t lun, enum scsi_dir dir,
		  void *data, uint32_t len);
/*
 * scsi_io_init() for a slot used again: keeps the header and response
 * already allocated in the arena (a fresh pair per command would run a
 * long-running loop's arena dry).
 */
void scsi_io_reinit(struct scsi_io *io, uint16_t lun, enum scsi_dir dir,
		    void *data, uint32_t len);
/* Build the chain (allocating header/response on first use) and publish. */
int scsi_io_submit(struct scsi_dev *s, struct scsi_io *io);
/* Consume used entries until @io is done or @timeout_ms; 1 done, 0 timeout. */
int scsi_io_wait(struct scsi_dev *s, struct scsi_io *io, int timeout_ms);
/* Consume used entries until none are outstanding; returns #still pending. */
unsigned int scsi_wait_all(struct scsi_dev *s, int timeout_ms);
/* Consume one used entry if any arrives in @timeout_ms; 1/0. */
int scsi_reap_one(struct scsi_dev *s, int timeout_ms);
/* submit + kick + wait; 1 done, 0 timeout, <0 error */
int scsi_io_run(struct scsi_dev *s, struct scsi_io *io, int timeout_ms);
/* True when the response says S_OK and GOOD status. */
bool scsi_io_good(const struct scsi_io *io);
/* Sense key / ASC of a CHECK CONDITION (fixed or descriptor format). */
void scsi_sense(const struct scsi_io *io, int *key, int *asc);

/* CDB builders */
void scsi_cdb_rw10(uint8_t *cdb, bool write, uint32_t lba, uint16_t blocks);
void scsi_cdb_inquiry(uint8_t *cdb, uint16_t alloc);
void scsi_cdb_read_capacity10(uint8_t *cdb);
void scsi_cdb_read_capacity16(uint8_t *cdb, uint32_t alloc);

/* TEST UNIT READY until GOOD (consumes pending UNIT ATTENTIONs). */
int scsi_clear_ua(struct scsi_dev *s, uint16_t lun);
/* One-shot helpers on LUN @lun: 0 on GOOD, -EIO on bad status, -ETIMEDOUT */
int scsi_write(struct scsi_dev *s, uint16_t lun, uint32_t lba, void *buf,
	       uint32_t len, unsigned int nseg, bool indirect);
int scsi_read(struct scsi_dev *s, uint16_t lun, uint32_t lba, void *buf,
	      uint32_t len, unsigned int nseg, bool indirect);

/*
 * Task management on the control queue.  Returns 1 with *response set when
 * the device answered within @timeout_ms, 0 on timeout, <0 on error.
 */
int scsi_tmf(struct scsi_dev *s, uint32_t subtype, uint8_t target, uint16_t lun,
	     uint64_t tag, int timeout_ms, uint8_t *response);

/*
 * A whole fixture in one call: scsi_available(), a target with ramdisk LUNs
 * 0..@luns-1 of @lun_bytes each and its nexus, then the device (request
 * queue of @num entries, VERSION_1 | @features, arena of @mem bytes, 0 =
 * default) with the endpoint set, and every LUN's UNIT ATTENTIONs consumed
 * unless @keep_ua.
 */
struct scsi_rig {
	unsigned int luns;
	uint64_t lun_bytes;
	unsigned int num;
	uint64_t features;
	size_t mem;
	bool keep_ua;
};

/*
 * SCSI_USE_WWPN=naa.<16 hex> (with SCSI_USE_LUNS=<n>, default 1) in the
 * environment makes scsi_rig_up() use that existing vhost tport, configured
 * by someone else (tests/vm/targetcli.sh: targetcli), instead of creating
 * one: its tpgt_1 must exist with a nexus and at least @luns LUNs, numbered
 * from 0.  Nothing of it is created or destroyed here (scsi_tgt_destroy()
 * leaves it alone).  Without the variable nothing changes.
 */
#define SCSI_USE_WWPN_ENV "SCSI_USE_WWPN"
#define SCSI_USE_LUNS_ENV "SCSI_USE_LUNS"
/* 1 and the target filled in when SCSI_USE_WWPN is set, 0 when not, -errno */
int scsi_tgt_use_existing(struct scsi_tgt *t, unsigned int *luns, const char **why);

/*
 * 0 when ready; 1 when vhost-scsi or LIO is not usable (SKIP); -errno when a
 * step failed.  *why says which step or why not.  @s is always safe for
 * scsi_dev_close() and @t for scsi_tgt_destroy() afterwards.
 */
int scsi_rig_up(struct scsi_tgt *t, struct scsi_dev *s,
		const struct scsi_rig *cfg, const char **why);

/*
 * scsi_rig_up() inside a FIXTURE_SETUP, the rig given as designated
 * initialisers: SETUP_SKIP()s when vhost-scsi is not usable (scsi_rig_up()
 * has created nothing then; 6.1's harness would run the body after a plain
 * SKIP in setup), fails the setup naming the step otherwise.
 */
#define SCSI_RIG_UP(t, s, ...)						\
	do {								\
		const struct scsi_rig rig_ = { __VA_ARGS__ };		\
		const char *rig_why_;					\
		int rig_r_ = scsi_rig_up(t, s, &rig_, &rig_why_);	\
									\
		if (rig_r_ == 1)					\
			SETUP_SKIP("%s", rig_why_);			\
		ASSERT_EQ(0, rig_r_) TH_LOG("%s", rig_why_);		\
	} while (0)

static inline uint32_t scsi_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static inline uint64_t scsi_be64(const uint8_t *p)
{
	return (uint64_t)scsi_be32(p) << 32 | scsi_be32(p + 4);
}

#endif
