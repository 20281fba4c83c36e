// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the config library: parsing (YAML, JSON), the schema's rules and
 * where their errors point, merge, diff. Run from the repository root (the example
 * configs are read from config/examples/).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config.h"
#include "bpf/ztos_common.h"
#include "config/internal.h"

#define V1 "version: 1\n"

static char dir[64];		/* a temp folder holding the test's configs and key files */
static char cfg_path[128];	/* dir/t.yaml */

static const char wg_key[] = "2FbXIk5nlnd7Zznk4nLlOtu9JduGTa0XurW6daFU+uk=\n";
static const char hex16[] = "000102030405060708090a0b0c0d0e0f\n";
static const char hex32[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ztos-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/t.yaml", dir);
	write_file("wg.key", wg_key, 0600);
	write_file("wg-open.key", wg_key, 0644);
	write_file("wg-short.key", "AAAAAAAAAAAAAAAAAAAAAA==\n", 0600);
	write_file("wg-junk.key", "SECRETSECRETSECRET\n", 0600);
	write_file("k128.key", hex16, 0600);
	write_file("k256.key", hex32, 0600);
	write_file("k256-open.key", hex32, 0604);
	write_file("local.rules", "alert tcp any any -> any 80 (msg:\"x\"; sid:1;)\n", 0644);
	write_file("token-open", "t0ken\n", 0644);
	write_file("token-ok", "t0ken\n", 0600);
	write_file("tls.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
	write_file("tls.key", "-----BEGIN PRIVATE KEY-----\n", 0600);
	write_file("tls-gw.key", "-----BEGIN PRIVATE KEY-----\n", 0620);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	return nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- helpers ---- */

static int load(const char *yaml, struct ztos_config **cfg, struct cfg_errors *errs)
{
	write_file("t.yaml", yaml, 0600);
	return cfg_load_file(cfg_path, NULL, cfg, errs);
}

static bool has_error(const struct cfg_errors *e, const char *where, const char *msg)
{
	size_t i;

	/* msg is looked for in "WHERE: MESSAGE", the line an operator reads */
	for (i = 0; i < e->n; i++) {
		char line[8192];

		snprintf(line, sizeof(line), "%s: %s", e->v[i].where, e->v[i].message);
		if (strstr(e->v[i].where, where) && strstr(line, msg))
			return true;
	}
	return false;
}

static void expect_error(const struct cfg_errors *e, const char *where, const char *msg)
{
	if (has_error(e, where, msg))
		return;
	cfg_errors_print(stderr, e);
	fail_msg("no error at '%s' saying '%s'", where, msg);
}

/* The YAML must fail with an error whose where contains where and message msg. */
static void yaml_fails(const char *yaml, const char *where, const char *msg)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = (void *)1;

	assert_int_equal(load(yaml, &cfg, &e), -EINVAL);
	assert_null(cfg);
	expect_error(&e, where, msg);
	cfg_errors_free(&e);
}

static struct ztos_config *yaml_ok(const char *yaml)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	int err = load(yaml, &cfg, &e);

	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	assert_int_equal(e.n, 0);
	assert_non_null(cfg);
	return cfg;
}

static struct cfg_node *json_tree(const char *json)
{
	struct cfg_errors e = { 0 };
	struct cfg_node *root = NULL;
	int err = cfg_parse_json(json, strlen(json), &root, &e);

	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	return root;
}

static void json_fails(const char *json, const char *where, const char *msg)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *root = NULL;
	int err = cfg_parse_json(json, strlen(json), &root, &e);

	if (!err) {
		err = cfg_build(root, NULL, &cfg, &e);
		cfg_node_free(root);
	}
	assert_int_equal(err, -EINVAL);
	assert_null(cfg);
	expect_error(&e, where, msg);
	cfg_errors_free(&e);
}

static const char *where_at(int line, int col)
{
	static char buf[160];

	snprintf(buf, sizeof(buf), "%s:%d:%d", cfg_path, line, col);
	return buf;
}

/* ---- examples ---- */

static void test_minimal_example(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;

	assert_int_equal(cfg_load_file("config/examples/minimal.yaml", NULL, &cfg, &e), 0);
	assert_int_equal(cfg->version, 1);
	assert_string_equal(cfg->api.listen, "127.0.0.1:8080");
	assert_string_equal(cfg->api.socket, "/run/ztos/api.sock");
	assert_string_equal(cfg->api.token_file, "/etc/ztos/token");
	assert_string_equal(cfg->state_dir, "/var/lib/ztos");
	assert_string_equal(cfg->bpffs, "/sys/fs/bpf/ztos");
	assert_string_equal(cfg->log.file, "/var/log/ztos/events.json");
	assert_string_equal(cfg->log.level, "info");
	assert_int_equal(cfg->log.max_bytes, 64 << 20);
	assert_int_equal(cfg->log.keep, 5);
	assert_false(cfg->log.syslog);
	assert_false(cfg->has_underlay || cfg->has_wireguard || cfg->has_macsec || cfg->has_bgp ||
		     cfg->has_dpi);
	assert_int_equal(cfg->n_tenants, 0);
	cfg_free(cfg);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

static void test_full_example(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err;

	assert_int_equal(system("scripts/example-keys.sh config/examples/keys >/dev/null"), 0);
	err = cfg_load_file("config/examples/full.yaml", &tree, &cfg, &e);
	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	assert_non_null(tree);
	assert_true(cfg->has_underlay && cfg->has_wireguard && cfg->has_macsec && cfg->has_bgp &&
		    cfg->has_dpi);
	assert_int_equal(cfg->n_tenants, 2);
	assert_string_equal(cfg->tenants[0].name, "blue");
	assert_int_equal(cfg->tenants[0].vni, 100);
	assert_int_equal(cfg->tenants[0].l3vni, 5100);
	assert_int_equal(cfg->tenants[0].n_rules, 3);
	assert_int_equal(cfg->tenants[0].rules[0].action, ZTOS_INSPECT);
	assert_int_equal(cfg->tenants[0].rules[0].dport, 80);
	assert_int_equal(cfg->tenants[1].policy_default, ZTOS_DENY);
	assert_int_equal(cfg->wireguard.n_peers, 2);
	assert_int_equal(cfg->wireguard.peers[1].endpoint.addr.family, AF_INET6);
	assert_true(cfg->wireguard.private_key_file[0] == '/');
	assert_true(ends_with(cfg->wireguard.private_key_file, "/config/examples/keys/wg.key"));
	assert_int_equal(cfg->macsec.cipher, ZTOS_GCM_AES_256);
	assert_int_equal(cfg->macsec.tx_sa.key_id_len, 1);
	assert_int_equal(cfg->bgp.n_peers, 2);
	assert_int_equal(cfg->dpi.on_alert, ZTOS_ON_ALERT_BLOCK);
	assert_true(ends_with(cfg->dpi.rules[0], "/config/examples/rules/local.rules"));
	cfg_free(cfg);
	cfg_node_free(tree);
}

/* ---- parsing ---- */

static void test_missing_file(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;

	assert_int_equal(cfg_load_file("/nonexistent/ztos.yaml", NULL, &cfg, &e), -ENOENT);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].where, "/nonexistent/ztos.yaml");
	assert_string_equal(e.v[0].message, "cannot read: No such file or directory");
	cfg_errors_free(&e);
}

static void test_empty_file(void **state)
{
	yaml_fails("", where_at(1, 1), "version: missing; add 'version: 1'");
}

static void test_yaml_syntax(void **state)
{
	yaml_fails(V1 "agent:\n  api: [\n", where_at(4, 1), "syntax error");
	yaml_fails(V1 "agent:\n  api:\n\tlisten: x\n", where_at(4, 1), "not tabs");
	yaml_fails(V1 "a: b: c\n", where_at(2, 5), "mapping values are not allowed");
}

static void test_yaml_duplicate_key(void **state)
{
	yaml_fails(V1 "underlay:\n  interface: eth0\n  address: 192.0.2.1\n  interface: eth1\n",
		   where_at(5, 3), "duplicate key 'interface' (first at line 3)");
}

static void test_yaml_refused(void **state)
{
	yaml_fails(V1 "a: &x 1\nb: *x\n", where_at(2, 4), "anchors (&x)");
	yaml_fails(V1 "a: !!str 1\n", where_at(2, 4), "tags");
	yaml_fails(V1 "---\nb: 1\n", where_at(2, 1), "a second document");
}

static void test_yaml_deep(void **state)
{
	char yaml[1024] = V1 "x: ";
	int i;

	for (i = 0; i < 200; i++)
		strcat(yaml, "[");
	yaml_fails(yaml, cfg_path, "nesting is deeper than 64 levels");
}

static void test_yaml_nul(void **state)
{
	yaml_fails(V1 "tenants:\n  - {name: \"a\\0b\", vni: 1}\n", where_at(3, 12),
		   "tenants[0].name: contains a NUL byte");
}

static void test_json_syntax(void **state)
{
	json_fails("{\"version\": 1,\n  \"tenants\": [}", "line 2, column 15",
		   "invalid JSON: unexpected '}': expected a value or ']'");
	json_fails("{\"version\": 1,}", "line 1, column 15", "trailing comma");
	json_fails("{\"version\": 1", "line 1, column 14", "unexpected end of input: expected ',' or '}'");
	json_fails("{\"version\" 1}", "line 1, column 12", "expected ':' after the key");
	json_fails("{\"version\": tru}", "line 1, column 13", "invalid value");
	json_fails("{\"version\": 1} x", "line 1, column 16", "nothing after the end");
	json_fails("{\"a\": \"b\n\"}", "line 1, column 7", "unterminated string");
	json_fails("[1, 2]", "(top level)", "must be a JSON object");
	json_fails("{\"version\": 1, \"version\": 1}", "version", "duplicate key 'version'");
}

