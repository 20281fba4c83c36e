// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath's translation of the config into map entries (agent/subsys/dpmap.c),
 * from configs parsed as the agent parses them: what the BPF programs will be given.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "subsys/dpmap.h"

static struct ztos_config *load(const char *yaml)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err = cfg_parse_yaml("t.yaml", yaml, strlen(yaml), &tree, &e);

	if (!err)
		err = cfg_build(tree, ".", &cfg, &e);
	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	cfg_errors_free(&e);
	cfg_node_free(tree);
	return cfg;
}

static void words(const char *text, __u32 w[4])
{
	memset(w, 0, 4 * sizeof(__u32));
	assert_int_equal(inet_pton(strchr(text, ':') ? AF_INET6 : AF_INET, text, w), 1);
}

static void t_vtep_keys(void **state)
{
	struct ztos_config *cfg = load("version: 1\n"
				       "underlay: {interface: eth0, address: 192.0.2.1}\n"
				       "tenants:\n"
				       "  - {name: blue, vni: 100, vteps: [192.0.2.2, \"2001:db8::2\"]}\n");
	struct ztos_vtep_key k;
	__u32 w[4];

	dpmap_vtep_key(cfg->tenants[0].vni, &cfg->tenants[0].vteps[0], &k);
	words("192.0.2.2", w);
	assert_int_equal(k.vni, 100);
	assert_int_equal(k.family, ZTOS_AF4);
	assert_memory_equal(k.addr, w, sizeof(w));
	dpmap_vtep_key(cfg->tenants[0].vni, &cfg->tenants[0].vteps[1], &k);
	words("2001:db8::2", w);
	assert_int_equal(k.family, ZTOS_AF6);
	assert_memory_equal(k.addr, w, sizeof(w));
	cfg_free(cfg);
}

static void t_policy(void **state)
{
	struct ztos_config *cfg = load(
		"version: 1\n"
		"underlay: {interface: eth0, address: 192.0.2.1}\n"
		"tenants:\n"
		"  - name: blue\n"
		"    vni: 100\n"
		"    policy:\n"
		"      default: deny\n"
		"      rules:\n"
		"        - {action: inspect, proto: tcp, dport: 80}\n"
		"        - {action: allow, src: 10.100.0.0/24, proto: udp, sport: 53}\n"
		"        - {action: deny, dst: \"fd00::/64\"}\n");
	struct ztos_policy p;
	__u32 w[4];

	dpmap_policy(&cfg->tenants[0], &p);
	assert_int_equal(p.default_verdict, ZTOS_VERDICT_DENY);
	assert_int_equal(p.n_rules, 3);
	assert_int_equal(p.rules[0].action, ZTOS_VERDICT_INSPECT);
	assert_int_equal(p.rules[0].proto, 6);
	assert_int_equal(p.rules[0].dport, 80);
	assert_int_equal(p.rules[0].src_len, 0);
	assert_int_equal(p.rules[0].family, 0);	/* no prefix: any family */
	assert_int_equal(p.rules[1].action, ZTOS_VERDICT_ALLOW);
	assert_int_equal(p.rules[1].proto, 17);
	assert_int_equal(p.rules[1].sport, 53);
	assert_int_equal(p.rules[1].family, ZTOS_AF4);
	assert_int_equal(p.rules[1].src_len, 24);
	words("10.100.0.0", w);
	assert_memory_equal(p.rules[1].src, w, sizeof(w));
	assert_int_equal(p.rules[2].action, ZTOS_VERDICT_DENY);
	assert_int_equal(p.rules[2].family, ZTOS_AF6);
	assert_int_equal(p.rules[2].dst_len, 64);
	words("fd00::", w);
	assert_memory_equal(p.rules[2].dst, w, sizeof(w));
	cfg_free(cfg);
}

/* The rules the maps cannot hold are cut, not written past the array. */
static void t_policy_cut(void **state)
{
	struct ztos_tenant t = { .policy_default = ZTOS_ALLOW, .n_rules = ZTOS_MAX_RULES + 3 };
	struct ztos_policy p;

	t.rules = calloc(t.n_rules, sizeof(*t.rules));
	assert_non_null(t.rules);
	for (size_t i = 0; i < t.n_rules; i++) {
		t.rules[i].action = ZTOS_DENY;
		t.rules[i].dport = (uint16_t)(i + 1);
	}
	dpmap_policy(&t, &p);
	assert_int_equal(p.default_verdict, ZTOS_VERDICT_ALLOW);
	assert_int_equal(p.n_rules, ZTOS_MAX_RULES);
	assert_int_equal(p.rules[ZTOS_MAX_RULES - 1].dport, ZTOS_MAX_RULES);
	free(t.rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_vtep_keys),
		cmocka_unit_test(t_policy),
		cmocka_unit_test(t_policy_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
