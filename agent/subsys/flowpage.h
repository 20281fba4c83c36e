/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One page of the flow table in the order of its keys (struct ztos_flow_key compared byte
 * by byte), after a cursor: the `limit` smallest matching keys above it, kept in a bounded
 * heap while the table is read, so a page of 100 costs 100 rows whatever the table holds.
 * The cursor is the last key of a page in hex; a walk from one page to the next never
 * repeats a flow and misses none that stayed in the table (a flow added meanwhile below the
 * cursor is in the next walk).
 */
#ifndef ZTOS_SUBSYS_FLOWPAGE_H
#define ZTOS_SUBSYS_FLOWPAGE_H

#include <stdbool.h>

#include "bpf/ztos_common.h"

#define FLOW_CURSOR_LEN (2 * sizeof(struct ztos_flow_key))

struct flow_row {
	struct ztos_flow_key k;
	struct ztos_flow f;
};

struct flow_page {
	struct flow_row *rows;	/* a max-heap while offered, sorted after flow_page_sort() */
	unsigned int n, cap, limit;
	const struct ztos_flow_key *after;	/* NULL: from the first key */
	bool more;		/* a matching key above the page was seen */
};

int flow_key_cmp(const struct ztos_flow_key *a, const struct ztos_flow_key *b);
void flow_page_init(struct flow_page *p, unsigned int limit, const struct ztos_flow_key *after);
/* A matching flow: kept if it belongs to the page. 0, or -ENOMEM. */
int flow_page_offer(struct flow_page *p, const struct ztos_flow_key *k, const struct ztos_flow *f);
/* The page in key order, rows[0..n). */
void flow_page_sort(struct flow_page *p);
void flow_page_free(struct flow_page *p);

/* out: FLOW_CURSOR_LEN hex digits and a NUL. */
void flow_cursor_format(const struct ztos_flow_key *k, char *out);
/* 0, or -EINVAL when s is not FLOW_CURSOR_LEN hex digits. */
int flow_cursor_parse(const char *s, struct ztos_flow_key *k);

#endif