/* A JSON string arrives whole or not at all: no NUL, no control byte, only UTF-8. */
static void test_json_strings(void **state)
{
	static const char nul[] = "{\"version\": 1, \"tenants\": [{\"name\": \"a\0b\", \"vni\": 1}]}";
	static const char ok[] = "{\"a\": \"\\u00e9 \xc3\xa9 \xf0\x9f\x94\x92\"}";
	struct cfg_errors e = { 0 };
	struct cfg_node *root = NULL;

	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\\u0000b\", \"vni\": 1}]}",
		   "line 1, column 39", "\\u0000 (NUL) cannot be in a string");
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\tb\", \"vni\": 1}]}",
		   "line 1, column 39", "a control character");
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\xff" "b\", \"vni\": 1}]}",
		   "line 1, column 39", "not UTF-8");
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\xc0\xaf" "b\", \"vni\": 1}]}",
		   "line 1, column 39", "not UTF-8");	/* overlong '/' */
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\xed\xa0\x80\", \"vni\": 1}]}",
		   "line 1, column 39", "not UTF-8");	/* a surrogate */
	assert_int_equal(cfg_parse_json(nul, sizeof(nul) - 1, &root, &e), -EINVAL);
	assert_null(root);
	expect_error(&e, "line 1, column 39", "a control character");
	cfg_errors_free(&e);
	/* what is valid stays: the escape of a character, and UTF-8 itself */
	assert_int_equal(cfg_parse_json(ok, sizeof(ok) - 1, &root, &e), 0);
	cfg_node_free(root);
}

static void test_json_paths(void **state)
{
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\", \"vni\": 1},"
		   " {\"name\": \"b\", \"vni\": 16777216}]}",
		   "tenants[1].vni", "tenants[1].vni: 16777216 is out of range; a VNI is 1..16777215");
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": \"a\", \"vni\": \"100\"}]}",
		   "tenants[0].vni", "expected an integer, got the string \"100\"");
	json_fails("{\"version\": 1, \"tenants\": [{\"name\": 5, \"vni\": 1}]}", "tenants[0].name",
		   "expected a string, got the number 5");
	json_fails("{\"version\": 1, \"tenants\": [{\"vni\": 1}]}", "tenants[0].name", "missing");
	json_fails("{\"tenants\": []}", "version", "version: missing");
	json_fails("{\"version\": 1, \"bogus\": 1}", "bogus", "unknown key 'bogus'");
	json_fails("{\"version\": 1, \"underlay\": {\"interface\": \"eth0\", \"address\": \"x\"}}",
		   "underlay.address", "'x' is not an IPv4 or IPv6 address");
	json_fails("{\"version\": 1, \"agent\": {\"log\": {\"max_size\": 18446744073709551616}}}",
		   "agent.log.max_size", "18446744073709551616 is out of range");
	json_fails("{\"version\": 1e300}", "version", "expected a whole number, got 1.0000000000000001e+300");
	json_fails("{\"version\": 1.5}", "version", "expected a whole number, got 1.5");
	/* a relative path has nothing to be relative to in a request */
	json_fails("{\"version\": 1, \"agent\": {\"state_dir\": \"state\"}}", "agent.state_dir",
		   "give an absolute path");
}

/* ---- schema: locations and general rules ---- */

static const char vni_line7[] =
	"version: 1\n"
	"underlay:\n"
	"  interface: eth0\n"
	"  address: 192.0.2.1\n"
	"tenants:\n"
	"  - name: blue\n"
	"    vni: 16777216\n";

static void test_location_of_value(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;

	assert_int_equal(load(vni_line7, &cfg, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0].where, where_at(7, 10));
	assert_string_equal(e.v[0].message,
			    "tenants[0].vni: 16777216 is out of range; a VNI is 1..16777215");
	cfg_errors_free(&e);
}

static void test_all_errors_collected(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;

	assert_int_equal(load("version: 2\n"
			      "underlay: {interface: eth0/1, address: 192.0.2.1/24}\n"
			      "tenants:\n"
			      "  - {name: blue, vni: 0}\n"
			      "  - {name: 'a b', vni: 5}\n",
			      &cfg, &e), -EINVAL);
	assert_int_equal(e.n, 5);
	expect_error(&e, where_at(1, 10), "version: 2 is not supported; this ztos reads version 1");
	expect_error(&e, where_at(2, 23), "underlay.interface: 'eth0/1' is not a valid interface name");
	expect_error(&e, where_at(2, 40), "'192.0.2.1/24' is a prefix");
	expect_error(&e, where_at(4, 23), "tenants[0].vni: 0 is out of range");
	expect_error(&e, where_at(5, 12), "tenants[1].name: 'a b' is not a valid name");
	cfg_errors_free(&e);
}

static void test_unknown_key(void **state)
{
	yaml_fails(V1 "tenants:\n  - name: blue\n    vni: 1\n    vtep: [192.0.2.2]\n", where_at(5, 5),
		   "tenants[0].vtep: unknown key 'vtep'; did you mean 'vteps'?");
	yaml_fails(V1 "Underlay: {}\n", where_at(2, 1), "did you mean 'underlay'?");
	yaml_fails(V1 "agent: {stat: /x}\n", "", "did you mean 'state_dir'?");
	yaml_fails(V1 "zzz: 1\n", where_at(2, 1), "the keys here are: version, agent");
}

static void test_missing_key_location(void **state)
{
	/* a missing key is reported at the map that lacks it */
	yaml_fails(V1 "underlay:\n  interface: eth0\n", where_at(3, 3),
		   "underlay.address: missing; add this host's VTEP address");
}

static void test_wrong_types(void **state)
{
	yaml_fails(V1 "tenants: {name: blue}\n", where_at(2, 10), "tenants: expected a list, got a map");
	yaml_fails(V1 "underlay: eth0\n", where_at(2, 11), "expected a map (key: value), got the string 'eth0'");
	yaml_fails(V1 "tenants:\n  - {name: blue, vni: \"100\"}\n", where_at(3, 23),
		   "expected an integer, got the string \"100\"; write it without quotes");
	yaml_fails(V1 "tenants:\n  - {name: blue, vni: 1.5}\n", "", "expected a whole number, got 1.5");
	yaml_fails(V1 "agent: {log: {syslog: yes}}\n", "", "agent.log.syslog: expected true or false, got the string 'yes'");
	yaml_fails(V1 "agent: {log: {syslog: 1}}\n", "", "expected true or false, got the number 1");
	yaml_fails(V1 "dpi: {enabled: [true]}\n", "", "expected true or false, got a list");
}

static void test_plain_number_as_string(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "tenants:\n  - {name: 100, vni: 100}\n");

	assert_string_equal(cfg->tenants[0].name, "100");
	cfg_free(cfg);
}

/* ---- schema: agent ---- */

static void test_agent_listen(void **state)
{
	struct ztos_config *cfg;

	cfg = yaml_ok(V1 "agent: {api: {listen: \"[::1]:9000\", socket: \"\"}}\n");
	assert_string_equal(cfg->api.listen, "[::1]:9000");
	assert_null(cfg->api.socket);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "agent: {api: {listen: \"\"}}\n");
	assert_string_equal(cfg->api.listen, "");
	cfg_free(cfg);
	cfg = yaml_ok(V1 "agent: {api: {listen: \"localhost:8080\"}}\n");
	cfg_free(cfg);
	yaml_fails(V1 "agent: {api: {listen: 8080}}\n", "", "'8080' is not HOST:PORT");
	yaml_fails(V1 "agent: {api: {listen: \"example.com:80\"}}\n", "", "is not HOST:PORT");
	yaml_fails(V1 "agent: {api: {listen: \"::1:80\"}}\n", "", "is not HOST:PORT");
	yaml_fails(V1 "agent: {api: {listen: \"127.0.0.1:0\"}}\n", "", "the port is out of range");
	yaml_fails(V1 "agent: {api: {listen: \"127.0.0.1:65536\"}}\n", "", "the port is out of range");
}

static void test_agent_paths(void **state)
{
	char want[160];
	struct ztos_config *cfg;

	cfg = yaml_ok(V1 "agent: {state_dir: state, bpffs: ./a/../bpf, log: {file: /var/log/x.json}}\n");
	snprintf(want, sizeof(want), "%s/state", dir);
	assert_string_equal(cfg->state_dir, want);
	snprintf(want, sizeof(want), "%s/bpf", dir);
	assert_string_equal(cfg->bpffs, want);
	assert_string_equal(cfg->log.file, "/var/log/x.json");
	cfg_free(cfg);
	yaml_fails(V1 "agent: {state_dir: \"\"}\n", "", "agent.state_dir: is empty");
	yaml_fails(V1 "agent: {api: {socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock}}\n",
		   "", "too long for a unix socket");
}

