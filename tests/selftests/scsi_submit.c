// SPDX-License-Identifier: GPL-2.0
/*
 * Where vhost-scsi hands commands to LIO (ours: drivers/scsi/submit.c).
 * direct_submit=0 queues every command to a kernel workqueue (6.1's
 * behaviour), 2 runs the backend on the vhost worker, 1 (the default) does
 * so for the ramdisk and iblock only.  From 6.10 a device's submit_type
 * attribute, set by an administrator, overrides the parameter.
 *
 * Every mode must move the same bytes: data written through one LUN is
 * read back, on a ramdisk and on a fileio LUN.  Which commands went
 * through a submission workqueue is counted from the workqueue trace
 * events (the worker's CPU time, tried first, moved by a factor of ten
 * between runs under TCG).  Shown to fail with vhs_direct() returning
 * false (2026-12-02, debian-6.1): the direct cases counted every read as
 * queued; and with vhh_submit_type_set() returning false (debian-6.12):
 * a device set to direct was queued.  The in-tree module has no
 * direct_submit parameter: every case skips there.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scsi_util.h"
#include "setup_skip.h"

#define DISK_BYTES (8u << 20)
#define IO_BYTES (128u << 10)
#define NR_IO 16
#define RAMDISK 0
#define FILEIO 1
#define PARAM "/sys/module/vhost_scsi/parameters/direct_submit"

static int set_direct(int mode)
{
	return vg_write_file(PARAM, "%d", mode);
}

/*
 * Submissions that went through a workqueue: LIO's (6.1, and a device
 * told to queue on 6.10+) or ours (6.10+), counted from the workqueue
 * trace events.  Depth 1 here: each queued command is one execution.
 */
#define TRACE "/sys/kernel/debug/tracing"
#define EVENT TRACE "/events/workqueue/workqueue_execute_start/enable"

static int trace_start(void)
{
	int fd;

	if (vg_write_file(TRACE "/tracing_on", "0"))
		return -1;
	/* Opening the buffer truncated empties it. */
	fd = open(TRACE "/trace", O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	close(fd);
	if (vg_write_file(EVENT, "1"))
		return -1;
	return vg_write_file(TRACE "/tracing_on", "1");
}

static int queued_submissions(void)
{
	FILE *f;
	char line[512];
	int n = 0;

	vg_write_file(TRACE "/tracing_on", "0");
	vg_write_file(EVENT, "0");
	f = fopen(TRACE "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "target_queued_submit_work") ||
		    strstr(line, "vhs_submit_work"))
			n++;
	fclose(f);
	return n;
}

FIXTURE(sub) {
	struct scsi_tgt t;
	struct scsi_dev s;
	uint8_t *wbuf, *rbuf;
	int saved;
};

FIXTURE_SETUP(sub)
{
	const char *why;
	char cur[16];

	memset(&self->s, 0, sizeof(self->s));
	self->s.d.fd = -1;
	self->saved = -1;
	/* before anything is created: see setup_skip.h */
	if (!scsi_available(&why))
		SETUP_SKIP("%s", why);
	if (vg_read_file(PARAM, cur, sizeof(cur)) < 0)
		SETUP_SKIP("no direct_submit parameter (not our vhost_scsi)");
	if (access(EVENT, W_OK))
		SETUP_SKIP("no workqueue trace events");
	self->saved = atoi(cur);
	ASSERT_EQ(0, scsi_tgt_create(&self->t));
	ASSERT_EQ(0, scsi_tgt_add_ramdisk(&self->t, RAMDISK, DISK_BYTES));
	ASSERT_EQ(0, scsi_tgt_add_fileio(&self->t, FILEIO, DISK_BYTES));
	ASSERT_EQ(0, scsi_tgt_make_nexus(&self->t));
	ASSERT_EQ(0, scsi_dev_start(&self->s, &self->t, 64, 0));
	ASSERT_EQ(0, scsi_clear_ua(&self->s, RAMDISK));
	ASSERT_EQ(0, scsi_clear_ua(&self->s, FILEIO));
	self->wbuf = vg_alloc(&self->s.d, IO_BYTES, 4096);
	self->rbuf = vg_alloc(&self->s.d, IO_BYTES, 4096);
	ASSERT_NE(NULL, self->wbuf);
	ASSERT_NE(NULL, self->rbuf);
}

FIXTURE_TEARDOWN(sub)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);
	if (self->saved >= 0)
		set_direct(self->saved);
}

