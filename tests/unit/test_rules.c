// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the DPI rule parser (gpu/rules.c): what each keyword loads, and where
 * bad or unsupported rules are reported (FILE:LINE:COL) and skipped, never half-loaded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpu/rules.h"

static void load(struct dpi_ruleset *rs, const char *text)
{
	dpi_ruleset_init(rs);
	assert_int_equal(dpi_rules_load_text(rs, "t.rules", text, strlen(text)), 0);
}

/* The ruleset has exactly one error, and it is this one. */
static void expect_error(const char *text, const char *error, size_t invalid, size_t unsup)
{
	struct dpi_ruleset rs;

	load(&rs, text);
	if (rs.n_errors != 1 || strcmp(rs.errors[0], error))
		fail_msg("rule: %s\nexpected: %s\ngot %zu errors, first: %s", text, error,
			 rs.n_errors, rs.n_errors ? rs.errors[0] : "(none)");
	assert_int_equal(rs.n, 0);
	assert_int_equal(rs.invalid, invalid);
	assert_int_equal(rs.unsupported, unsup);
	dpi_ruleset_free(&rs);
}

static void test_full_rule(void **state)
{
	struct dpi_ruleset rs;
	const struct dpi_rule *r;

	load(&rs, "# a comment\n\n"
		  "drop tcp [10.0.0.0/8,!10.1.0.0/16] any -> 192.0.2.1 [80,8000:8080] "
		  "(msg:\"evil \\\"x\\\"\"; flow:to_server,established; content:\"GET|20 2f|\"; "
		  "nocase; offset:2; depth:40; content:\"a|3b|b\"; distance:1; within:10; "
		  "pcre:\"/ev[i]l/smi\"; sid:1000; rev:3; classtype:trojan-activity; "
		  "priority:2; metadata:created_at 2024; fast_pattern;)\n");
	assert_int_equal(rs.n_errors, 0);
	assert_int_equal(rs.n, 1);
	r = &rs.rules[0];
	assert_int_equal(r->action, DPI_ACTION_DROP);
	assert_int_equal(r->proto, DPI_PROTO_TCP);
	assert_string_equal(r->msg, "evil \"x\"");
	assert_int_equal(r->flow, DPI_FLOW_TO_SERVER);
	assert_true(r->established);
	assert_int_equal(r->sid, 1000);
	assert_int_equal(r->rev, 3);
	assert_int_equal(r->priority, 2);
	assert_string_equal(r->classtype, "trojan-activity");
	assert_int_equal(r->line, 3);
	assert_int_equal(r->n_contents, 2);
	assert_int_equal(r->contents[0].len, 5);
	assert_memory_equal(r->contents[0].bytes, "GET /", 5);
	assert_int_equal(r->contents[0].flags, DPI_C_NOCASE | DPI_C_OFFSET | DPI_C_DEPTH);
	assert_int_equal(r->contents[0].offset, 2);
	assert_int_equal(r->contents[0].depth, 40);
	assert_memory_equal(r->contents[1].bytes, "a;b", 3);
	assert_int_equal(r->contents[1].flags, DPI_C_DISTANCE | DPI_C_WITHIN);
	assert_int_equal(r->contents[1].distance, 1);
	assert_int_equal(r->contents[1].within, 10);
	assert_int_equal(r->n_pcres, 1);
	assert_string_equal(r->pcres[0].expr, "ev[i]l");
	assert_int_equal(r->pcres[0].flags,
			 DPI_PCRE_DOTALL | DPI_PCRE_MULTILINE | DPI_PCRE_CASELESS);
	assert_int_equal(r->src.n, 2);
	assert_false(r->src.v[0].neg);
	assert_int_equal(r->src.v[0].prefix, 8);
	assert_true(r->src.v[1].neg);
	assert_int_equal(r->dst.v[0].prefix, 32);
	assert_int_equal(r->dport.n, 2);
	assert_int_equal(r->dport.v[1].lo, 8000);
	assert_int_equal(r->dport.v[1].hi, 8080);
	assert_true(r->sport.any);
	dpi_ruleset_free(&rs);
}