static void test_agent_token_file(void **state)
{
	struct ztos_config *cfg;
	char want[160];

	cfg = yaml_ok(V1 "agent: {api: {token_file: token-ok}}\n");
	cfg_free(cfg);
	cfg = yaml_ok(V1 "agent: {api: {token_file: no-such-token}}\n");
	snprintf(want, sizeof(want), "%s/no-such-token", dir);
	assert_string_equal(cfg->api.token_file, want);
	cfg_free(cfg);
	snprintf(want, sizeof(want), "chmod 600 %s/token-open", dir);
	yaml_fails(V1 "agent: {api: {token_file: token-open}}\n", where_at(2, 27), want);
}

static void test_agent_tls(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "agent: {api: {tls: {cert: tls.crt, key: tls.key}}}\n");

	assert_non_null(cfg->api.tls_cert);
	assert_non_null(cfg->api.tls_key);
	cfg_free(cfg);
	yaml_fails(V1 "agent: {api: {tls: {cert: tls.crt}}}\n", "", "agent.api.tls.key: missing");
	yaml_fails(V1 "agent: {api: {tls: {cert: tls.crt, key: wg-open.key}}}\n", "",
		   "every user can read it");
	yaml_fails(V1 "agent: {api: {tls: {cert: tls.crt, key: tls-gw.key}}}\n", "",
		   "its group can change it");
	yaml_fails(V1 "agent: {api: {tls: {cert: nope.crt, key: tls.key}}}\n", "",
		   "nope.crt: No such file or directory");
	yaml_fails(V1 "agent: {api: {header_timeout: 0}}\n", "", "agent.api.header_timeout");
	yaml_fails(V1 "agent: {api: {header_timeout: 121}}\n", "", "agent.api.header_timeout");
	cfg = yaml_ok(V1 "agent: {api: {header_timeout: 2}}\n");
	assert_int_equal(cfg->api.header_timeout_s, 2);
	assert_int_equal(cfg->api.max_followers, 128);
	cfg_free(cfg);
	yaml_fails(V1 "agent: {api: {max_followers: 0}}\n", "", "agent.api.max_followers");
	yaml_fails(V1 "agent: {api: {max_followers: 257}}\n", "", "agent.api.max_followers");
	cfg = yaml_ok(V1 "agent: {api: {max_followers: 2}}\n");
	assert_int_equal(cfg->api.max_followers, 2);
	cfg_free(cfg);
}

static void test_agent_log(void **state)
{
	struct ztos_config *cfg;

	cfg = yaml_ok(V1 "agent: {log: {max_size: 1048576, keep: 0, level: debug, syslog: true}}\n");
	assert_int_equal(cfg->log.max_bytes, 1048576);
	assert_int_equal(cfg->log.keep, 0);
	assert_string_equal(cfg->log.level, "debug");
	assert_true(cfg->log.syslog);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "agent: {log: {max_size: 2G}}\n");
	assert_int_equal(cfg->log.max_bytes, 2ull << 30);
	cfg_free(cfg);
	yaml_fails(V1 "agent: {log: {max_size: 1K}}\n", "", "'1K' is too small; max_size is at least 4096");
	yaml_fails(V1 "agent: {log: {max_size: 100}}\n", "", "100 is out of range");
	yaml_fails(V1 "agent: {log: {max_size: 12X}}\n", "", "'12X' is not a size");
	yaml_fails(V1 "agent: {log: {keep: 101}}\n", "", "agent.log.keep: 101 is out of range");
	yaml_fails(V1 "agent: {log: {level: verbose}}\n", "", "'verbose' is not one of: warn, info, debug");
}

/* ---- schema: underlay and tenants ---- */

static void test_underlay(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "underlay: {interface: eth0, address: \"2001:db8::1\"}\n");

	assert_int_equal(cfg->underlay.address.family, AF_INET6);
	assert_int_equal(cfg->underlay.vxlan_port, 4789);
	assert_int_equal(cfg->underlay.xdp_mode, ZTOS_XDP_AUTO);
	cfg_free(cfg);
	yaml_fails(V1 "underlay: {interface: abcdefghijklmnop, address: 192.0.2.1}\n", "",
		   "longer than 15 characters");
	yaml_fails(V1 "underlay: {interface: \"..\", address: 192.0.2.1}\n", "", "are not interface names");
	yaml_fails(V1 "underlay: {interface: \"a b\", address: 192.0.2.1}\n", "", "white space");
	yaml_fails(V1 "underlay: {interface: eth0, address: 192.0.2.300}\n", "", "is not an IPv4 or IPv6");
	yaml_fails(V1 "underlay: {interface: eth0, address: 192.0.2.1, xdp_mode: nativ}\n", "",
		   "did you mean 'native'?");
	yaml_fails(V1 "underlay: {interface: eth0, address: 192.0.2.1, vxlan_port: 0}\n", "",
		   "underlay.vxlan_port: 0 is out of range; a port is 1..65535");
}

static void test_tenant_names_and_vnis(void **state)
{
	yaml_fails(V1 "tenants:\n  - {name: blue, vni: 1}\n  - {name: blue, vni: 2}\n", where_at(4, 12),
		   "tenants[1].name: blue is already used by tenants[0]");
	yaml_fails(V1 "tenants:\n  - {name: blue, vni: 7}\n  - {name: red, vni: 7}\n", where_at(4, 22),
		   "tenants[1].vni: 7 is already used by tenants[0]");
	yaml_fails(V1 "tenants:\n  - {name: abcdefghijabcdefghijabcdefghijabc, vni: 1}\n", "",
		   "is not a valid name");
	yaml_fails(V1 "tenants:\n  - {name: x}\n", where_at(3, 5), "tenants[0].vni: missing");
}

static void test_tenant_vteps_and_interfaces(void **state)
{
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vteps: [192.0.2.2, 192.0.2.2]}\n", where_at(3, 42),
		   "tenants[0].vteps[1]: 192.0.2.2 is listed twice (also at tenants[0].vteps[0]); remove one");
	yaml_fails(V1 "underlay: {interface: eth0, address: 192.0.2.1}\n"
		      "tenants:\n  - {name: a, vni: 1, vteps: [192.0.2.1]}\n", where_at(4, 31),
		   "tenants[0].vteps[0]: 192.0.2.1 is this host's underlay address");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, interfaces: [v0]}\n"
		      "  - {name: b, vni: 2, interfaces: [v1, v0]}\n", where_at(4, 40),
		   "tenants[1].interfaces[1]: v0 already belongs to tenant a");
	yaml_fails(V1 "underlay: {interface: eth0, address: 192.0.2.1}\n"
		      "tenants:\n  - {name: a, vni: 1, interfaces: [eth0]}\n", "",
		   "eth0 is the underlay interface");
}

static void test_tenant_subnets(void **state)
{
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, subnets: [10.100.0.5/24]}\n", where_at(3, 33),
		   "10.100.0.5/24 has host bits set; did you mean 10.100.0.0/24?");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, subnets: [\"2001:db8::1/64\"]}\n", "",
		   "did you mean 2001:db8::/64?");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, subnets: [10.0.0.0/33]}\n", "",
		   "the prefix length is out of range");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, subnets: [10.0.0.1]}\n", "",
		   "has no prefix length; write 10.0.0.1/32");
}

static void test_tenant_vrf(void **state)
{
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {table: 254}}\n", "",
		   "tenants[0].vrf.table: table 254 is reserved");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {l3vni: 5}}\n", "",
		   "tenants[0].vrf.table: missing");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {table: 10}}\n"
		      "  - {name: b, vni: 2, vrf: {table: 10}}\n", where_at(4, 36),
		   "tenants[1].vrf.table: 10 is already used by tenants[0]");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {table: 10, l3vni: 2}}\n"
		      "  - {name: b, vni: 2}\n", "",
		   "tenants[0].vrf.l3vni: 2 is already the VNI of tenant b");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {table: 10, l3vni: 50}}\n"
		      "  - {name: b, vni: 2, vrf: {table: 11, l3vni: 50}}\n", "",
		   "tenants[1].vrf.l3vni: 50 is already used by tenants[0]");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vrf: {table: 4294967296}}\n", "",
		   "out of range; a routing table is 1..4294967295");
}

static void test_tenant_policy(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "tenants:\n  - name: a\n    vni: 1\n    policy:\n"
					  "      default: deny\n"
					  "      rules: [{action: allow, proto: udp, sport: 53, src: 10.0.0.0/8}]\n");

	assert_int_equal(cfg->tenants[0].policy_default, ZTOS_DENY);
	assert_int_equal(cfg->tenants[0].rules[0].proto, 17);
	assert_int_equal(cfg->tenants[0].rules[0].sport, 53);
	assert_true(cfg->tenants[0].rules[0].has_src);
	cfg_free(cfg);
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{proto: tcp}]}}\n", "",
		   "tenants[0].policy.rules[0].action: missing");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: allow, proto: icmp, dport: 80}]}}\n",
		   where_at(3, 76), "tenants[0].policy.rules[0].dport: a port needs proto tcp or udp (proto is icmp)");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: allow, dport: 80}]}}\n", "",
		   "(proto is any)");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: drop}]}}\n", "",
		   "'drop' is not one of: allow, deny, inspect");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {default: inspect}}\n", "",
		   "'inspect' is not one of: allow, deny");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: deny, proto: sctp}]}}\n", "",
		   "'sctp' is not one of");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: deny, src: 10.0.0.0/8, dst: \"2001:db8::/32\"}]}}\n",
		   "", "different address families");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, policy: {rules: [{action: deny, proto: tcp, dport: 65536}]}}\n",
		   "", "65536 is out of range; a port is 1..65535");
}

