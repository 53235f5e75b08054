// SPDX-License-Identifier: GPL-2.0
/*
 * scsi_bench: guest-driven 4 KiB random I/O on /dev/vhost-scsi.
 *
 *   scsi_bench read|write QUEUE_DEPTH SECONDS
 *
 * The program plays a virtio-scsi driver on one request queue against a
 * ramdisk LUN it creates through LIO's configfs: QUEUE_DEPTH commands in
 * flight, each completion answered by a new command at a random 4 KiB
 * aligned block (a fixed seed: every run asks for the same blocks), one
 * kick per batch of resubmissions, a sleep on the call eventfd only when
 * nothing completed.  Every completion must be S_OK with GOOD status (its
 * used length is not checked: 6.1's vhost-scsi reports 0).  Prints one line:
 *   BENCH scsi-<rw>-qd<n> pps=<commands/s> packets=<n> checked=<n>
 * (the bench's own field names) and exits non-zero when nothing completed
 * or a command failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi_util.h"

#define LUN_BYTES (64ULL << 20)
#define BLOCKS_4K (LUN_BYTES / 4096)
#define MAX_QD 64
#define RING 256	/* 3 descriptors per command: 192 <= RING */

static struct scsi_tgt t;
static struct scsi_dev s;
static struct scsi_io io[MAX_QD];
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_block(void)
{
	/* xorshift64: the same sequence in every run and module set */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % BLOCKS_4K;
}

/* (Re)issue slot @i: descriptors 3i..3i+2, header and response kept. */
static int issue(unsigned int i, bool wr, uint8_t *buf)
{
	scsi_io_reinit(&io[i], 0, wr ? SCSI_DIR_OUT : SCSI_DIR_IN,
		       buf + i * 4096, 4096);
	io[i].tag = i;
	scsi_cdb_rw10(io[i].cdb, wr, next_block() * 8, 8);
	s.d.vq[SCSI_IOQ].next_desc = 3 * i;
	return scsi_io_submit(&s, &io[i]);
}

int main(int argc, char **argv)
{
	const struct scsi_rig rig = { .luns = 1, .lun_bytes = LUN_BYTES,
				      .num = RING };
	unsigned long long done = 0, good = 0;
	unsigned long long sw0 = 0, sw1 = 0;
	unsigned int qd;
	const char *why;
	long long end;
	uint8_t *buf;
	int secs, r;
	bool wr;

	if (argc != 4 || (strcmp(argv[1], "read") && strcmp(argv[1], "write"))) {
		fprintf(stderr, "usage: %s read|write QUEUE_DEPTH SECONDS\n",
			argv[0]);
		return 2;
	}
	wr = !strcmp(argv[1], "write");
	qd = strtoul(argv[2], NULL, 0);
	secs = atoi(argv[3]);
	if (!qd || qd > MAX_QD || secs <= 0)
		return 2;
	r = scsi_rig_up(&t, &s, &rig, &why);
	if (r) {
		fprintf(stderr, "scsi_rig_up: %s (%d)\n", why, r);
		goto out;
	}
	buf = vg_alloc(&s.d, MAX_QD * 4096, 4096);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	memset(buf, 0x5a, MAX_QD * 4096);
	for (unsigned int i = 0; i < qd && !r; i++)
		r = issue(i, wr, buf);
	if (!r)
		r = vg_kick(&s.d, SCSI_IOQ);
	sw0 = vg_switches();
	end = vg_now_ms() + secs * 1000LL;
	while (!r && vg_now_ms() < end) {
		unsigned int before = s.completed, n = 0;

		if (!scsi_reap_one(&s, 1000)) {
			fprintf(stderr, "no completion in 1 s\n");
			r = -ETIMEDOUT;
			break;
		}
		/* Everything already used, then one kick for the batch. */
		while (scsi_reap_one(&s, 0))
			;
		for (unsigned int i = 0; i < qd && !r; i++) {
			if (!io[i].done)
				continue;
			n++;
			done++;
			good += scsi_io_good(&io[i]);
			r = issue(i, wr, buf);
		}
		if (!r && n)
			r = vg_kick(&s.d, SCSI_IOQ);
		if (!r && s.completed - before != n)
			r = -EPROTO;
	}
	sw1 = vg_switches();
	scsi_wait_all(&s, 5000);
	printf("BENCH scsi-%s-qd%u pps=%llu packets=%llu checked=%llu switches=%llu\n",
	       wr ? "write" : "read", qd, done / secs, done, good,
	       sw1 - sw0);
	if (!r && (s.outstanding || s.bogus || good != done))
		r = -EIO;
out:
	scsi_dev_close(&s);
	scsi_tgt_destroy(&t);
	if (r)
		fprintf(stderr, "scsi_bench: %s\n", strerror(r < 0 ? -r : r));
	return r || !done ? 1 : 0;
}
