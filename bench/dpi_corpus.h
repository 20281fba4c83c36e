/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A generated DPI corpus, shared by the differential test (tests/unit/test_dpi_diff.c),
 * the GPU scripts and bench/dpi_bench.c: rules (literals, with or without modifiers,
 * and pcres) and payloads of two kinds: HTTP-like ASCII (request lines, headers, bodies
 * made of the same vocabulary as the HTTP literals, so that prefixes hit often) and
 * random bytes. Deterministic for a seed. Header only: static functions.
 */
#ifndef ZTOS_BENCH_DPI_CORPUS_H
#define ZTOS_BENCH_DPI_CORPUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/engine.h"

/* CORPUS_MIXED: rules only, half of each kind. */
enum corpus_kind { CORPUS_HTTP, CORPUS_RANDOM, CORPUS_MIXED };

struct corpus_rng {
	uint64_t s;
};

static inline uint64_t corpus_next(struct corpus_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t corpus_below(struct corpus_rng *r, uint32_t n)
{
	return n ? (uint32_t)(corpus_next(r) % n) : 0;
}

static const char *const corpus_words[] = {
	"admin", "login", "index", "select", "union", "passwd", "shell", "exec", "cmd",
	"upload", "config", "backup", "wp-content", "phpmyadmin", "session", "token", "user",
	"api", "v1", "json", "static", "images", "search", "query", "order", "cart", "checkout",
	"account", "profile", "settings", "download", "export", "report", "debug", "status",
	"health", "metrics", "graphql", "cgi-bin", "include", "script", "alert", "document",
	"cookie", "Mozilla", "Chrome", "Safari", "Accept", "Encoding", "gzip", "deflate",
	"keep-alive", "Content-Type", "application", "x-www-form-urlencoded", "charset",
};
#define CORPUS_N_WORDS (sizeof(corpus_words) / sizeof(corpus_words[0]))

/* One rule's contents, as the payload generator plants them. */
#define CORPUS_MAX_PARTS 3
struct corpus_sig {
	uint8_t part[CORPUS_MAX_PARTS][40];
	uint8_t len[CORPUS_MAX_PARTS];
	uint8_t gap[CORPUS_MAX_PARTS];	/* bytes before part i (after part i-1) */
	uint8_t n;
	int32_t at;			/* absolute position (offset/depth), or -1 */
	uint32_t sid;
};

struct corpus_rules {
	char *text;
	size_t len, cap;
	uint32_t n;
	struct corpus_sig *sigs;
};

static inline void corpus_printf(struct corpus_rules *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void corpus_printf(struct corpus_rules *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->text + c->len, c->cap - c->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < c->cap - c->len)
			break;
		c->cap = c->cap * 2 + 4096;
		c->text = realloc(c->text, c->cap);
		if (!c->text)
			abort();
	}
	c->len += (size_t)n;
}

/* A literal: HTTP vocabulary with a short random tail, or random bytes. */
static inline uint8_t corpus_literal(struct corpus_rng *r, enum corpus_kind kind, uint8_t *out,
				     uint8_t min, uint8_t max)
{
	uint8_t len = (uint8_t)(min + corpus_below(r, (uint32_t)(max - min + 1)));
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	if (kind == CORPUS_MIXED)
		kind = corpus_below(r, 2) ? CORPUS_RANDOM : CORPUS_HTTP;
	if (kind == CORPUS_RANDOM) {
		for (int i = 0; i < len; i++)
			out[i] = (uint8_t)corpus_next(r);
		return len;
	}
	{
		const char *w = corpus_words[corpus_below(r, CORPUS_N_WORDS)];
		uint8_t n = 0;

		out[n++] = "/=.?"[corpus_below(r, 4)];
		while (*w && n < len)
			out[n++] = (uint8_t)*w++;
		while (n < len)
			out[n++] = (uint8_t)alnum[corpus_below(r, sizeof(alnum) - 1)];
		return n;
	}
}