/* ---- schema: secrets, wireguard, macsec ---- */

static void test_secret_mode_mkstemp(void **state)
{
	char path[] = "/tmp/ztos-key-XXXXXX", yaml[256], want[128];
	struct ztos_config *cfg;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, wg_key, strlen(wg_key)), (ssize_t)strlen(wg_key));
	close(fd);
	snprintf(yaml, sizeof(yaml), V1 "wireguard: {interface: wg0, private_key_file: %s}\n", path);
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(want, sizeof(want), "run: chmod 600 %s", path);
	yaml_fails(yaml, where_at(2, 47), want);
	assert_int_equal(chmod(path, 0600), 0);
	cfg = yaml_ok(yaml);
	assert_string_equal(cfg->wireguard.private_key_file, path);
	cfg_free(cfg);
	unlink(path);
}

static void test_wireguard(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "wireguard:\n  interface: wg0\n  private_key_file: wg.key\n"
					  "  address: 10.255.0.1/24\n  peers:\n"
					  "    - {name: b, public_key: \"TYsOlJvDm7153W/LIc+/U5IxKodVmPHYcUiB2J2oo0k=\","
					  " endpoint: \"[2001:db8::2]:51820\", allowed_ips: [10.255.0.2/32]}\n");

	assert_true(cfg->wireguard.has_address);
	assert_int_equal(cfg->wireguard.address.prefixlen, 24);
	assert_int_equal(cfg->wireguard.peers[0].endpoint.port, 51820);
	assert_int_equal(cfg->wireguard.peers[0].public_key[0], 0x4d);
	cfg_free(cfg);
}

static void test_wireguard_errors(void **state)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;

	yaml_fails(V1 "wireguard: {interface: wg0, private_key_file: wg-short.key}\n", "",
		   "does not hold a WireGuard private key");
	yaml_fails(V1 "wireguard: {interface: wg0, private_key_file: nope.key}\n", "",
		   "nope.key: No such file or directory");
	yaml_fails(V1 "wireguard: {interface: wg0}\n", "", "wireguard.private_key_file: missing");
	/* the content of a bad key file is never echoed */
	assert_int_equal(load(V1 "wireguard: {interface: wg0, private_key_file: wg-junk.key}\n", &cfg, &e),
			 -EINVAL);
	assert_int_equal(e.n, 1);
	assert_null(strstr(e.v[0].message, "SECRET"));
	cfg_errors_free(&e);
}

#define WG_HEAD V1 "wireguard:\n  interface: wg0\n  private_key_file: wg.key\n  peers:\n"
#define PK1 "\"TYsOlJvDm7153W/LIc+/U5IxKodVmPHYcUiB2J2oo0k=\""
#define PK2 "\"8MkbvE0yC8v5cK4eQh8P8w2oqb04M8KG4N7fW6GnmTM=\""

static void test_wireguard_peers(void **state)
{
	yaml_fails(WG_HEAD "    - {name: b, public_key: \"abc\"}\n", where_at(6, 29),
		   "wireguard.peers[0].public_key: is not a WireGuard public key");
	yaml_fails(WG_HEAD "    - {name: b, public_key: \"AAAAAAAAAAAAAAAAAAAAAA==\"}\n", "",
		   "is not a WireGuard public key");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 "}\n    - {name: c, public_key: " PK1 "}\n",
		   where_at(7, 29), "wireguard.peers[1].public_key: TYsOlJvDm7153W/LIc+/U5IxKodVmPHYcUiB2J2oo0k= is already used by wireguard.peers[0]");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 "}\n    - {name: b, public_key: " PK2 "}\n",
		   "", "wireguard.peers[1].name: b is already used");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", allowed_ips: [10.0.0.0/24]}\n"
			   "    - {name: c, public_key: " PK2 ", allowed_ips: [10.0.0.128/25]}\n",
		   "", "wireguard.peers[1].allowed_ips[0]: 10.0.0.128/25 overlaps 10.0.0.0/24 of peer b");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", endpoint: \"192.0.2.2\"}\n", "",
		   "is not ADDRESS:PORT");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", endpoint: \"2001:db8::2:51820\"}\n", "",
		   "is not ADDRESS:PORT");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", endpoint: \"[192.0.2.2]:1\"}\n", "",
		   "is not an IPv6 address");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", persistent_keepalive: 65536}\n", "",
		   "65536 is out of range");
	yaml_fails(V1 "wireguard: {interface: wg0, private_key_file: wg.key, listen_port: -1}\n", "",
		   "wireguard.listen_port: -1 is out of range");
	/* a name that is no DNS name, nor an address */
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", endpoint: \"bad_name!:51820\"}\n", "",
		   "is not an IPv4 address");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", endpoint: \"1.2.3:51820\"}\n", "",
		   "is not an IPv4 address");
}

/* A DNS name is kept as it is, resolved when the device is configured. */
static void test_wireguard_endpoint_name(void **state)
{
	struct ztos_config *cfg = yaml_ok(WG_HEAD "    - {name: b, public_key: " PK1
					  ", endpoint: \"peer-b.example.org:51821\"}\n");

	assert_true(cfg->wireguard.peers[0].has_endpoint);
	assert_string_equal(cfg->wireguard.peers[0].endpoint_host, "peer-b.example.org");
	assert_int_equal(cfg->wireguard.peers[0].endpoint.port, 51821);
	assert_int_equal(cfg->wireguard.peers[0].endpoint.addr.family, 0);
	cfg_free(cfg);
}

#define MS_HEAD V1 "macsec:\n  interface: ms0\n  parent: eth0\n"

static void test_macsec(void **state)
{
	struct ztos_config *cfg = yaml_ok(MS_HEAD "  tx_sa: {an: 3, key_id: 0a0b, key_file: k128.key}\n"
					  "  peers: [{mac: \"02:00:00:00:00:0B\", rx_sa: {key_id: \"01\", key_file: k128.key}}]\n");

	assert_int_equal(cfg->macsec.cipher, ZTOS_GCM_AES_128);
	assert_true(cfg->macsec.encrypt);
	assert_int_equal(cfg->macsec.tx_sa.an, 3);
	assert_int_equal(cfg->macsec.tx_sa.key_id_len, 2);
	assert_int_equal(cfg->macsec.tx_sa.key_id[1], 0x0b);
	assert_int_equal(cfg->macsec.peers[0].port, 1);
	assert_int_equal(cfg->macsec.peers[0].mac[5], 0x0b);
	cfg_free(cfg);
	/* the cipher, written after the key, still decides the key's length */
	cfg = yaml_ok(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k256.key}\n  cipher: gcm-aes-256\n");
	assert_int_equal(cfg->macsec.cipher, ZTOS_GCM_AES_256);
	cfg_free(cfg);
}

static void test_macsec_errors(void **state)
{
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n  cipher: gcm-aes-256\n",
		   where_at(5, 35), "k128.key holds a 16-byte key but gcm-aes-256 needs 32 bytes (64 hex digits)");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k256.key}\n", "",
		   "holds a 32-byte key but gcm-aes-128 needs 16 bytes (32 hex digits)");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k256-open.key}\n  cipher: gcm-aes-256\n", "",
		   "every user can read it");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: wg.key}\n", "",
		   "does not hold a MACsec key");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"1\", key_file: k128.key}\n", "", "macsec.tx_sa.key_id: '1' is not a key ID");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"000102030405060708090a0b0c0d0e0f10\", key_file: k128.key}\n",
		   "", "is not a key ID");
	yaml_fails(MS_HEAD "  tx_sa: {an: 4, key_id: \"01\", key_file: k128.key}\n", "",
		   "macsec.tx_sa.an: 4 is out of range");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n  cipher: gcm-aes-512\n", "",
		   "'gcm-aes-512' is not one of: gcm-aes-128, gcm-aes-256");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n"
			   "  peers: [{mac: \"01:00:5e:00:00:01\", rx_sa: {key_id: \"01\", key_file: k128.key}}]\n",
		   "", "is not a unicast address");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n"
			   "  peers: [{mac: \"02:00:00:00:00:02\", rx_sa: {key_id: \"01\", key_file: k128.key}},\n"
			   "          {mac: \"02:00:00:00:00:02\", rx_sa: {key_id: \"02\", key_file: k128.key}}]\n",
		   where_at(7, 17), "macsec.peers[1].mac: 02:00:00:00:00:02 is already used by macsec.peers[0]");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n  peers: [{mac: \"02:00:00:00:00:02\"}]\n",
		   "", "macsec.peers[0].rx_sa: missing");
	yaml_fails(MS_HEAD "  tx_sa: {key_id: \"01\", key_file: k128.key}\n  peers: [{mac: \"02:00:00:00:02\", rx_sa: {}}]\n",
		   "", "is not a MAC address");
	yaml_fails(V1 "macsec: {interface: eth0, parent: eth0, tx_sa: {key_id: \"01\", key_file: k128.key}}\n",
		   "", "cannot be its own parent");
}

/* ---- schema: bgp, dpi ---- */