static void test_header_match(void **state)
{
	struct dpi_ruleset rs;
	struct dpi_tuple t = { .family = 4, .proto = 6, .sport = 40000, .dport = 8080 };

	load(&rs, "alert tcp [10.0.0.0/8,!10.1.0.0/16] any -> any ![22,23] (content:\"x\"; "
		  "sid:1;)\n"
		  "alert udp any 53 <> 192.0.2.0/24 any (content:\"x\"; sid:2;)\n"
		  "alert ip any any -> 2001:db8::/32 any (content:\"x\"; sid:3;)\n");
	assert_int_equal(rs.n, 3);
	inet_pton(AF_INET, "10.2.3.4", t.saddr);
	inet_pton(AF_INET, "192.0.2.9", t.daddr);
	assert_true(dpi_rule_match_tuple(&rs.rules[0], &t));
	t.dport = 22;
	assert_false(dpi_rule_match_tuple(&rs.rules[0], &t));
	t.dport = 8080;
	inet_pton(AF_INET, "10.1.3.4", t.saddr);
	assert_false(dpi_rule_match_tuple(&rs.rules[0], &t));
	/* udp, "<>": the reply direction matches too */
	t.proto = 17;
	assert_false(dpi_rule_match_tuple(&rs.rules[0], &t));
	t.sport = 1234;
	t.dport = 53;
	inet_pton(AF_INET, "192.0.2.9", t.saddr);
	inet_pton(AF_INET, "198.51.100.1", t.daddr);
	assert_true(dpi_rule_match_tuple(&rs.rules[1], &t));
	t.dport = 54;
	assert_false(dpi_rule_match_tuple(&rs.rules[1], &t));
	/* IPv6 */
	t.family = 6;
	inet_pton(AF_INET6, "2001:db8::1", t.daddr);
	assert_true(dpi_rule_match_tuple(&rs.rules[2], &t));
	inet_pton(AF_INET6, "2001:db9::1", t.daddr);
	assert_false(dpi_rule_match_tuple(&rs.rules[2], &t));
	dpi_ruleset_free(&rs);
}

static void test_errors(void **state)
{
	expect_error("alert tcp any any -> any any (content:\"x\"; foo:1; sid:1;)\n",
		     "t.rules:1:44: unknown keyword (not one of Suricata's this parser knows)", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; http_uri; sid:1;)\n",
		     "t.rules:1:44: unsupported keyword 'http_uri'", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"a|4g|\"; sid:1;)\n",
		     "t.rules:1:43: expected a hex digit (0-9, a-f) between '|'", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"a|41\"; sid:1;)\n",
		     "t.rules:1:39: '|' without its closing '|'", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; sid:1;\n",
		     "t.rules:1:50: rule ends without ')'", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; sid:1)\n",
		     "t.rules:1:44: option is not ended by ';'", 1, 0);
	expect_error("alert tcp any any -> any any (nocase; content:\"x\"; sid:1;)\n",
		     "t.rules:1:31: 'nocase' needs a content before it", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; distance:2; sid:1;)\n",
		     "t.rules:1:53: 'distance' needs a previous content", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; content:\"y\"; distance:-2; "
		     "sid:1;)\n",
		     "t.rules:1:66: distance: negative values are not supported", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"abc\"; depth:2; sid:1;)\n",
		     "t.rules:1:52: depth 2 is shorter than the content (3)", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"abc\"; offset:1; within:5; sid:1;)\n",
		     "t.rules:1:63: offset/depth cannot be mixed with distance/within on one "
		     "content", 1, 0);
	expect_error("alert tcp any any -> any any (content:!\"x\"; sid:1;)\n",
		     "t.rules:1:39: negated content is not supported", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; pcre:\"/a/R\"; sid:1;)\n",
		     "t.rules:1:53: pcre flag not supported: expected i, s, m or x", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; pcre:\"/(a/\"; sid:1;)\n",
		     "t.rules:1:49: pcre: Missing close parenthesis for group started at "
		     "index 0.", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; pcre:\"/(a)\\1/\"; sid:1;)\n",
		     "t.rules:1:49: pcre: Back-references are unsupported.",
		     0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; flow:only_stream; sid:1;)\n",
		     "t.rules:1:49: flow option not supported: expected to_server, "
		     "to_client, from_client, from_server, established or stateless", 0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; msg:\"m\";)\n",
		     "t.rules:1:1: rule has no sid", 1, 0);
	expect_error("alert tcp any any -> any any (pcre:\"/x/\"; sid:7;)\n",
		     "t.rules:1:1: rule sid 7 has no content (rules without a content are not "
		     "supported)", 0, 1);
	expect_error("pass tcp any any -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:1: action pass is not supported", 0, 1);
	expect_error("alrt tcp any any -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:1: unknown action: expected alert or drop", 1, 0);
	expect_error("alert http any any -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:7: protocol not supported: expected ip, tcp, udp or icmp", 0, 1);
	expect_error("alert tcp $HOME_NET any -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:11: address variables ($NAME) are not supported", 0, 1);
	expect_error("alert tcp 10.0.0.300 any -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:11: bad address: expected an IPv4 or IPv6 address or prefix", 1, 0);
	expect_error("alert tcp any 70000 -> any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:15: port: expected a number up to 65535", 1, 0);
	expect_error("alert tcp any any => any any (content:\"x\"; sid:1;)\n",
		     "t.rules:1:19: expected '->' or '<>'", 1, 0);
	expect_error("alert tcp any any -> any\n",
		     "t.rules:1:25: rule header ends early: expected a destination port", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"\"; sid:1;)\n",
		     "t.rules:1:39: empty content", 1, 0);
	expect_error("alert tcp any any -> any any (content:\"x\"; sid:abc;)\n",
		     "t.rules:1:48: sid: expected a number (variables are not supported)",
		     0, 1);
	expect_error("alert tcp any any -> any any (content:\"x\"; sid:1;) junk\n",
		     "t.rules:1:52: text after the rule's ')'", 1, 0);
}

