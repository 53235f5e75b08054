/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure arithmetic of a virtio-scsi request (no guest memory, no locks), so
 * KUnit can check every rule: where the header, the data and the T10-PI
 * bytes lie in a chain, and how a LUN field decodes.
 *
 * A request chain is a readable part of @out_len bytes (request header,
 * then data-out) and a writable part of @in_len bytes (response, then
 * data-in).  With VIRTIO_SCSI_F_T10_PI the PI bytes come first in the data
 * of their direction (pi_bytesout before data-out, pi_bytesin before
 * data-in).
 */
#ifndef _VHH_SCSI_REQ_H
#define _VHH_SCSI_REQ_H

#include <linux/dma-direction.h>
#include <linux/types.h>
#include <asm/page.h>
#include <vhh/checks.h>

enum vhs_req_verdict {
	VHS_REQ_OK = 0,
	/* No room for the response: nothing can be answered. */
	VHS_REQ_NO_RESPONSE,
	/* Header shorter than the request type: answered BAD_TARGET (6.1). */
	VHS_REQ_SHORT_HEADER,
	/* Data both ways (VIRTIO_SCSI_F_INOUT is not offered). */
	VHS_REQ_BIDI,
	/* PI claims that do not fit the data they must precede. */
	VHS_REQ_BAD_PI,
	/* More than 4 GiB of data: LIO takes a u32 length. */
	VHS_REQ_TOO_BIG,
};

struct vhs_req_layout {
	enum dma_data_direction dir;
	/* Bytes of PI and of data proper, after the header or response. */
	u32 prot_bytes;
	u32 data_bytes;
	/* Offset of the PI (then the data) in its part of the chain. */
	u32 data_off;
};

/*
 * Lay out a request from the byte counts of its chain and the PI fields of
 * its header (0 without T10_PI).  Rules: the response fits the writable
 * part; the header fits the readable part; data flows one way only; PI
 * bytes go with the data of their direction, only one of the two PI fields
 * is set, and at least one data byte follows the PI (6.1 crashes on PI
 * that reaches the end of the data); at most 4 GiB of data.
 */
static inline enum vhs_req_verdict
vhs_req_lay_out(struct vhs_req_layout *l, u64 out_len, u64 in_len,
		u32 req_size, u32 rsp_size, u32 pi_out, u32 pi_in)
{
	u64 data;

	l->dir = DMA_NONE;
	l->prot_bytes = 0;
	l->data_bytes = 0;
	l->data_off = 0;
	if (in_len < rsp_size)
		return VHS_REQ_NO_RESPONSE;
	if (out_len < req_size)
		return VHS_REQ_SHORT_HEADER;
	if (out_len > req_size && in_len > rsp_size)
		return VHS_REQ_BIDI;
	if (out_len > req_size) {
		l->dir = DMA_TO_DEVICE;
		data = out_len - req_size;
		l->data_off = req_size;
	} else if (in_len > rsp_size) {
		l->dir = DMA_FROM_DEVICE;
		data = in_len - rsp_size;
		l->data_off = rsp_size;
	} else {
		data = 0;
	}
	if (data > U32_MAX)
		return VHS_REQ_TOO_BIG;
	if (pi_out && pi_in)
		return VHS_REQ_BAD_PI;
	if ((pi_out || pi_in) &&
	    l->dir != (pi_out ? DMA_TO_DEVICE : DMA_FROM_DEVICE))
		return VHS_REQ_BAD_PI;
	if (vhh_split_prot_bytes(data, pi_out | pi_in, &l->data_bytes))
		return VHS_REQ_BAD_PI;
	l->prot_bytes = pi_out | pi_in;
	return VHS_REQ_OK;
}

/* Pages a user range touches (0 for an empty range). */
static inline u64 vhs_range_pages(u64 addr, u64 len)
{
	if (!len)
		return 0;
	return ((addr + len - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
}

/*
 * The LUN field of a request: byte 0 is 1, byte 1 the target, bytes 2-3 a
 * single-level LUN (peripheral 00b with a LUN below 256, or flat space
 * 01b), bytes 4-7 zero (virtio spec 5.6.6.1).  Returns the LUN, or -1 when
 * the field breaks those rules.
 */
static inline int vhs_decode_lun(const u8 lun[8])
{
	if (lun[0] != 1)
		return -1;
	if (lun[4] | lun[5] | lun[6] | lun[7])
		return -1;
	switch (lun[2] >> 6) {
	case 0:		/* peripheral device addressing: bus 0 only */
		if (lun[2])
			return -1;
		return lun[3];
	case 1:		/* flat space addressing: 14 bits */
		return ((lun[2] & 0x3f) << 8) | lun[3];
	default:
		return -1;
	}
}

#endif /* _VHH_SCSI_REQ_H */