/* content:"..." with every byte that is not plain printable as |hex|. */
static inline void corpus_content(struct corpus_rules *c, const uint8_t *b, uint8_t len)
{
	corpus_printf(c, "content:\"");
	for (int i = 0; i < len; i++) {
		if (b[i] >= 0x21 && b[i] < 0x7f && !strchr("\";|\\:", b[i]))
			corpus_printf(c, "%c", b[i]);
		else
			corpus_printf(c, "|%02x|", b[i]);
	}
	corpus_printf(c, "\"; ");
}

/*
 * n_lit literal rules and n_pcre pcre rules (sids from 1). With modifiers, the literal
 * rules cycle through nocase, offset/depth, distance/within chains, two chains, flow
 * directions and mixed case; without, each is one plain content (the benchmark's case).
 */
static inline void corpus_rules_make(struct corpus_rules *c, uint32_t n_lit, uint32_t n_pcre,
				     enum corpus_kind kind, bool modifiers, uint64_t seed)
{
	struct corpus_rng r = { seed | 1 };

	memset(c, 0, sizeof(*c));
	c->sigs = calloc(n_lit + n_pcre + 1, sizeof(*c->sigs));
	if (!c->sigs)
		abort();
	for (uint32_t i = 0; i < n_lit + n_pcre; i++) {
		struct corpus_sig *s = &c->sigs[i];
		uint32_t v = modifiers ? i % 8 : 0;

		s->sid = i + 1;
		s->at = -1;
		corpus_printf(c, "%s tcp any any -> any any (msg:\"corpus %u\"; ",
			      i % 5 ? "alert" : "drop", s->sid);
		if (i >= n_lit) {
			/* pcre rules: a literal, and a pcre around another one. */
			s->n = 2;
			s->len[0] = corpus_literal(&r, CORPUS_HTTP, s->part[0], 6, 12);
			corpus_content(c, s->part[0], s->len[0]);
			{
				uint32_t id = corpus_below(&r, 1000), x = corpus_below(&r, 100);

				s->len[1] = (uint8_t)snprintf((char *)s->part[1],
							      sizeof(s->part[1]), "%s=%u;x%uz",
							      i % 2 ? "ID" : "id", id, x);
				s->gap[1] = (uint8_t)corpus_below(&r, 20);
				corpus_printf(c, "pcre:\"/id=[0-9]+\\x3bx%uz/%s\"; ", x,
					      i % 2 ? "i" : "");
			}
			corpus_printf(c, "sid:%u; rev:1;)\n", s->sid);
			continue;
		}
		s->n = 1;
		s->len[0] = corpus_literal(&r, kind, s->part[0], 6, 16);
		switch (v) {
		case 0:		/* plain */
			corpus_content(c, s->part[0], s->len[0]);
			break;
		case 1:		/* nocase: planted in upper case */
			corpus_content(c, s->part[0], s->len[0]);
			corpus_printf(c, "nocase; ");
			for (int k = 0; k < s->len[0]; k++)
				if (s->part[0][k] >= 'a' && s->part[0][k] <= 'z')
					s->part[0][k] = (uint8_t)(s->part[0][k] - 32);
			break;
		case 2: {	/* offset/depth */
			uint32_t off = corpus_below(&r, 24), extra = corpus_below(&r, 40);

			corpus_content(c, s->part[0], s->len[0]);
			corpus_printf(c, "offset:%u; depth:%u; ", off, s->len[0] + extra);
			s->at = (int32_t)(off + corpus_below(&r, extra + 1));
			break;
		}
		case 3:		/* a chain of two: distance, within */
		case 4:		/* a chain of three */
			corpus_content(c, s->part[0], s->len[0]);
			for (int k = 1; k < (v == 3 ? 2 : 3); k++) {
				uint32_t d = corpus_below(&r, 6), w;

				s->len[k] = corpus_literal(&r, kind, s->part[k], 3, 10);
				w = s->len[k] + corpus_below(&r, 12);
				corpus_content(c, s->part[k], s->len[k]);
				corpus_printf(c, "distance:%u; within:%u; ", d, w);
				s->gap[k] = (uint8_t)(d + corpus_below(&r, w - s->len[k] + 1));
				s->n++;
			}
			break;
		case 5:		/* two chains: a second content anywhere */
			corpus_content(c, s->part[0], s->len[0]);
			s->len[1] = corpus_literal(&r, kind, s->part[1], 4, 10);
			corpus_content(c, s->part[1], s->len[1]);
			s->gap[1] = (uint8_t)corpus_below(&r, 100);
			s->n = 2;
			break;
		case 6:		/* one direction only */
			corpus_content(c, s->part[0], s->len[0]);
			corpus_printf(c, "flow:%s,established; ",
				      corpus_below(&r, 2) ? "to_client" : "to_server");
			break;
		case 7:		/* distance only (no within): an unbounded window */
			corpus_content(c, s->part[0], s->len[0]);
			s->len[1] = corpus_literal(&r, kind, s->part[1], 4, 8);
			corpus_content(c, s->part[1], s->len[1]);
			corpus_printf(c, "nocase; distance:%u; ", corpus_below(&r, 4));
			s->gap[1] = (uint8_t)(4 + corpus_below(&r, 60));
			s->n = 2;
			break;
		}
		corpus_printf(c, "sid:%u; rev:%u; classtype:corpus; priority:%u;)\n", s->sid,
			      1 + corpus_below(&r, 3), 1 + corpus_below(&r, 4));
	}
	c->n = n_lit + n_pcre;
}

