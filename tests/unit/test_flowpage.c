// SPDX-License-Identifier: GPL-2.0-only
/*
 * A page of the flow table (agent/subsys/flowpage.c) against the table sorted by hand:
 * for random keys offered in random order, every page by every limit is the next `limit`
 * keys after its cursor, in order; the walk from cursor to cursor is the whole table;
 * cursors survive formatting and parsing, and what is not a cursor is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "subsys/flowpage.h"

#define N 3000

static struct ztos_flow_key keys[N];

static int cmp_keys(const void *a, const void *b)
{
	return flow_key_cmp(a, b);
}

/* N distinct keys, offered in the order of keys[], with sorted[] their order. */
static void make_keys(struct ztos_flow_key *sorted)
{
	srand(12);
	for (int i = 0; i < N; i++) {
		struct ztos_flow_key *k = &keys[i];

		memset(k, 0, sizeof(*k));
		k->vni = 100 + rand() % 3;
		k->family = rand() % 2 ? ZTOS_AF4 : ZTOS_AF6;
		k->proto = 6;
		k->addr_a[0] = (uint32_t)rand();
		k->addr_b[0] = (uint32_t)i;	/* distinct */
		k->port_b = (uint16_t)rand();
	}
	memcpy(sorted, keys, sizeof(keys));
	qsort(sorted, N, sizeof(*sorted), cmp_keys);
}

static void test_walks(void **state)
{
	static struct ztos_flow_key sorted[N];
	static const unsigned int limits[] = { 1, 7, 100, 999, N - 1, N, N + 5 };

	make_keys(sorted);
	for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
		struct ztos_flow_key after;
		bool have_after = false;
		unsigned int seen = 0;

		for (;;) {
			struct flow_page p;
			struct ztos_flow f = { .packets = { 1 } };

			flow_page_init(&p, limits[l], have_after ? &after : NULL);
			for (int i = 0; i < N; i++)
				assert_int_equal(flow_page_offer(&p, &keys[i], &f), 0);
			flow_page_sort(&p);
			assert_true(p.n <= limits[l]);
			for (unsigned int i = 0; i < p.n; i++)
				assert_memory_equal(&p.rows[i].k, &sorted[seen + i], sizeof(sorted[0]));
			seen += p.n;
			assert_int_equal(p.more, seen < N);
			if (!p.more) {
				flow_page_free(&p);
				break;
			}
			after = p.rows[p.n - 1].k;
			have_after = true;
			flow_page_free(&p);
		}
		assert_int_equal(seen, N);
	}
}

static void test_cursor_text(void **state)
{
	char s[FLOW_CURSOR_LEN + 1];
	struct ztos_flow_key k;

	make_keys((struct ztos_flow_key[N]){ 0 });
	flow_cursor_format(&keys[5], s);
	assert_int_equal(strlen(s), 88);
	assert_int_equal(flow_cursor_parse(s, &k), 0);
	assert_memory_equal(&k, &keys[5], sizeof(k));
	s[87] = 'g';
	assert_int_equal(flow_cursor_parse(s, &k), -EINVAL);
	s[87] = '\0';
	assert_int_equal(flow_cursor_parse(s, &k), -EINVAL);
	assert_int_equal(flow_cursor_parse("", &k), -EINVAL);
	assert_int_equal(flow_cursor_parse(" 0", &k), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_cursor_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