static void test_bgp(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "bgp: {asn: 4294967295, router_id: 192.0.2.1, peers: [{address: \"2001:db8::1\", asn: 1}]}\n");

	assert_true(cfg->bgp.advertise_all_vni);
	assert_int_equal(cfg->bgp.asn, 4294967295u);
	cfg_free(cfg);
	yaml_fails(V1 "bgp: {asn: 0, router_id: 192.0.2.1}\n", "", "bgp.asn: 0 is out of range; an AS number is 1..4294967295");
	yaml_fails(V1 "bgp: {asn: 1, router_id: \"2001:db8::1\"}\n", "", "a router ID is 32 bits");
	yaml_fails(V1 "bgp: {asn: 1}\n", "", "bgp.router_id: missing");
	yaml_fails(V1 "bgp: {asn: 1, router_id: 192.0.2.1, peers: [{address: 10.1.1.1, asn: 1}, {address: 10.1.1.1, asn: 2}]}\n",
		   "", "bgp.peers[1].address: 10.1.1.1 is already used by bgp.peers[0]");
	yaml_fails(V1 "bgp: {asn: 1, router_id: 192.0.2.1, peers: [{address: 10.1.1.1}]}\n", "",
		   "bgp.peers[0].asn: missing");
	yaml_fails(V1 "bgp: {asn: 1, router_id: 192.0.2.1, evpn: {advertise_all_vni: no}}\n", "",
		   "expected true or false");
}

#define BGP1 "bgp: {asn: 64512, router_id: 192.0.2.1, "

static void test_bgp_peers_timers_bfd(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 BGP1 "timers: {keepalive: 1, hold: 3}, "
					  "bfd: {interval_ms: 100}, peers: [{address: 10.1.1.1, asn: 64512, "
					  "route_reflector_client: true, bfd: true, timers: {keepalive: 10, "
					  "hold: 30}}, {address: 10.1.1.2, asn: 65001}]}\n");
	const struct ztos_bgp_peer *p = &cfg->bgp.peers[0];

	assert_true(p->route_reflector_client && p->bfd && p->timers.set);
	assert_int_equal(p->timers.keepalive, 10);
	assert_int_equal(p->timers.hold, 30);
	assert_false(cfg->bgp.peers[1].bfd || cfg->bgp.peers[1].timers.set);
	assert_true(cfg->bgp.timers.set && cfg->bgp.has_bfd);
	assert_int_equal(cfg->bgp.bfd.interval_ms, 100);
	assert_int_equal(cfg->bgp.bfd.multiplier, 3);	/* ztos's default */
	assert_false(p->has_bfd_timing);
	cfg_free(cfg);
	/* no bgp.bfd: ztos's default timing; a peer's own, with what it leaves out defaulted */
	cfg = yaml_ok(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, bfd: true}, {address: "
		      "10.1.1.2, asn: 1, bfd: {interval_ms: 300}}, {address: 10.1.1.3, asn: 1, "
		      "bfd: false}]}\n");
	assert_false(cfg->bgp.has_bfd);
	assert_int_equal(cfg->bgp.bfd.interval_ms, ZTOS_BFD_INTERVAL_DEFAULT);
	assert_int_equal(cfg->bgp.bfd.multiplier, ZTOS_BFD_MULTIPLIER_DEFAULT);
	assert_true(cfg->bgp.peers[1].bfd && cfg->bgp.peers[1].has_bfd_timing);
	assert_int_equal(cfg->bgp.peers[1].bfd_timing.interval_ms, 300);
	assert_int_equal(cfg->bgp.peers[1].bfd_timing.multiplier, ZTOS_BFD_MULTIPLIER_DEFAULT);
	assert_false(cfg->bgp.peers[2].bfd);
	cfg_free(cfg);
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, bfd: {interval_ms: 9}}]}\n", "",
		   "bgp.peers[0].bfd.interval_ms: 9 is out of range");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, bfd: {every: 9}}]}\n", "",
		   "bgp.peers[0].bfd");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, bfd: yes}]}\n", "",
		   "expected true or false");
	yaml_fails(V1 BGP1 "timers: {keepalive: 1, hold: 2}}\n", "",
		   "bgp.timers.hold: a hold time is 0 (never) or 3..65535 seconds");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, timers: {keepalive: 30, hold: 9}}]}\n",
		   "", "bgp.peers[0].timers: keepalive 30 is longer than hold 9");
	yaml_fails(V1 BGP1 "timers: {hold: 9}}\n", "", "bgp.timers.keepalive: missing");
	yaml_fails(V1 BGP1 "bfd: {interval_ms: 5}}\n", "", "bgp.bfd.interval_ms: 5 is out of range");
	yaml_fails(V1 BGP1 "bfd: {multiplier: 1}}\n", "", "bgp.bfd.multiplier: 1 is out of range");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.300, asn: 1}]}\n", "", "bgp.peers[0].address");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 4294967296}]}\n", "",
		   "bgp.peers[0].asn: 4294967296 is out of range");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: abc}]}\n", "", "bgp.peers[0].asn");
	yaml_fails(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, rr_client: true}]}\n", "",
		   "route_reflector_client");
}

static void test_evpn_tenants(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 BGP1 "}\ntenants:\n  - {name: blue, vni: 100, evpn: "
					  "{rd: \"192.0.2.1:100\", rt: [\"64512:100\"], rt_import: "
					  "[\"4200000000:7\"], rt_export: [\"192.0.2.1:9\"]}}\n");
	const struct ztos_tenant *t = &cfg->tenants[0];

	assert_string_equal(t->evpn_rd, "192.0.2.1:100");
	assert_int_equal(t->n_rt_import, 2);
	assert_int_equal(t->n_rt_export, 2);
	assert_string_equal(t->rt_import[1], "4200000000:7");
	assert_string_equal(t->rt_export[1], "192.0.2.1:9");
	cfg_free(cfg);
	yaml_fails(V1 BGP1 "}\ntenants: [{name: b, vni: 1, evpn: {rd: abc}}]\n", "",
		   "tenants[0].evpn.rd: 'abc' is not a route distinguisher");
	/* a 4-byte AS takes a 2-byte number; an IPv4 address too */
	yaml_fails(V1 BGP1 "}\ntenants: [{name: b, vni: 1, evpn: {rt: [\"4200000000:70000\"]}}]\n",
		   "", "tenants[0].evpn.rt[0]: '4200000000:70000' is not a route target");
	yaml_fails(V1 BGP1 "}\ntenants: [{name: b, vni: 1, evpn: {rt: [\"192.0.2.1:70000\"]}}]\n",
		   "", "is not a route target");
	yaml_fails(V1 BGP1 "}\ntenants: [{name: b, vni: 1, evpn: {rt: [\"64512:-1\"]}}]\n", "",
		   "is not a route target");
	yaml_fails(V1 "tenants: [{name: b, vni: 1, evpn: {rd: \"1:1\"}}]\n", "",
		   "tenants[0].evpn: an RD or route target is for BGP EVPN: add a bgp: section");
	yaml_fails(V1 BGP1 "}\nunderlay: {interface: eth0, address: \"2001:db8::1\"}\n", "",
		   "underlay.address: BGP EVPN (FRR 8.4) announces IPv4 VTEPs only");
}

/* Gateways: IPv4 host addresses of the tenant's subnets, one a subnet, in a VRF. */
static void test_gateways(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "tenants:\n  - {name: b, vni: 1, subnets: "
					  "[10.1.0.0/24, 10.2.0.0/16], gateways: [10.1.0.1, 10.2.3.4], "
					  "vrf: {table: 10, l3vni: 5001}}\n");
	const struct ztos_tenant *t = &cfg->tenants[0];
	char buf[INET6_ADDRSTRLEN + 4];

	assert_int_equal(t->n_gateways, 2);
	assert_string_equal(ztos_cidr_str(&t->gateways[0], buf, sizeof(buf)), "10.1.0.1/24");
	assert_string_equal(ztos_cidr_str(&t->gateways[1], buf, sizeof(buf)), "10.2.3.4/16");
	cfg_free(cfg);
#define GW(list) V1 "tenants:\n  - {name: b, vni: 1, subnets: [10.1.0.0/24, 10.3.0.0/31, " \
		"\"2001:db8::/64\"], gateways: " list ", vrf: {table: 10}}\n"
	yaml_fails(GW("[10.9.0.1]"), "", "tenants[0].gateways[0]: 10.9.0.1 is in none of tenant "
		   "b's subnets: add its subnet to subnets");
	yaml_fails(GW("[10.1.0.1, 10.1.0.2]"), "", "tenants[0].gateways[1]: 10.1.0.2: 10.1.0.0/24 "
		   "has gateway 10.1.0.1 already (gateways[0]): a subnet has one gateway");
	yaml_fails(GW("[10.1.0.0]"), "", "tenants[0].gateways[0]: 10.1.0.0 is the network address "
		   "of 10.1.0.0/24: a gateway needs a host address");
	yaml_fails(GW("[10.1.0.255]"), "", "is the broadcast address of 10.1.0.0/24");
	yaml_fails(GW("[\"2001:db8::1\"]"), "", "tenants[0].gateways[0]: 2001:db8::1: IPv6 "
		   "gateways are not supported yet");
	yaml_fails(GW("[10.1.0.300]"), "", "tenants[0].gateways[0]");
	/* a /31 has no network or broadcast address to refuse */
	cfg = yaml_ok(GW("[10.3.0.0]"));
	cfg_free(cfg);
	yaml_fails(V1 "tenants:\n  - {name: b, vni: 1, subnets: [10.1.0.0/24], gateways: "
		   "[10.1.0.1]}\n", "", "tenants[0].gateways: a gateway routes tenant b's "
		   "traffic, which ztos keeps in the tenant's own VRF: add vrf");