static inline void corpus_rules_free(struct corpus_rules *c)
{
	free(c->text);
	free(c->sigs);
	memset(c, 0, sizeof(*c));
}

/* Fill buf[0..len) with traffic of one kind. */
static inline void corpus_payload(struct corpus_rng *r, enum corpus_kind kind, uint8_t *buf,
				  uint32_t len)
{
	uint32_t n = 0;

	if (kind == CORPUS_RANDOM) {
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (uint8_t)corpus_next(r);
		return;
	}
	while (n < len) {
		char line[256];
		int k;

		switch (corpus_below(r, 6)) {
		case 0:
			k = snprintf(line, sizeof(line), "GET /%s/%s.php?id=%u&q=%s HTTP/1.1\r\n",
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_below(r, 100000),
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)]);
			break;
		case 1:
			k = snprintf(line, sizeof(line), "Host: www.%s.example\r\n",
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)]);
			break;
		case 2:
			k = snprintf(line, sizeof(line),
				     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) %s/%u.0\r\n",
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_below(r, 120));
			break;
		case 3:
			k = snprintf(line, sizeof(line), "Cookie: session=%016llx; %s=%u\r\n",
				     (unsigned long long)corpus_next(r),
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_below(r, 1000));
			break;
		case 4:
			k = snprintf(line, sizeof(line), "Accept-Encoding: gzip, deflate\r\n\r\n");
			break;
		default:
			k = snprintf(line, sizeof(line), "%s=%s&%s=%u ",
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_words[corpus_below(r, CORPUS_N_WORDS)],
				     corpus_below(r, 1000));
			break;
		}
		for (int i = 0; i < k && n < len; i++)
			buf[n++] = (uint8_t)line[i];
	}
}

/* How many bytes the signature takes when planted. */
static inline uint32_t corpus_sig_span(const struct corpus_sig *s)
{
	uint32_t n = 0;

	for (int k = 0; k < s->n; k++)
		n += s->gap[k] + s->len[k];
	return n;
}

/* Plant the signature at pos (or its absolute position); false when it does not fit. */
static inline bool corpus_plant(const struct corpus_sig *s, uint8_t *buf, uint32_t len,
				uint32_t pos)
{
	if (s->at >= 0)
		pos = (uint32_t)s->at;
	if (pos + corpus_sig_span(s) > len)
		return false;
	for (int k = 0; k < s->n; k++) {
		pos += s->gap[k];
		memcpy(buf + pos, s->part[k], s->len[k]);
		pos += s->len[k];
	}
	return true;
}