/*
 * A rules path may name any file the agent can read (a key, a shadow file): no error may
 * carry its text. Each line puts the secret where a parser step looks at it.
 */
static void test_errors_never_quote_the_file(void **state)
{
	static const char secret[] = "Zs3cr3tKEYw0rd";
	static const char *const lines[] = {
		"@\n",
		"@ tcp any any -> any any (content:\"x\"; sid:1;)\n",
		"alert @ any any -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp @ any -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp $@ any -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp [1.2.3.4,@] any -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp 10.0.0.0/@ any -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp any @ -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp any $@ -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp any 1:@ -> any any (content:\"x\"; sid:1;)\n",
		"alert tcp any any @ any any (content:\"x\"; sid:1;)\n",
		"alert tcp any any -> any any (@; content:\"x\"; sid:1;)\n",
		"alert tcp any any -> any any (@:1; content:\"x\"; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; @ sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; @\n",
		"alert tcp any any -> any any (content:\"x\"; sid:@;)\n",
		"alert tcp any any -> any any (content:\"x\"; sid:1@;)\n",
		"alert tcp any any -> any any (content:\"x\"; depth:@; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; flow:@; sid:1;)\n",
		"alert tcp any any -> any any (content:\"|@|\"; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; pcre:\"/(@/\"; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; pcre:\"/@\\1/\"; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; pcre:\"/a/@\"; sid:1;)\n",
		"alert tcp any any -> any any (content:\"x\"; sid:1;) @\n",
	};
	char text[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct dpi_ruleset rs;

		const char *at = strchr(lines[i], '@');

		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - lines[i]), lines[i], secret,
			 at + 1);
		load(&rs, text);
		if (rs.n_errors != 1)
			fail_msg("line %zu: %s: expected one error, got %zu", i, text, rs.n_errors);
		/* the first 4 bytes would do for a guess: none of it may show */
		for (size_t k = 0; k + 4 <= sizeof(secret) - 1; k++)
			if (memmem(rs.errors[0], strlen(rs.errors[0]), secret + k, 4))
				fail_msg("line %zu: %s: the error quotes the file: %s", i, text,
					 rs.errors[0]);
		assert_int_equal(strncmp(rs.errors[0], "t.rules:1:", 10), 0);
		dpi_ruleset_free(&rs);
	}
}

