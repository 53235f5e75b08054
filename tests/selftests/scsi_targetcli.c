// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-scsi on a target that targetcli configured (tests/vm/targetcli.sh):
 * LUN 0 a fileio and LUN 1 a ramdisk backstore on one vhost tport.  Nothing
 * of the target is created here; it comes from the environment:
 *
 *   SCSI_USE_WWPN=naa.<16 hex>  SCSI_USE_LUNS=2      (lib/scsi_util.h)
 *   SCSI_TCLI_BYTES=<lun0 bytes>,<lun1 bytes>        what targetcli created
 *   SCSI_TCLI_NAMES=<lun0 backstore>,<lun1 backstore>
 *
 * Without SCSI_USE_WWPN (every ordinary selftest run) each test is a SKIP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "scsi_util.h"
#include "setup_skip.h"

#define NLUNS 2
#define RING 128
#define CHUNK (64u << 10)

/* Field @i of a comma-separated environment variable, or "" */
static void env_field(const char *var, int i, char *out, size_t len)
{
	const char *v = getenv(var), *e;

	out[0] = 0;
	for (; v && i > 0; i--) {
		v = strchr(v, ',');
		if (v)
			v++;
	}
	if (!v)
		return;
	e = strchr(v, ',');
	snprintf(out, len, "%.*s", (int)(e ? (size_t)(e - v) : strlen(v)), v);
}

FIXTURE(tcli) {
	struct scsi_tgt t;
	struct scsi_dev s;
	uint64_t bytes[NLUNS];
	char name[NLUNS][64];
};

FIXTURE_SETUP(tcli)
{
	char buf[32];

	memset(&self->s, 0, sizeof(self->s));
	self->s.d.fd = -1;
	/* before anything is opened: see setup_skip.h */
	if (!getenv(SCSI_USE_WWPN_ENV))
		SETUP_SKIP(SCSI_USE_WWPN_ENV " not set: needs the target of tests/vm/targetcli.sh (vmtest --suite targetcli)");
	for (int i = 0; i < NLUNS; i++) {
		env_field("SCSI_TCLI_BYTES", i, buf, sizeof(buf));
		self->bytes[i] = strtoull(buf, NULL, 0);
		ASSERT_NE(0ull, self->bytes[i]) TH_LOG("SCSI_TCLI_BYTES field %d", i);
		env_field("SCSI_TCLI_NAMES", i, self->name[i], sizeof(self->name[i]));
	}
	SCSI_RIG_UP(&self->t, &self->s, .luns = NLUNS, .num = RING, .mem = 8u << 20);
	TH_LOG("target %s tpgt_%d nexus %s", self->t.wwpn, SCSI_TPGT, self->t.initiator);
}

FIXTURE_TEARDOWN(tcli)
{
	scsi_dev_close(&self->s);
	scsi_tgt_destroy(&self->t);	/* leaves targetcli's target alone */
}

/* INQUIRY: a disk from LIO, its product id the backstore's name. */
TEST_F(tcli, inquiry)
{
	for (int lun = 0; lun < NLUNS; lun++) {
		uint8_t *d = vg_alloc(&self->s.d, 96, 8);
		struct scsi_io io;
		char vendor[9], product[17];

		ASSERT_NE(NULL, d);
		memset(d, 0xee, 96);
		scsi_io_init(&io, lun, SCSI_DIR_IN, d, 96);
		scsi_cdb_inquiry(io.cdb, 96);
		ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
		ASSERT_TRUE(scsi_io_good(&io));
		snprintf(vendor, sizeof(vendor), "%.8s", (char *)d + 8);
		snprintf(product, sizeof(product), "%.16s", (char *)d + 16);
		TH_LOG("LUN %d: type %u vendor '%s' product '%s'", lun, d[0] & 0x1f,
		       vendor, product);
		ASSERT_EQ(0, d[0] & 0x1f);		/* direct-access block device */
		ASSERT_EQ(0, strncmp(vendor, "LIO-ORG", 7));
		/* targetcli exports the backstore name as the model */
		if (self->name[lun][0])
			ASSERT_EQ(0, strncmp(product, self->name[lun],
					     strnlen(self->name[lun], 16)));
	}
}

/* READ CAPACITY(16): the sizes targetcli was asked for, 512-byte blocks. */
TEST_F(tcli, read_capacity_matches_targetcli)
{
	for (int lun = 0; lun < NLUNS; lun++) {
		uint8_t *d = vg_alloc(&self->s.d, 32, 8);
		struct scsi_io io;
		uint64_t last;
		uint32_t bl;

		ASSERT_NE(NULL, d);
		scsi_io_init(&io, lun, SCSI_DIR_IN, d, 32);
		scsi_cdb_read_capacity16(io.cdb, 32);
		ASSERT_EQ(1, scsi_io_run(&self->s, &io, 5000));
		ASSERT_TRUE(scsi_io_good(&io));
		last = scsi_be64(d);
		bl = scsi_be32(d + 8);
		TH_LOG("LUN %d: last LBA %llu, block %u: %llu bytes (targetcli: %llu)",
		       lun, (unsigned long long)last, bl,
		       (unsigned long long)((last + 1) * bl),
		       (unsigned long long)self->bytes[lun]);
		ASSERT_EQ(512u, bl);
		ASSERT_EQ(self->bytes[lun], (last + 1) * bl);
	}
}

static void pattern(uint8_t *p, uint32_t len, int lun, uint32_t lba)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + lba * 13 + lun * 101 + (i >> 9));
}

/*
 * Patterns at the start, the middle and the very end of each LUN, written
 * to both LUNs before either is read back: the LUNs are distinct disks.
 */
TEST_F(tcli, write_read_patterns)
{
	uint8_t *w = vg_alloc(&self->s.d, CHUNK, 64);
	uint8_t *r = vg_alloc(&self->s.d, CHUNK, 64);

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, r);
	for (int pass = 0; pass < 2; pass++) {
		for (int lun = 0; lun < NLUNS; lun++) {
			uint32_t blocks = self->bytes[lun] / 512;
			uint32_t lbas[3] = { 0, blocks / 2, blocks - CHUNK / 512 };

			for (int k = 0; k < 3; k++) {
				pattern(w, CHUNK, lun, lbas[k]);
				if (pass == 0) {
					ASSERT_EQ(0, scsi_write(&self->s, lun, lbas[k], w,
								CHUNK, 4, k == 1));
					continue;
				}
				memset(r, 0, CHUNK);
				ASSERT_EQ(0, scsi_read(&self->s, lun, lbas[k], r, CHUNK,
						       3, k == 2));
				ASSERT_EQ(0, memcmp(w, r, CHUNK))
					TH_LOG("LUN %d LBA %u differs", lun, lbas[k]);
			}
		}
	}
}

TEST_HARNESS_MAIN
