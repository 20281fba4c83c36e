// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the DPI rule parser: any bytes as a rules file. Each rule loaded is
 * matched against a few packet headers too. Includes the .c under test, so that its static
 * functions are fuzzed as built.
 */
#include "../../gpu/rules.c"

static const struct dpi_tuple tuples[] = {
	{ .family = 4, .proto = DPI_PROTO_TCP, .sport = 40000, .dport = 80,
	  .saddr = { 10, 0, 0, 1 }, .daddr = { 192, 0, 2, 1 } },
	{ .family = 6, .proto = DPI_PROTO_UDP, .sport = 53, .dport = 5353,
	  .saddr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, .daddr = { 0xfe, 0x80, [15] = 2 } },
	{ .family = 0, .proto = DPI_PROTO_ICMP },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpi_ruleset rs;

	dpi_ruleset_init(&rs);
	dpi_rules_load_text(&rs, "fuzz.rules", (const char *)data, size);
	for (size_t i = 0; i < rs.n; i++)
		for (size_t t = 0; t < sizeof(tuples) / sizeof(tuples[0]); t++)
			(void)dpi_rule_match_tuple(&rs.rules[i], &tuples[t]);
	/* errors are bounded and all say where they are */
	if (rs.n_errors > DPI_RULES_MAX_ERRORS)
		__builtin_trap();
	for (size_t i = 0; i < rs.n_errors; i++)
		if (strncmp(rs.errors[i], "fuzz.rules:", 11))
			__builtin_trap();
	dpi_ruleset_free(&rs);
	return 0;
}