static void test_skip_and_go_on(void **state)
{
	struct dpi_ruleset rs;

	/* Bad rules are skipped, counted; the good ones around them load; a duplicate sid
	 * is reported; a continuation line joins the rule and errors keep their line. */
	load(&rs, "alert tcp any any -> any any (content:\"a\"; sid:1;)\n"
		  "alert tcp any any -> any any (content:\"b\"; bogus; sid:2;)\n"
		  "alert tcp any any -> any any \\\n"
		  "   (content:\"c\"; sid:3;)\n"
		  "alert tcp any any -> any any (content:\"d\"; sid:1;)\n"
		  "alert tcp any any -> any any \\\n (content:\"e\"; nocase:1; sid:5;)\n"
		  "\r\n"
		  "alert tcp any any -> any any (content:\"f\"; sid:6;)\r\n");
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.rules[0].sid, 1);
	assert_int_equal(rs.rules[1].sid, 3);
	assert_int_equal(rs.rules[1].line, 3);
	assert_int_equal(rs.rules[2].sid, 6);
	assert_int_equal(rs.unsupported, 1);
	assert_int_equal(rs.invalid, 1);
	assert_int_equal(rs.duplicate, 1);
	assert_int_equal(dpi_ruleset_skipped(&rs), 3);
	assert_int_equal(rs.n_errors, 3);
	assert_string_equal(rs.errors[0], "t.rules:2:44: unknown keyword (not one of Suricata's "
					  "this parser knows)");
	assert_string_equal(rs.errors[1], "t.rules:5:1: sid 1 is already loaded: rule skipped");
	assert_string_equal(rs.errors[2], "t.rules:7:23: nocase takes no value");
	dpi_ruleset_free(&rs);
}

static void test_files_and_junk(void **state)
{
	struct dpi_ruleset rs;
	char path[] = "/tmp/ztos-rules-XXXXXX";
	char junk[4096];
	int fd;

	dpi_ruleset_init(&rs);
	assert_int_equal(dpi_rules_load_file(&rs, "/nonexistent/x.rules"), -ENOENT);
	assert_int_equal(rs.n_errors, 1);
	assert_string_equal(rs.errors[0], "/nonexistent/x.rules:0:0: cannot read rules: "
					  "No such file or directory");
	dpi_ruleset_free(&rs);

	/* Binary junk, NUL bytes included: errors, no crash; errors kept are bounded. */
	srand(1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i % 40 == 39 ? '\n' : rand());
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	dpi_ruleset_init(&rs);
	assert_int_equal(dpi_rules_load_file(&rs, path), 0);
	unlink(path);
	assert_int_equal(rs.n, 0);
	assert_true(rs.invalid + rs.unsupported >= 90);
	assert_int_equal(rs.n_errors, DPI_RULES_MAX_ERRORS);
	assert_non_null(strstr(rs.errors[0], path));
	dpi_ruleset_free(&rs);
}

/* A rule longer than DPI_RULE_LINE_MAX is refused, not held; the next line still loads. */
static void test_long_line(void **state)
{
	size_t n = DPI_RULE_LINE_MAX + 10;
	const char rule[] = "\nalert tcp any any -> any 80 (content:\"x\"; sid:2;)\n";
	char *text = malloc(n + sizeof(rule));
	struct dpi_ruleset rs;

	assert_non_null(text);
	memset(text, 'a', n);
	memcpy(text + n, rule, sizeof(rule));
	dpi_ruleset_init(&rs);
	assert_int_equal(dpi_rules_load_text(&rs, "t.rules", text, strlen(text)), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.rules[0].line, 2);
	assert_int_equal(rs.invalid, 1);
	assert_string_equal(rs.errors[0], "t.rules:1:1: a rule longer than 65536 bytes: not read");
	dpi_ruleset_free(&rs);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_rule),
		cmocka_unit_test(test_header_match),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_never_quote_the_file),
		cmocka_unit_test(test_skip_and_go_on),
		cmocka_unit_test(test_files_and_junk),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
