/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DPI rules: a Suricata/Snort subset, parsed into a rule set.
 *
 *   alert|drop PROTO SRC SPORT -> DST DPORT (KEY:VALUE; ...)
 *
 * PROTO: ip|tcp|udp|icmp. Addresses: any, $HOME_NET-style variables are NOT supported,
 * an IPv4/IPv6 address or CIDR, a list [a,b,...], each optionally negated with '!'.
 * Ports: any, N, N:M, N:, :M, lists and negation likewise. "<>" is accepted (both ways).
 * Keywords: msg, content (with |hex| and \" \; \\ escapes), nocase, offset, depth,
 * distance, within, pcre ("/re/flags", flags i s m x), flow (to_server|to_client|
 * from_client|from_server, established, stateless), sid, rev, classtype, priority,
 * metadata/reference/fast_pattern (accepted, no effect on matching).
 *
 * A rule that uses anything else is reported (FILE:LINE:COL: message) and skipped, and
 * counted in ->unsupported: never loaded half-understood. A rule with bad syntax is
 * reported and skipped too (counted in ->invalid). Loading goes on with the next line.
 * Messages name the place and what was expected, never the text found there.
 */
#ifndef ZTOS_GPU_RULES_H
#define ZTOS_GPU_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DPI_MAX_CONTENT_LEN 255	/* bytes of one content after |hex| decoding */
#define DPI_MAX_CONTENTS 16	/* contents in one rule */
#define DPI_MAX_PCRES 4		/* pcres in one rule */

enum dpi_action {
	DPI_ACTION_ALERT = 0,
	DPI_ACTION_DROP = 1,
};

enum dpi_proto {
	DPI_PROTO_IP = 0,	/* any IP protocol */
	DPI_PROTO_TCP = 6,
	DPI_PROTO_UDP = 17,
	DPI_PROTO_ICMP = 1,
};

/* flow: keyword; 0 = any direction. */
enum dpi_flow_dir {
	DPI_FLOW_ANY = 0,
	DPI_FLOW_TO_SERVER = 1,
	DPI_FLOW_TO_CLIENT = 2,
};

/* One address entry: family 4 or 6, prefix in bits; 'neg' = "!entry". */
struct dpi_cidr {
	uint8_t family;
	uint8_t prefix;
	bool neg;
	uint8_t addr[16];
};

/* An address set: any, or a list of entries (a packet matches when it matches one
 * non-negated entry, or no non-negated entry exists, and no negated entry). */
struct dpi_addrs {
	bool any;
	uint16_t n;
	struct dpi_cidr *v;
};

struct dpi_port_range {
	uint16_t lo, hi;
	bool neg;
};

struct dpi_ports {
	bool any;
	uint16_t n;
	struct dpi_port_range *v;
};

/* content: and its modifiers. Offsets are in bytes of the flow direction's stream
 * (packet bytes for packets scanned without stream state). */
#define DPI_C_NOCASE	(1u << 0)
#define DPI_C_OFFSET	(1u << 1)
#define DPI_C_DEPTH	(1u << 2)
#define DPI_C_DISTANCE	(1u << 3)
#define DPI_C_WITHIN	(1u << 4)
#define DPI_C_RELATIVE	(DPI_C_DISTANCE | DPI_C_WITHIN)

struct dpi_content {
	uint8_t *bytes;
	uint16_t len;
	uint16_t flags;		/* DPI_C_* */
	uint32_t offset, depth;	/* depth: the content ends <= offset + depth */
	uint32_t distance, within; /* relative to the end of the previous content */
};

#define DPI_PCRE_CASELESS  (1u << 0)	/* i */
#define DPI_PCRE_DOTALL    (1u << 1)	/* s */
#define DPI_PCRE_MULTILINE (1u << 2)	/* m */
#define DPI_PCRE_EXTENDED  (1u << 3)	/* x */

struct dpi_pcre {
	char *expr;		/* the pattern between the slashes */
	uint32_t flags;		/* DPI_PCRE_* */
};

struct dpi_rule {
	enum dpi_action action;
	enum dpi_proto proto;
	struct dpi_addrs src, dst;
	struct dpi_ports sport, dport;
	bool bidir;		/* "<>" */
	enum dpi_flow_dir flow;
	bool established;
	uint32_t sid, rev, priority;	/* priority: 0 when the rule has none */
	char *msg;		/* never NULL ("" when none) */
	char *classtype;	/* never NULL */
	uint16_t n_contents, n_pcres;
	struct dpi_content contents[DPI_MAX_CONTENTS];
	struct dpi_pcre pcres[DPI_MAX_PCRES];
	char *file;		/* where it was read */
	uint32_t line;
};

#define DPI_RULES_FILE_MAX (64u << 20)	/* bytes of one rules file */
#define DPI_RULE_LINE_MAX (64u << 10)	/* bytes of one rule (continuations joined) */

/* Up to this many error lines are kept (the counters count them all). */
#define DPI_RULES_MAX_ERRORS 64

struct dpi_ruleset {
	struct dpi_rule *rules;
	size_t n, cap;
	size_t invalid;		/* rules skipped: bad syntax or values */
	size_t unsupported;	/* rules skipped: a keyword or option we do not support */
	size_t duplicate;	/* rules skipped: a sid already loaded */
	char *errors[DPI_RULES_MAX_ERRORS]; /* "FILE:LINE:COL: message" */
	size_t n_errors;	/* kept in errors[] (<= DPI_RULES_MAX_ERRORS) */
};

void dpi_ruleset_init(struct dpi_ruleset *rs);
void dpi_ruleset_free(struct dpi_ruleset *rs);
/* What one rule owns (its lists, strings, contents); the rule is zeroed. */
void dpi_rule_free(struct dpi_rule *r);

/*
 * Append the rules of FILE to rs. Bad rules are reported in rs->errors and skipped.
 * Returns 0, or -errno when the file cannot be read (reported in rs->errors as well):
 * -EFBIG past DPI_RULES_FILE_MAX. Memory: the file's size, and a rule's at a time.
 */
int dpi_rules_load_file(struct dpi_ruleset *rs, const char *path);

/* The same for text in memory; name is the FILE of the error lines. */
int dpi_rules_load_text(struct dpi_ruleset *rs, const char *name, const char *text, size_t len);

/* Every skipped rule (invalid + unsupported + duplicate). */
static inline size_t dpi_ruleset_skipped(const struct dpi_ruleset *rs)
{
	return rs->invalid + rs->unsupported + rs->duplicate;
}

/* The packet's header side of a rule. Addresses are in network byte order. */
struct dpi_tuple {
	uint8_t family;		/* 4 or 6; 0 = unknown: addresses and ports are not checked */
	uint8_t proto;		/* IPPROTO_* */
	uint16_t sport, dport;	/* host byte order */
	uint8_t saddr[16], daddr[16];
};

/* Does the rule's header (proto, addresses, ports; either way for "<>") match? */
bool dpi_rule_match_tuple(const struct dpi_rule *r, const struct dpi_tuple *t);

#endif
