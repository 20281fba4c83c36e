// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subsys/flowpage.h"

int flow_key_cmp(const struct ztos_flow_key *a, const struct ztos_flow_key *b)
{
	return memcmp(a, b, sizeof(*a));
}

void flow_page_init(struct flow_page *p, unsigned int limit, const struct ztos_flow_key *after)
{
	*p = (struct flow_page){ .limit = limit, .after = after };
}

static void swap_rows(struct flow_row *a, struct flow_row *b)
{
	struct flow_row t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct flow_row *h, unsigned int i)
{
	while (i) {
		unsigned int up = (i - 1) / 2;

		if (flow_key_cmp(&h[up].k, &h[i].k) >= 0)
			return;
		swap_rows(&h[up], &h[i]);
		i = up;
	}
}

static void sift_down(struct flow_row *h, unsigned int n, unsigned int i)
{
	for (;;) {
		unsigned int big = i, l = 2 * i + 1, r = l + 1;

		if (l < n && flow_key_cmp(&h[l].k, &h[big].k) > 0)
			big = l;
		if (r < n && flow_key_cmp(&h[r].k, &h[big].k) > 0)
			big = r;
		if (big == i)
			return;
		swap_rows(&h[big], &h[i]);
		i = big;
	}
}

/* Room for one more row: the heap grows as rows come, never past the limit. */
static int grow(struct flow_page *p)
{
	unsigned int cap;
	struct flow_row *r;

	if (p->n < p->cap)
		return 0;
	cap = p->cap ? p->cap * 2 : 64;
	if (cap > p->limit)
		cap = p->limit;
	r = realloc(p->rows, (size_t)cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	p->rows = r;
	p->cap = cap;
	return 0;
}

int flow_page_offer(struct flow_page *p, const struct ztos_flow_key *k, const struct ztos_flow *f)
{
	if (p->after && flow_key_cmp(k, p->after) <= 0)
		return 0;
	if (p->n == p->limit) {
		/* The page is full: k is above it, or it pushes the page's largest out. */
		p->more = true;
		if (!p->n || flow_key_cmp(k, &p->rows[0].k) >= 0)
			return 0;
		p->rows[0] = (struct flow_row){ .k = *k, .f = *f };
		sift_down(p->rows, p->n, 0);
		return 0;
	}
	if (grow(p))
		return -ENOMEM;
	p->rows[p->n] = (struct flow_row){ .k = *k, .f = *f };
	sift_up(p->rows, p->n++);
	return 0;
}

void flow_page_sort(struct flow_page *p)
{
	/* Heap sort in place: the largest to the end, one by one. */
	for (unsigned int n = p->n; n > 1; n--) {
		swap_rows(&p->rows[0], &p->rows[n - 1]);
		sift_down(p->rows, n - 1, 0);
	}
}

void flow_page_free(struct flow_page *p)
{
	free(p->rows);
	p->rows = NULL;
	p->n = p->cap = 0;
}

void flow_cursor_format(const struct ztos_flow_key *k, char *out)
{
	const unsigned char *b = (const unsigned char *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

int flow_cursor_parse(const char *s, struct ztos_flow_key *k)
{
	unsigned char *b = (unsigned char *)k;

	if (strlen(s) != FLOW_CURSOR_LEN || strspn(s, "0123456789abcdefABCDEF") != FLOW_CURSOR_LEN)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(*k); i++)
		sscanf(s + 2 * i, "%2hhx", &b[i]);
	return 0;
}