/* Write a pattern through @lun and read it back, NR_IO commands each way. */
static int round_trip(struct scsi_dev *s, uint8_t *wbuf, uint8_t *rbuf,
		      uint16_t lun, uint8_t seed)
{
	const uint32_t blocks = IO_BYTES / 512;

	for (unsigned int i = 0; i < NR_IO; i++) {
		for (unsigned int b = 0; b < IO_BYTES; b++)
			wbuf[b] = (uint8_t)(seed + i * 7 + b * 13);
		if (scsi_write(s, lun, i * blocks, wbuf, IO_BYTES,
			       2, false))
			return -1;
	}
	for (unsigned int i = 0; i < NR_IO; i++) {
		for (unsigned int b = 0; b < IO_BYTES; b++)
			wbuf[b] = (uint8_t)(seed + i * 7 + b * 13);
		memset(rbuf, 0, IO_BYTES);
		if (scsi_read(s, lun, i * blocks, rbuf, IO_BYTES,
			      2, false) ||
		    memcmp(rbuf, wbuf, IO_BYTES))
			return -2;
	}
	return 0;
}

TEST_F(sub, every_mode_moves_the_same_bytes)
{
	for (int mode = 0; mode <= 2; mode++) {
		ASSERT_EQ(0, set_direct(mode));
		EXPECT_EQ(0, round_trip(&self->s, self->wbuf, self->rbuf, RAMDISK, 0x10 + mode))
			TH_LOG("ramdisk, direct_submit=%d", mode);
		EXPECT_EQ(0, round_trip(&self->s, self->wbuf, self->rbuf, FILEIO, 0x20 + mode))
			TH_LOG("fileio, direct_submit=%d", mode);
	}
}

/* Queued submissions for NR_IO reads of @lun in direct_submit @mode. */
static int queued_reads(struct scsi_dev *s, uint8_t *rbuf, uint16_t lun,
			int mode)
{
	if (set_direct(mode) || trace_start())
		return -1;
	for (unsigned int i = 0; i < NR_IO; i++)
		if (scsi_read(s, lun, i * (IO_BYTES / 512), rbuf, IO_BYTES, 2,
			      false))
			return -1;
	return queued_submissions();
}

TEST_F(sub, ramdisk_is_direct_by_default)
{
	EXPECT_EQ(NR_IO, queued_reads(&self->s, self->rbuf, RAMDISK, 0));
	EXPECT_EQ(0, queued_reads(&self->s, self->rbuf, RAMDISK, 1));
	EXPECT_EQ(0, queued_reads(&self->s, self->rbuf, RAMDISK, 2));
}

TEST_F(sub, fileio_is_queued_by_default)
{
	EXPECT_EQ(NR_IO, queued_reads(&self->s, self->rbuf, FILEIO, 0));
	EXPECT_EQ(NR_IO, queued_reads(&self->s, self->rbuf, FILEIO, 1));
	EXPECT_EQ(0, queued_reads(&self->s, self->rbuf, FILEIO, 2));
}

/* 6.10 on: the device's submit_type wins over the parameter. */
TEST_F(sub, device_submit_type_overrides)
{
	char attr[600], cur[16];
	int queued, direct;

	snprintf(attr, sizeof(attr), "%s/attrib/submit_type",
		 self->t.lun[RAMDISK].dev);
	if (vg_read_file(attr, cur, sizeof(cur)) < 0)
		SKIP(return, "no submit_type attribute (before 6.10)");
	/* 2: TARGET_QUEUE_SUBMIT, although the parameter says direct. */
	ASSERT_EQ(0, vg_write_file(attr, "2"));
	queued = queued_reads(&self->s, self->rbuf, RAMDISK, 2);
	/* 1: TARGET_DIRECT_SUBMIT, although the parameter says queue. */
	ASSERT_EQ(0, vg_write_file(attr, "1"));
	direct = queued_reads(&self->s, self->rbuf, RAMDISK, 0);
	ASSERT_EQ(0, vg_write_file(attr, "0"));
	EXPECT_EQ(NR_IO, queued);
	EXPECT_EQ(0, direct);
	EXPECT_EQ(0, round_trip(&self->s, self->wbuf, self->rbuf, RAMDISK, 0x40));
}

TEST_HARNESS_MAIN