#undef GW
}

static void test_agent_frr(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "agent: {frr: {pathspace: ztos-a1, dir: /opt/frr, "
					  "mode: host}}\n");

	assert_string_equal(cfg->frr.pathspace, "ztos-a1");
	assert_string_equal(cfg->frr.dir, "/opt/frr");
	assert_int_equal(cfg->frr.mode, ZTOS_FRR_HOST);
	cfg_free(cfg);
	cfg = yaml_ok(V1);
	assert_string_equal(cfg->frr.pathspace, "");	/* made from state_dir by agent/frr */
	assert_string_equal(cfg->frr.dir, "/usr/lib/frr");
	assert_int_equal(cfg->frr.mode, ZTOS_FRR_AUTO);
	cfg_free(cfg);
	yaml_fails(V1 "agent: {frr: {pathspace: \"a/b\"}}\n", "",
		   "agent.frr.pathspace: 'a/b' is not an FRR pathspace name");
	yaml_fails(V1 "agent: {frr: {pathspace: \"..\"}}\n", "", "is not an FRR pathspace name");
	yaml_fails(V1 "agent: {frr: {mode: mine}}\n", "", "agent.frr.mode");
}

static void test_dpi(void **state)
{
	struct ztos_config *cfg = yaml_ok(V1 "dpi: {rules: [local.rules], engine: cuda}\n");

	assert_true(cfg->dpi.enabled);
	assert_int_equal(cfg->dpi.engine, ZTOS_DPI_CUDA);
	assert_int_equal(cfg->dpi.on_alert, ZTOS_ON_ALERT_LOG);
	assert_int_equal(cfg->dpi.n_rules, 1);
	assert_int_equal(cfg->dpi.batch_size, ZTOS_DPI_BATCH_DEFAULT);
	assert_int_equal(cfg->dpi.batch_timeout_us, ZTOS_DPI_BATCH_TIMEOUT_DEFAULT);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "dpi: {batch_size: 4096, batch_timeout_us: 50}\n");
	assert_int_equal(cfg->dpi.batch_size, 4096);
	assert_int_equal(cfg->dpi.batch_timeout_us, 50);
	cfg_free(cfg);
	yaml_fails(V1 "dpi: {batch_size: 0}\n", where_at(2, 19), "batch size");
	yaml_fails(V1 "dpi: {batch_size: 4097}\n", "", "1..4096");
	yaml_fails(V1 "dpi: {batch_timeout_us: 2000000}\n", "", "batch timeout");
	cfg = yaml_ok(V1 "dpi: {}\n");
	assert_int_equal(cfg->dpi.inspect_depth, 0);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "dpi: {inspect_depth: 1M}\n");
	assert_int_equal(cfg->dpi.inspect_depth, 1048576);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "dpi: {inspect_depth: 1500}\n");
	assert_int_equal(cfg->dpi.inspect_depth, 1500);
	cfg_free(cfg);
	cfg = yaml_ok(V1 "dpi: {inspect_depth: 1024G}\n");
	assert_int_equal(cfg->dpi.inspect_depth, ZTOS_DPI_DEPTH_MAX);
	cfg_free(cfg);
	yaml_fails(V1 "dpi: {inspect_depth: 1025G}\n", where_at(2, 22),
		   "'1025G' is too large; inspect_depth (0: every byte) is at most 1099511627776 bytes");
	yaml_fails(V1 "dpi: {inspect_depth: 2000000000000}\n", "", "inspect_depth (0: every byte) is 0..1099511627776");
	yaml_fails(V1 "dpi: {inspect_depth: -1}\n", "", "inspect_depth");
	yaml_fails(V1 "dpi: {inspect_depth: 1X}\n", "", "'1X' is not a size");
	yaml_fails(V1 "dpi: {inspect_depth: [1]}\n", "", "expected a size such as 64M");
	yaml_fails(V1 "dpi: {rules: [missing.rules]}\n", where_at(2, 15), "missing.rules: No such file");
	yaml_fails(V1 "dpi: {engine: gpu}\n", "", "'gpu' is not one of: auto, cpu, cuda, noop");
	yaml_fails(V1 "dpi: {on_alert: drop}\n", "", "'drop' is not one of: log, block");
	yaml_fails(V1 "dpi: {rules: local.rules}\n", "", "dpi.rules: expected a list");
}

/* ---- merge ---- */

static const char merge_base[] =
	V1
	"tenants:\n"
	"  - {name: blue, vni: 100, vteps: [192.0.2.2], subnets: [10.100.0.0/24]}\n"
	"  - {name: red, vni: 200}\n"
	"bgp:\n"
	"  asn: 64512\n"
	"  router_id: 192.0.2.1\n"
	"  peers: [{address: 10.1.1.1, asn: 64512}, {address: \"2001:db8::1\", asn: 64512}]\n"
	"macsec:\n"
	"  interface: ms0\n"
	"  parent: eth0\n"
	"  tx_sa: {key_id: \"01\", key_file: k128.key}\n"
	"  peers: [{mac: \"02:00:00:00:00:0a\", rx_sa: {key_id: \"01\", key_file: k128.key}}]\n";

struct merged {
	struct cfg_node *tree;
	struct ztos_config *cfg;
	struct cfg_errors errs;
	int err;
};

static void merge_json(struct merged *m, const char *json)
{
	struct cfg_node *patch = json_tree(json);
	struct ztos_config *base = NULL;

	memset(m, 0, sizeof(*m));
	write_file("t.yaml", merge_base, 0600);
	assert_int_equal(cfg_load_file(cfg_path, &m->tree, &base, &m->errs), 0);
	cfg_free(base);
	assert_int_equal(cfg_merge(m->tree, patch), 0);
	cfg_node_free(patch);
	m->err = cfg_build(m->tree, dir, &m->cfg, &m->errs);
}

static void merged_free(struct merged *m)
{
	cfg_free(m->cfg);
	cfg_node_free(m->tree);
	cfg_errors_free(&m->errs);
}

static void test_merge_tenants(void **state)
{
	struct merged m;

	merge_json(&m, "{\"tenants\": [{\"name\": \"green\", \"vni\": 300},"
		       " {\"name\": \"blue\", \"vni\": 150, \"vteps\": [\"192.0.2.3\"]},"
		       " {\"name\": \"red\", \"remove\": true},"
		       " {\"name\": \"nobody\", \"remove\": true}]}");
	assert_int_equal(m.err, 0);
	assert_int_equal(m.cfg->n_tenants, 2);
	assert_string_equal(m.cfg->tenants[0].name, "blue");
	assert_int_equal(m.cfg->tenants[0].vni, 150);
	/* lists inside an element replace; the element's other keys stay */
	assert_int_equal(m.cfg->tenants[0].n_vteps, 1);
	assert_int_equal(m.cfg->tenants[0].vteps[0].v4.s_addr, htonl(0xc0000203));
	assert_int_equal(m.cfg->tenants[0].n_subnets, 1);
	assert_string_equal(m.cfg->tenants[1].name, "green");
	assert_int_equal(m.cfg->tenants[1].vni, 300);
	merged_free(&m);
}

static void test_merge_peers(void **state)
{
	struct merged m;

	merge_json(&m, "{\"bgp\": {\"peers\": [{\"address\": \"10.1.1.1\", \"asn\": 65000},"
		       " {\"address\": \"2001:DB8:0::1\", \"remove\": true},"
		       " {\"address\": \"10.1.1.2\", \"asn\": 65001}]},"
		       " \"macsec\": {\"peers\": [{\"mac\": \"02:00:00:00:00:0A\", \"port\": 7}]}}");
	assert_int_equal(m.err, 0);
	assert_int_equal(m.cfg->bgp.n_peers, 2);
	assert_int_equal(m.cfg->bgp.peers[0].asn, 65000);
	assert_int_equal(m.cfg->bgp.peers[1].asn, 65001);
	assert_int_equal(m.cfg->bgp.asn, 64512);
	assert_int_equal(m.cfg->macsec.n_peers, 1);
	assert_int_equal(m.cfg->macsec.peers[0].port, 7);
	merged_free(&m);
}

static void test_merge_null_and_scalars(void **state)
{
	struct merged m;

	merge_json(&m, "{\"macsec\": null, \"bgp\": {\"asn\": 65010},"
		       " \"underlay\": {\"interface\": \"eth1\", \"address\": \"192.0.2.9\"}}");
	assert_int_equal(m.err, 0);
	assert_false(m.cfg->has_macsec);
	assert_int_equal(m.cfg->bgp.asn, 65010);
	assert_int_equal(m.cfg->bgp.n_peers, 2);
	assert_string_equal(m.cfg->underlay.interface, "eth1");
	merged_free(&m);
}

static void test_merge_error_locations(void **state)
{
	struct merged m;

	/* the file's nodes keep FILE:LINE:COL, the request's nodes get their path */
	merge_json(&m, "{\"tenants\": [{\"name\": \"green\", \"vni\": 0}, {\"name\": \"blue\", \"vni\": \"x\"}]}");
	assert_int_equal(m.err, -EINVAL);
	expect_error(&m.errs, "tenants[2].vni", "tenants[2].vni: 0 is out of range");
	expect_error(&m.errs, "tenants[0].vni", "expected an integer, got the string 'x'");
	merged_free(&m);
	merge_json(&m, "{\"tenants\": [{\"name\": \"red\", \"vni\": 100}]}");
	assert_int_equal(m.err, -EINVAL);
	expect_error(&m.errs, "tenants[1].vni", "100 is already used by tenants[0]");
	merged_free(&m);
}

