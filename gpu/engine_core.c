// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core engine: the host build of dpi_core.h, cut into segments exactly as the CUDA
 * kernel cuts a packet, so that tests exercise the kernel's logic without a GPU.
 * And the host side of the CUDA engine: packing batches for libztosdpi_cuda.so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int core_scan_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	const struct dpi_core_db *db = &s->db->core.db;
	uint32_t seg = dpi_core_segment(db);

	for (uint32_t i = 0; i < n; i++) {
		const struct dpi_pkt *p = &pkts[i];
		uint32_t len = dpi_pkt_len(p), blen, ctx = 0, nh = 0;
		struct dpi_flow *f = dpi_flow_get(s, p);
		const uint8_t *b = p->data;
		uint64_t base = 0;

		dpi_next_gen(s);
		if (!len)
			continue;
		blen = len;
		if (f) {
			blen = dpi_flow_buf(f, p->data, len, s->buf, &ctx);
			b = s->buf;
			base = f->stream_off - ctx;
		}
		for (uint32_t from = ctx; from < blen; from += seg) {
			uint32_t to = blen - from > seg ? from + seg : blen;

			dpi_core_scan(db, b, blen, ctx, base, from, to, i, s->bits, s->hits,
				      DPI_HIT_CAP, &nh);
		}
		if (nh > DPI_HIT_CAP) {
			s->st.overflow += nh - DPI_HIT_CAP;
			nh = DPI_HIT_CAP;
		}
		dpi_emit_hits(s, p, i, s->hits, nh, b, blen);
		dpi_flow_advance(f, p->data, len);
	}
	return 0;
}

const struct dpi_backend dpi_backend_core = {
	.name = "core",
	.scan = core_scan_batch,
};

/* ---- cuda: the host side ---- */

struct cuda_scanner {
	void *ctx;
	struct dpi_core_hit *hits;
	uint32_t cap;
};

static int cuda_db_init(struct dpi_db *db, char *err, size_t err_len)
{
	return db->e->cuda->db_upload(&db->core, &db->cuda_db, err, err_len);
}

static void cuda_db_free(struct dpi_db *db)
{
	if (db->cuda_db)
		db->e->cuda->db_free(db->cuda_db);
	db->cuda_db = NULL;
}

static int cuda_scanner_init(struct dpi_scanner *s, char *err, size_t err_len)
{
	const struct dpi_cuda_api *api = s->db->e->cuda;
	struct cuda_scanner *cs = calloc(1, sizeof(*cs));
	int r;

	if (!cs)
		return -ENOMEM;
	s->be = cs;
	cs->cap = s->opts.max_batch * 8 > DPI_HIT_CAP ? s->opts.max_batch * 8 : DPI_HIT_CAP;
	cs->hits = calloc(cs->cap, sizeof(*cs->hits));
	if (!cs->hits) {
		snprintf(err, err_len, "out of memory for %u CUDA hits", cs->cap);
		return -ENOMEM;
	}
	r = api->ctx_create(s->db->cuda_db, s->opts.max_batch,
			    s->opts.max_batch * (DPI_STREAM_WINDOW + DPI_MAX_PAYLOAD), &cs->ctx,
			    err, err_len);
	return r;
}

static void cuda_scanner_free(struct dpi_scanner *s)
{
	struct cuda_scanner *cs = s->be;

	if (!cs)
		return;
	if (cs->ctx)
		s->db->e->cuda->ctx_destroy(cs->ctx);
	free(cs->hits);
	free(cs);
	s->be = NULL;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct dpi_core_hit *x = a, *y = b;

	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int cuda_scan_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	const struct dpi_cuda_api *api = s->db->e->cuda;
	struct cuda_scanner *cs = s->be;
	uint8_t *stage = api->staging(cs->ctx);
	struct dpi_cuda_pkt *d = api->descs(cs->ctx);
	uint32_t off = 0, nh = 0, i, k;
	uint64_t lost = 0;
	char err[256];
	int r;

	/* Each packet's inspection buffer (tail + payload) goes to pinned memory; the
	 * flow's tail moves on as it is packed, so a flow's next packet in the same batch
	 * gets the right one. */
	for (i = 0; i < n; i++) {
		const struct dpi_pkt *p = &pkts[i];
		uint32_t len = dpi_pkt_len(p), ctx = 0;
		struct dpi_flow *f = dpi_flow_get(s, p);

		d[i].off = off;
		d[i].blen = dpi_flow_buf(f, p->data, len, stage + off, &ctx);
		d[i].ctx = ctx;
		d[i].base = f ? f->stream_off - ctx : 0;
		off += (d[i].blen + 7) & ~7u;
		dpi_flow_advance(f, p->data, len);
	}
	r = api->scan(cs->ctx, n, off, cs->hits, cs->cap, &nh, &lost, err, sizeof(err));
	if (r) {
		fprintf(stderr, "dpi: CUDA scan of %u packets failed: %s\n", n, err);
		return r;
	}
	s->st.overflow += lost;
	qsort(cs->hits, nh, sizeof(*cs->hits), cmp_hit);
	for (i = 0; i < nh; i = k) {
		uint32_t pkt = cs->hits[i].pkt;

		for (k = i; k < nh && cs->hits[k].pkt == pkt; k++)
			;
		dpi_next_gen(s);
		dpi_emit_hits(s, &pkts[pkt], pkt, cs->hits + i, k - i, stage + d[pkt].off,
			      d[pkt].blen);
	}
	return 0;
}

static uint64_t cuda_device_ns(const struct dpi_scanner *s)
{
	const struct cuda_scanner *cs = s->be;

	return cs && cs->ctx ? s->db->e->cuda->kernel_ns(cs->ctx) : 0;
}

const struct dpi_backend dpi_backend_cuda = {
	.device_ns = cuda_device_ns,
	.name = "cuda",
	.db_init = cuda_db_init,
	.db_free = cuda_db_free,
	.scanner_init = cuda_scanner_init,
	.scanner_free = cuda_scanner_free,
	.scan = cuda_scan_batch,
};