/* ---- traffic: packets of flows, for the engines ---- */


struct corpus_traffic {
	struct dpi_pkt *p;
	uint8_t **data;
	uint32_t n;
	/* signatures planted across two packets of a flow: must match on the second */
	uint32_t n_split, split_pkt[64], split_sid[64];
};

static inline void corpus_traffic_free(struct corpus_traffic *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->data[i]);
	free(t->data);
	free(t->p);
	memset(t, 0, sizeof(*t));
}

static inline uint8_t *corpus_traffic_payload(const struct corpus_rules *cr, struct corpus_rng *r,
					      enum corpus_kind kind, uint32_t len, double rate)
{
	uint8_t *b = malloc(len ? len : 1);

	if (!b)
		abort();

	corpus_payload(r, kind, b, len);
	if (corpus_below(r, 1000000) < (uint32_t)(rate * 1000000)) {
		const struct corpus_sig *s = &cr->sigs[corpus_below(r, cr->n)];
		uint32_t span = corpus_sig_span(s);

		corpus_plant(s, b, len, span < len ? corpus_below(r, len - span + 1) : 0);
	}
	return b;
}

/*
 * n packets: a third alone (flow id 0), the rest in flows of 3 packets, interleaved so
 * that a flow's packets fall in different batches; with rate > 0, some flows carry a
 * plain signature cut in two between their first and second packets.
 */
static inline void corpus_traffic_make(struct corpus_traffic *t, const struct corpus_rules *cr,
				       uint32_t n_lit, enum corpus_kind kind, uint32_t len,
				       double rate, uint32_t n, uint64_t seed)
{
	struct corpus_rng r = { seed | 1 };
	uint64_t flow_base = seed << 20;
	uint32_t i = 0;

	memset(t, 0, sizeof(*t));
	t->p = calloc(n, sizeof(*t->p));
	t->data = calloc(n, sizeof(*t->data));
	if (!t->p || !t->data)
		abort();
	while (i < n) {
		if (corpus_below(&r, 3) == 0 || n - i < 6) {
			t->data[i] = corpus_traffic_payload(cr, &r, kind, len, rate);
			t->p[i] = (struct dpi_pkt){ .data = t->data[i], .len = len };
			i++;
			continue;
		}
		/* two flows of three packets, interleaved: a b a b a b */
		for (int f = 0; f < 2; f++) {
			uint64_t id = ++flow_base;
			uint8_t dir = corpus_below(&r, 4) == 0 ? DPI_DIR_TO_CLIENT :
								 DPI_DIR_TO_SERVER;

			for (int k = 0; k < 3; k++) {
				uint32_t j = i + (uint32_t)(k * 2 + f);

				t->data[j] = corpus_traffic_payload(cr, &r, kind, len, rate);
				t->p[j] = (struct dpi_pkt){ .data = t->data[j], .len = len,
							    .dir = dir, .flow_id = id };
			}
			if (rate > 0 && t->n_split < 64 && corpus_below(&r, 3) == 0) {
				/* a plain rule (variant 0), half in each packet */
				uint32_t sig = corpus_below(&r, n_lit / 8) * 8;
				const struct corpus_sig *s = &cr->sigs[sig];
				uint32_t cut = 1 + corpus_below(&r, s->len[0] - 1);

				if (cut <= len && s->len[0] - cut <= len) {
					memcpy(t->data[i + f] + len - cut, s->part[0], cut);
					memcpy(t->data[i + 2 + f], s->part[0] + cut,
					       s->len[0] - cut);
					t->split_pkt[t->n_split] = i + 2 + f;
					t->split_sid[t->n_split++] = s->sid;
				}
			}
		}
		i += 6;
	}
	t->n = n;
}

#endif