static void test_clone(void **state)
{
	struct cfg_errors e = { 0 };
	struct cfg_node *tree = NULL, *copy;
	struct ztos_config *a = NULL, *b = NULL;

	write_file("t.yaml", merge_base, 0600);
	assert_int_equal(cfg_load_file(cfg_path, &tree, &a, &e), 0);
	copy = cfg_node_clone(tree);
	assert_non_null(copy);
	assert_int_equal(cfg_build(copy, dir, &b, &e), 0);
	assert_int_equal(b->n_tenants, a->n_tenants);
	assert_int_equal(b->bgp.n_peers, 2);
	cfg_free(a);
	cfg_free(b);
	cfg_node_free(tree);
	cfg_node_free(copy);
}

/* ---- diff ---- */

static const struct cfg_change *find_change(const struct cfg_change *v, size_t n,
					    const char *object)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].object, object))
			return &v[i];
	fail_msg("no change of '%s'", object);
	return NULL;
}

static void test_diff(void **state)
{
	struct ztos_config *a, *b;
	const struct cfg_change *c;
	struct cfg_change *v;
	size_t n;

	a = yaml_ok(V1 "tenants:\n  - {name: blue, vni: 100, vteps: [192.0.2.2]}\n  - {name: red, vni: 200}\n"
		    "bgp: {asn: 1, router_id: 192.0.2.1, peers: [{address: 10.1.1.1, asn: 1}]}\n"
		    "wireguard: {interface: wg0, private_key_file: wg.key}\n");
	write_file("wg2.key", wg_key, 0600);
	b = yaml_ok(V1 "agent: {api: {listen: \"0.0.0.0:8080\"}}\n"
		    "tenants:\n  - {name: blue, vni: 200, vteps: [192.0.2.3], vrf: {table: 5}}\n  - {name: green, vni: 300}\n"
		    "bgp: {asn: 1, router_id: 192.0.2.1, peers: [{address: 10.1.1.1, asn: 2}, {address: 10.1.1.2, asn: 3}]}\n"
		    "wireguard: {interface: wg0, private_key_file: wg2.key}\n"
		    "dpi: {}\n");
	assert_int_equal(cfg_diff(a, b, &v, &n), 0);
	c = find_change(v, n, "agent.api");
	assert_int_equal(c->op, CFG_CHANGE);
	assert_string_equal(c->detail, "listen 127.0.0.1:8080 -> 0.0.0.0:8080");
	c = find_change(v, n, "tenant blue");
	assert_int_equal(c->op, CFG_CHANGE);
	assert_string_equal(c->detail, "vni 100 -> 200; vteps +192.0.2.3 -192.0.2.2; vrf added");
	assert_int_equal(find_change(v, n, "tenant red")->op, CFG_REMOVE);
	c = find_change(v, n, "tenant green");
	assert_int_equal(c->op, CFG_ADD);
	assert_string_equal(c->detail, "vni 300");
	assert_string_equal(find_change(v, n, "bgp peer 10.1.1.1")->detail, "asn 1 -> 2");
	cfg_changes_free(v, n);
	{
		struct ztos_config *x = yaml_ok(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1}]}\n");
		struct ztos_config *y = yaml_ok(V1 BGP1 "peers: [{address: 10.1.1.1, asn: 1, bfd: "
						"true, timers: {keepalive: 3, hold: 9}}]}\n");

		assert_int_equal(cfg_diff(x, y, &v, &n), 0);
		assert_string_equal(find_change(v, n, "bgp peer 10.1.1.1")->detail,
				    "bfd false -> true; timers default -> 3/9");
		cfg_changes_free(v, n);
		cfg_free(x);
		cfg_free(y);
	}
	assert_int_equal(cfg_diff(a, b, &v, &n), 0);
	assert_int_equal(find_change(v, n, "bgp peer 10.1.1.2")->op, CFG_ADD);
	c = find_change(v, n, "wireguard");
	assert_non_null(strstr(c->detail, "private_key_file "));
	assert_non_null(strstr(c->detail, "/wg2.key"));
	assert_int_equal(find_change(v, n, "dpi")->op, CFG_ADD);
	assert_string_equal(cfg_change_op_str(CFG_REMOVE), "remove");
	cfg_changes_free(v, n);
	{
		struct ztos_config *x = yaml_ok(V1 "dpi: {}\n");
		struct ztos_config *y = yaml_ok(V1 "dpi: {inspect_depth: 1M}\n");

		assert_int_equal(cfg_diff(x, y, &v, &n), 0);
		assert_string_equal(find_change(v, n, "dpi")->detail, "inspect_depth 0 -> 1048576");
		cfg_changes_free(v, n);
		cfg_free(x);
		cfg_free(y);
	}
	/* no change, no entries */
	assert_int_equal(cfg_diff(a, a, &v, &n), 0);
	assert_int_equal(n, 0);
	cfg_changes_free(v, n);
	cfg_free(a);
	cfg_free(b);
}

/* ---- values ---- */

static void test_values(void **state)
{
	struct ztos_cidr c, net;
	uint8_t buf[40];
	char *p;

	assert_int_equal(cfg_base64_decode("AAECAw==", 8, buf, sizeof(buf)), 4);
	assert_int_equal(buf[3], 3);
	assert_int_equal(cfg_base64_decode("AAECAwQ=", 8, buf, sizeof(buf)), 5);
	assert_int_equal(cfg_base64_decode("AAE=AwQ=", 8, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(cfg_base64_decode("AAECA", 5, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(cfg_base64_decode("A=EC", 4, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(cfg_hex_decode("0aFF", 4, buf, sizeof(buf)), 2);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(cfg_hex_decode("0g", 2, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(cfg_parse_cidr("10.1.2.3/16", &c), 0);
	assert_true(cfg_cidr_host_bits(&c, &net));
	assert_int_equal(net.addr.v4.s_addr, htonl(0x0a010000));
	assert_int_equal(cfg_parse_cidr("10.0.0.0/-1", &c), -EINVAL);
	assert_int_equal(cfg_edit_distance("vtep", "vteps"), 1);
	assert_int_equal(cfg_edit_distance("Underlay", "underlay"), 0);
	p = cfg_path_resolve("/etc/ztos", "../x/./y");
	assert_string_equal(p, "/etc/x/y");
	free(p);
	p = cfg_path_resolve("/etc", "/../../a");
	assert_string_equal(p, "/a");
	free(p);
}

/* More than the datapath's maps hold is refused at validation, never half-loaded. */
static void test_map_limits(void **state)
{
	size_t cap = 1 << 20, n = 0;
	char *json = malloc(cap);

	assert_non_null(json);
	n += snprintf(json + n, cap - n, "{\"version\": 1, \"tenants\": [{\"name\": \"a\", "
		      "\"vni\": 1, \"policy\": {\"rules\": [");
	for (int i = 0; i <= ZTOS_MAX_RULES; i++)
		n += snprintf(json + n, cap - n, "%s{\"action\": \"deny\", \"proto\": \"tcp\", "
			      "\"dport\": %d}", i ? "," : "", i + 1);
	snprintf(json + n, cap - n, "]}}]}");
	json_fails(json, "tenants[0].policy.rules", "65 rules; the datapath holds 64");

	n = snprintf(json, cap, "{\"version\": 1, \"tenants\": [");
	for (int i = 0; i <= ZTOS_MAX_TENANTS; i++)
		n += snprintf(json + n, cap - n, "%s{\"name\": \"t%d\", \"vni\": %d}",
			      i ? "," : "", i, i + 1);
	snprintf(json + n, cap - n, "]}");
	json_fails(json, "tenants", "4097 tenants; the datapath holds 4096");
	free(json);
}

/* The checks that compare items (overlaps, duplicates) find what pairwise ones found. */
static void test_overlaps_and_duplicates(void **state)
{
	struct ztos_config *cfg;

	/* one peer may hold a prefix inside another of its own; not the same one twice */
	cfg = yaml_ok(WG_HEAD "    - {name: b, public_key: " PK1 ", allowed_ips: [10.0.0.0/8, 10.1.0.0/16]}\n"
		      "    - {name: c, public_key: " PK2 ", allowed_ips: [192.0.2.0/24, 2001:db8::/32]}\n");
	cfg_free(cfg);
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", allowed_ips: [10.1.0.0/16, 10.1.0.0/16]}\n", "",
		   "wireguard.peers[0].allowed_ips[1]: 10.1.0.0/16 overlaps 10.1.0.0/16 of peer b");
	/* a prefix of another peer inside a later one: the later names the earliest */
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", allowed_ips: [10.1.2.0/24]}\n"
			   "    - {name: c, public_key: " PK2 ", allowed_ips: [10.0.0.0/8, 10.1.0.0/16]}\n", "",
		   "wireguard.peers[1].allowed_ips[0]: 10.0.0.0/8 overlaps 10.1.2.0/24 of peer b");
	yaml_fails(WG_HEAD "    - {name: b, public_key: " PK1 ", allowed_ips: [10.1.2.0/24]}\n"
			   "    - {name: c, public_key: " PK2 ", allowed_ips: [10.0.0.0/8, 10.1.0.0/16]}\n", "",
		   "wireguard.peers[1].allowed_ips[1]: 10.1.0.0/16 overlaps 10.1.2.0/24 of peer b");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, interfaces: [v0, v1]}\n"
		   "  - {name: b, vni: 2, interfaces: [v2, v1, v2]}\n", "",
		   "tenants[1].interfaces[1]: v1 already belongs to tenant a");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, interfaces: [v0, v1]}\n"
		   "  - {name: b, vni: 2, interfaces: [v2, v1, v2]}\n", "",
		   "tenants[1].interfaces[2]: v2 already belongs to tenant b");
	yaml_fails(V1 "tenants:\n  - {name: a, vni: 1, vteps: [192.0.2.1, 192.0.2.2, 192.0.2.1]}\n", "",
		   "tenants[0].vteps[2]: 192.0.2.1 is listed twice (also at tenants[0].vteps[0])");
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * ASan (make test SAN=1) makes this allocation-heavy code 10 to 20 times slower; the
 * quadratic checks these bounds catch would still take minutes there.
 */
#ifdef __SANITIZE_ADDRESS__
#define TIME_SCALE 20.0
#else
#define TIME_SCALE 1.0
#endif

/* text (YAML when it starts with "version", else JSON) parsed and built within limit_s. */
static void build_within(const char *what, const char *text, double limit_s, bool ok)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *root = NULL;
	double t0 = seconds(), took;
	int err;

	err = strncmp(text, "version", 7) ? cfg_parse_json(text, strlen(text), &root, &e) :
					     cfg_parse_yaml("t.yaml", text, strlen(text), &root, &e);
	if (!err)
		err = cfg_build(root, dir, &cfg, &e);
	took = seconds() - t0;
	limit_s *= TIME_SCALE;
	if (took > limit_s || (err == 0) != ok)
		fail_msg("%s: %.2f s (at most %.2f), %s", what, took, limit_s,
			 err ? (e.n ? e.v[0].message : "error") : "accepted");
	cfg_free(cfg);
	cfg_node_free(root);
	cfg_errors_free(&e);
}

/*
 * Hostile sizes, each within a second (each took 2 to 11 s when the checks compared
 * every pair): 40,000 keys in a map, 40,000 VTEPs, 40,000 allowed IPs, 60,000 tenant
 * interfaces; a patch of 4096 tenants over 4096; a list past the item limit is refused.
 */
static void test_large_configs(void **state)
{
	size_t cap = 16 << 20, n = 0;
	char *t = malloc(cap);
	struct cfg_errors e = { 0 };
	struct cfg_node *base = NULL, *patch = NULL;
	double t0;

	assert_non_null(t);
	n = snprintf(t, cap, V1 "underlay:\n");
	for (int i = 0; i < 40000; i++)
		n += snprintf(t + n, cap - n, "  k%d: 1\n", i);
	build_within("40,000 keys", t, 1.0, false);

	n = snprintf(t, cap, V1 "tenants:\n  - name: a\n    vni: 1\n    vteps:\n");
	for (int i = 0; i < 40000; i++)
		n += snprintf(t + n, cap - n, "      - 10.%d.%d.%d\n", i >> 16, (i >> 8) & 255, i & 255);
	build_within("40,000 VTEPs", t, 1.0, true);

	n = snprintf(t, cap, WG_HEAD);
	for (int i = 0; i < 2000; i++) {
		n += snprintf(t + n, cap - n, "    - {name: p%d, public_key: \"%043dA=\", allowed_ips: [", i,
			      i);
		for (int k = 0; k < 20; k++)
			n += snprintf(t + n, cap - n, "%s10.%d.%d.%d/32", k ? ", " : "", i >> 8,
				      i & 255, k);
		n += snprintf(t + n, cap - n, "]}\n");
	}
	build_within("40,000 allowed IPs", t, 1.0, false);

	n = snprintf(t, cap, V1 "tenants:\n");
	for (int i = 0; i < 4000; i++) {
		n += snprintf(t + n, cap - n, "  - {name: t%d, vni: %d, interfaces: [", i, i + 1);
		for (int k = 0; k < 15; k++)
			n += snprintf(t + n, cap - n, "%sv%dx%d", k ? ", " : "", i, k);
		n += snprintf(t + n, cap - n, "]}\n");
	}
	build_within("60,000 tenant interfaces", t, 1.0, false);

	n = snprintf(t, cap, "{\"version\": 1, \"tenants\": [");
	for (int i = 0; i < 4096; i++)
		n += snprintf(t + n, cap - n, "%s{\"name\": \"t%d\", \"vni\": %d}", i ? ", " : "", i, i + 1);
	snprintf(t + n, cap - n, "]}");
	base = json_tree(t);
	n = snprintf(t, cap, "{\"tenants\": [");
	for (int i = 0; i < 4096; i++)
		n += snprintf(t + n, cap - n, "%s{\"name\": \"T%d\", \"vni\": %d}", i ? ", " : "",
			      4095 - i, 4096 - i);
	snprintf(t + n, cap - n, "]}");
	patch = json_tree(t);
	t0 = seconds();
	assert_int_equal(cfg_merge(base, patch), 0);
	if (seconds() - t0 > 0.5 * TIME_SCALE)
		fail_msg("a patch of 4096 tenants over 4096: %.2f s", seconds() - t0);
	assert_int_equal(cfg_map_get(base, "tenants")->n, 4096);	/* names match in any case */
	cfg_node_free(base);
	cfg_node_free(patch);

	n = snprintf(t, cap, "{\"version\": 1, \"tenants\": [{\"name\": \"a\", \"vni\": 1, \"vteps\": [");
	for (int i = 0; i <= CFG_ITEMS_MAX; i++)
		n += snprintf(t + n, cap - n, "%s1", i ? "," : "");
	snprintf(t + n, cap - n, "]}]}");
	assert_int_equal(cfg_parse_json(t, strlen(t), &base, &e), -EINVAL);
	expect_error(&e, "tenants[0].vteps", "more than 65536 items");
	cfg_errors_free(&e);
	free(t);
}

/*
 * Key files are read with one open that neither follows a link nor waits on a FIFO, and
 * checked on the descriptor: what validation passed and apply reads are the same file.
 */
static void test_secret_read(void **state)
{
	char path[256], target[256], buf[256], why[512];
	char big[300];

	alarm(10);	/* a read that waits on the FIFO fails the test instead of hanging it */
	snprintf(path, sizeof(path), "%s/fifo.key", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "is not a regular file"));

	snprintf(target, sizeof(target), "%s/wg.key", dir);
	snprintf(path, sizeof(path), "%s/link.key", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why)), -ELOOP);
	assert_non_null(strstr(why, "symbolic link"));

	assert_int_equal(cfg_secret_read(target, false, buf, sizeof(buf), why, sizeof(why)),
			 (ssize_t)strlen(wg_key));
	assert_memory_equal(buf, wg_key, strlen(wg_key));
	snprintf(path, sizeof(path), "%s/wg-open.key", dir);
	assert_int_equal(cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "chmod 600"));

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("big.key", big, 0600);
	snprintf(path, sizeof(path), "%s/big.key", dir);
	assert_int_equal(cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why)), -EFBIG);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "chown"));
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_example),
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_yaml_duplicate_key),
		cmocka_unit_test(test_yaml_refused),
		cmocka_unit_test(test_yaml_deep),
		cmocka_unit_test(test_yaml_nul),
		cmocka_unit_test(test_json_syntax),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_paths),
		cmocka_unit_test(test_location_of_value),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_missing_key_location),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_plain_number_as_string),
		cmocka_unit_test(test_agent_listen),
		cmocka_unit_test(test_agent_paths),
		cmocka_unit_test(test_agent_token_file),
		cmocka_unit_test(test_agent_tls),
		cmocka_unit_test(test_agent_log),
		cmocka_unit_test(test_underlay),
		cmocka_unit_test(test_tenant_names_and_vnis),
		cmocka_unit_test(test_tenant_vteps_and_interfaces),
		cmocka_unit_test(test_tenant_subnets),
		cmocka_unit_test(test_tenant_vrf),
		cmocka_unit_test(test_tenant_policy),
		cmocka_unit_test(test_secret_mode_mkstemp),
		cmocka_unit_test(test_secret_read),
		cmocka_unit_test(test_wireguard),
		cmocka_unit_test(test_wireguard_errors),
		cmocka_unit_test(test_wireguard_peers),
		cmocka_unit_test(test_wireguard_endpoint_name),
		cmocka_unit_test(test_macsec),
		cmocka_unit_test(test_macsec_errors),
		cmocka_unit_test(test_bgp),
		cmocka_unit_test(test_bgp_peers_timers_bfd),
		cmocka_unit_test(test_evpn_tenants),
		cmocka_unit_test(test_gateways),
		cmocka_unit_test(test_agent_frr),
		cmocka_unit_test(test_dpi),
		cmocka_unit_test(test_merge_tenants),
		cmocka_unit_test(test_merge_peers),
		cmocka_unit_test(test_merge_null_and_scalars),
		cmocka_unit_test(test_merge_error_locations),
		cmocka_unit_test(test_clone),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_map_limits),
		cmocka_unit_test(test_overlaps_and_duplicates),
		cmocka_unit_test(test_large_configs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
