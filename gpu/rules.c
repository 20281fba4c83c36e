// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rule parser: the Suricata/Snort subset described in rules.h. One rule per line
 * (a line ending in '\' continues on the next). Every error is FILE:LINE:COL and
 * skips the whole rule: a rule is loaded as written or not at all.
 *
 * Messages never quote the file's text: they say where and what was expected. A rules
 * path may name any file the agent can read, and errors travel to API clients and logs.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <hs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "rules.h"

enum err_kind { E_INVALID, E_UNSUPPORTED };

/* The rule being parsed: where it is, and its first error. */
struct ctx {
	struct dpi_ruleset *rs;
	const char *file;
	uint32_t line;
	const char *text;	/* the rule's text (continuations joined) */
	const uint32_t *cols;	/* column in its line of each byte of text */
	const uint32_t *lines;	/* and its line */
	bool failed;
	enum err_kind kind;
};

void dpi_ruleset_init(struct dpi_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void dpi_rule_free(struct dpi_rule *r)
{
	free(r->src.v);
	free(r->dst.v);
	free(r->sport.v);
	free(r->dport.v);
	free(r->msg);
	free(r->classtype);
	for (int i = 0; i < r->n_contents; i++)
		free(r->contents[i].bytes);
	for (int i = 0; i < r->n_pcres; i++)
		free(r->pcres[i].expr);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

void dpi_ruleset_free(struct dpi_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		dpi_rule_free(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->n_errors; i++)
		free(rs->errors[i]);
	memset(rs, 0, sizeof(*rs));
}

static void add_error(struct dpi_ruleset *rs, const char *file, uint32_t line, uint32_t col,
		      const char *fmt, va_list ap)
{
	char msg[512];
	char *s;

	if (rs->n_errors >= DPI_RULES_MAX_ERRORS)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (asprintf(&s, "%s:%u:%u: %s", file, line, col, msg) < 0)
		return;
	rs->errors[rs->n_errors++] = s;
}

/* Report the rule's first error at text position pos; returns -1 for `return fail(...)`. */
__attribute__((format(printf, 4, 5)))
static int fail(struct ctx *c, size_t pos, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -1;
	c->failed = true;
	c->kind = kind;
	va_start(ap, fmt);
	add_error(c->rs, c->file, c->lines[pos], c->cols[pos], fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- small lexing helpers over c->text ---- */

static size_t skip_ws(const char *t, size_t i)
{
	while (t[i] == ' ' || t[i] == '\t')
		i++;
	return i;
}

/* A header token: up to whitespace or '(' (brackets kept together). */
static size_t token_end(const char *t, size_t i)
{
	int depth = 0;

	while (t[i]) {
		if (t[i] == '[')
			depth++;
		else if (t[i] == ']')
			depth--;
		else if (depth <= 0 && (t[i] == ' ' || t[i] == '\t' || t[i] == '('))
			break;
		i++;
	}
	return i;
}

static int parse_u32(struct ctx *c, size_t pos, const char *s, size_t len, uint32_t max,
		     const char *what, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	while (len > i && isspace((unsigned char)s[len - 1]))
		len--;
	if (i < len && s[i] == '-')
		return fail(c, pos, E_UNSUPPORTED, "%s: negative values are not supported", what);
	if (i < len && !isdigit((unsigned char)s[i]))
		return fail(c, pos, E_UNSUPPORTED,
			    "%s: expected a number (variables are not supported)", what);
	if (i == len)
		return fail(c, pos, E_INVALID, "%s needs a value", what);
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return fail(c, pos, E_INVALID, "%s: expected a number, digits only",
				    what);
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return fail(c, pos, E_INVALID, "%s: expected a number up to %u", what,
				    max);
	}
	*out = (uint32_t)v;
	return 0;
}

/* ---- header: addresses and ports ---- */

static int parse_cidr(struct ctx *c, size_t pos, const char *s, size_t len, bool neg,
		      struct dpi_cidr *out)
{
	char buf[64];
	const char *slash;
	uint32_t prefix;
	int max;

	if (len == 0 || len >= sizeof(buf))
		return fail(c, pos, E_INVALID,
			    "bad address: expected an IPv4 or IPv6 address or prefix");
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[0] == '$')
		return fail(c, pos, E_UNSUPPORTED, "address variables ($NAME) are not supported");
	slash = strchr(buf, '/');
	if (slash)
		buf[slash - buf] = 0;
	memset(out, 0, sizeof(*out));
	out->neg = neg;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		return fail(c, pos, E_INVALID,
			    "bad address: expected an IPv4 or IPv6 address or prefix");
	}
	prefix = (uint32_t)max;
	if (slash && parse_u32(c, pos, slash + 1, strlen(slash + 1), (uint32_t)max,
			       "address prefix", &prefix))
		return -1;
	out->prefix = (uint8_t)prefix;
	return 0;
}

static int parse_port(struct ctx *c, size_t pos, const char *s, size_t len, bool neg,
		      struct dpi_port_range *out)
{
	const char *colon = memchr(s, ':', len);
	uint32_t lo = 0, hi = 65535;

	if (len && s[0] == '$')
		return fail(c, pos, E_UNSUPPORTED, "port variables ($NAME) are not supported");
	if (!colon) {
		if (parse_u32(c, pos, s, len, 65535, "port", &lo))
			return -1;
		hi = lo;
	} else {
		size_t l1 = (size_t)(colon - s), l2 = len - l1 - 1;

		if (l1 == 0 && l2 == 0)
			return fail(c, pos, E_INVALID, "bad port range ':'");
		if (l1 && parse_u32(c, pos, s, l1, 65535, "port", &lo))
			return -1;
		if (l2 && parse_u32(c, pos, colon + 1, l2, 65535, "port", &hi))
			return -1;
		if (lo > hi)
			return fail(c, pos, E_INVALID,
				    "bad port range: the first port is larger than the last");
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	out->neg = neg;
	return 0;
}

/*
 * An address or port set: "any", one entry, "!entry", "[e1,e2,...]" (one level of
 * nesting is flattened; "![...]" negates every entry inside).
 */
static int parse_set(struct ctx *c, size_t pos, size_t len, bool ports, void *out)
{
	struct dpi_addrs *as = out;
	struct dpi_ports *ps = out;
	const char *t = c->text;
	size_t i = pos, end = pos + len;
	bool outer_neg = false;
	uint16_t n = 0;
	void *v = NULL;

	if (len == 3 && !strncmp(t + pos, "any", 3)) {
		if (ports)
			ps->any = true;
		else
			as->any = true;
		return 0;
	}
	if (t[i] == '!') {
		outer_neg = true;
		i++;
	}
	if (t[i] == '[') {
		if (t[end - 1] != ']')
			return fail(c, i, E_INVALID, "'[' without ']'");
		i++;
		end--;
	}
	v = calloc(64, ports ? sizeof(struct dpi_port_range) : sizeof(struct dpi_cidr));
	if (!v)
		return fail(c, pos, E_INVALID, "out of memory");
	while (i < end) {
		bool neg = outer_neg;
		size_t j;
		int r;

		while (i < end && (t[i] == ' ' || t[i] == ','))
			i++;
		if (i >= end)
			break;
		if (t[i] == '!') {
			neg = !neg;
			i++;
		}
		if (t[i] == '[') {
			free(v);
			return fail(c, i, E_UNSUPPORTED, "nested lists are not supported");
		}
		for (j = i; j < end && t[j] != ',' && t[j] != ' '; j++)
			;
		if (j == i || n >= 64) {
			free(v);
			return fail(c, i, E_INVALID, n >= 64 ? "more than 64 entries in a list" :
							       "empty list entry");
		}
		if (j - i == 3 && !strncmp(t + i, "any", 3)) {
			free(v);
			return fail(c, i, E_INVALID, "'any' inside a list");
		}
		if (ports)
			r = parse_port(c, i, t + i, j - i, neg, (struct dpi_port_range *)v + n);
		else
			r = parse_cidr(c, i, t + i, j - i, neg, (struct dpi_cidr *)v + n);
		if (r) {
			free(v);
			return -1;
		}
		n++;
		i = j;
	}
	if (n == 0) {
		free(v);
		return fail(c, pos, E_INVALID, "empty list");
	}
	if (ports) {
		ps->v = v;
		ps->n = n;
	} else {
		as->v = v;
		as->n = n;
	}
	return 0;
}

static int parse_header(struct ctx *c, struct dpi_rule *r, size_t *pos)
{
	const char *t = c->text;
	size_t i = 0, e;
	int field;

	for (field = 0; field < 7; field++) {
		i = skip_ws(t, i);
		if (!t[i] || t[i] == '(')
			return fail(c, i, E_INVALID, "rule header ends early: expected %s",
				    (const char *[]){"an action", "a protocol", "a source address",
						     "a source port", "'->' or '<>'",
						     "a destination address",
						     "a destination port"}[field]);
		e = token_end(t, i);
		switch (field) {
		case 0:
			if (e - i == 5 && !strncmp(t + i, "alert", 5))
				r->action = DPI_ACTION_ALERT;
			else if (e - i == 4 && !strncmp(t + i, "drop", 4))
				r->action = DPI_ACTION_DROP;
			else if ((e - i == 4 && !strncmp(t + i, "pass", 4)) ||
				 (e - i == 6 && !strncmp(t + i, "reject", 6)))
				return fail(c, i, E_UNSUPPORTED, "action %s is not supported",
					    t[i] == 'p' ? "pass" : "reject");
			else
				return fail(c, i, E_INVALID,
					    "unknown action: expected alert or drop");
			break;
		case 1:
			if (e - i == 2 && !strncmp(t + i, "ip", 2))
				r->proto = DPI_PROTO_IP;
			else if (e - i == 3 && !strncmp(t + i, "tcp", 3))
				r->proto = DPI_PROTO_TCP;
			else if (e - i == 3 && !strncmp(t + i, "udp", 3))
				r->proto = DPI_PROTO_UDP;
			else if (e - i == 4 && !strncmp(t + i, "icmp", 4))
				r->proto = DPI_PROTO_ICMP;
			else
				return fail(c, i, E_UNSUPPORTED,
					    "protocol not supported: expected ip, tcp, udp or icmp");
			break;
		case 2:
		case 5:
			if (parse_set(c, i, e - i, false, field == 2 ? &r->src : &r->dst))
				return -1;
			break;
		case 3:
		case 6:
			if (parse_set(c, i, e - i, true, field == 3 ? &r->sport : &r->dport))
				return -1;
			break;
		case 4:
			if (e - i == 2 && !strncmp(t + i, "->", 2))
				r->bidir = false;
			else if (e - i == 2 && !strncmp(t + i, "<>", 2))
				r->bidir = true;
			else
				return fail(c, i, E_INVALID, "expected '->' or '<>'");
			break;
		}
		i = e;
	}
	i = skip_ws(t, i);
	if (t[i] != '(')
		return fail(c, i, E_INVALID, "expected '(' after the rule header");
	*pos = i + 1;
	return 0;
}

/* ---- options ---- */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* A quoted value "...": where its text is (without quotes), or -1. */
static int quoted(struct ctx *c, size_t pos, const char *v, size_t len, const char *what,
		  size_t *qs, size_t *ql)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)v[i]))
		i++;
	while (len > i && isspace((unsigned char)v[len - 1]))
		len--;
	if (i < len && v[i] == '!')
		return fail(c, pos, E_UNSUPPORTED, "negated %s is not supported", what);
	if (len - i < 2 || v[i] != '"' || v[len - 1] != '"')
		return fail(c, pos, E_INVALID, "%s needs a quoted value", what);
	*qs = i + 1;
	*ql = len - i - 2;
	return 0;
}

static int parse_content(struct ctx *c, size_t pos, const char *v, size_t len,
			 struct dpi_content *ct)
{
	uint8_t buf[DPI_MAX_CONTENT_LEN];
	size_t qs, ql, n = 0, i;
	bool hex = false;
	int hi = -1;

	if (quoted(c, pos, v, len, "content", &qs, &ql))
		return -1;
	for (i = qs; i < qs + ql; i++) {
		char ch = v[i];
		uint8_t byte;

		if (ch == '|') {
			if (hi >= 0)
				return fail(c, pos + i, E_INVALID, "odd number of hex digits");
			hex = !hex;
			continue;
		}
		if (hex) {
			int d;

			if (ch == ' ')
				continue;
			d = hexval(ch);
			if (d < 0)
				return fail(c, pos + i, E_INVALID,
					    "expected a hex digit (0-9, a-f) between '|'");
			if (hi < 0) {
				hi = d;
				continue;
			}
			byte = (uint8_t)(hi << 4 | d);
			hi = -1;
		} else if (ch == '\\') {
			if (i + 1 >= qs + ql || !strchr("\";:\\|", v[i + 1]))
				return fail(c, pos + i, E_INVALID,
					    "bad escape in content (\\\" \\; \\: \\\\ \\|)");
			byte = (uint8_t)v[++i];
		} else if (ch == '"') {
			return fail(c, pos + i, E_INVALID, "unescaped '\"' in content");
		} else {
			byte = (uint8_t)ch;
		}
		if (n >= DPI_MAX_CONTENT_LEN)
			return fail(c, pos, E_UNSUPPORTED, "content longer than %d bytes",
				    DPI_MAX_CONTENT_LEN);
		buf[n++] = byte;
	}
	if (hex)
		return fail(c, pos, E_INVALID, "'|' without its closing '|'");
	if (n == 0)
		return fail(c, pos, E_INVALID, "empty content");
	memset(ct, 0, sizeof(*ct));
	ct->bytes = malloc(n);
	if (!ct->bytes)
		return fail(c, pos, E_INVALID, "out of memory");
	memcpy(ct->bytes, buf, n);
	ct->len = (uint16_t)n;
	return 0;
}

/*
 * Hyperscan's message with anything it quotes left out: it may quote the expression,
 * and the expression is the file's text.
 */
static const char *without_quotes(const char *m, char *out, size_t len)
{
	bool in = false;
	size_t o = 0;

	for (; *m && o + 6 < len; m++) {
		if (*m == '\'') {
			in = !in;
			if (in) {
				memcpy(out + o, "'...'", 5);
				o += 5;
			}
			continue;
		}
		if (!in)
			out[o++] = *m;
	}
	out[o] = '\0';
	return out;
}

/* Check a pcre with Hyperscan now, so that a rule it cannot compile is skipped here. */
static int check_pcre(struct ctx *c, size_t pos, const struct dpi_pcre *p)
{
	unsigned int flags = HS_FLAG_ALLOWEMPTY;
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	int r = 0;

	if (p->flags & DPI_PCRE_CASELESS)
		flags |= HS_FLAG_CASELESS;
	if (p->flags & DPI_PCRE_DOTALL)
		flags |= HS_FLAG_DOTALL;
	if (p->flags & DPI_PCRE_MULTILINE)
		flags |= HS_FLAG_MULTILINE;
	if (p->flags & DPI_PCRE_EXTENDED) {
		/* Hyperscan has no x flag: (?x) does the same. */
	}
	if (hs_expression_info(p->expr, flags, &info, &cerr) != HS_SUCCESS) {
		const char *m = cerr ? cerr->message : "unknown error";
		char clean[256];

		r = fail(c, pos, strstr(m, "not supported") || strstr(m, "unsupported") ?
					 E_UNSUPPORTED : E_INVALID,
			 "pcre: %s", without_quotes(m, clean, sizeof(clean)));
		hs_free_compile_error(cerr);
	}
	free(info);
	return r;
}

static int parse_pcre(struct ctx *c, size_t pos, const char *v, size_t len, struct dpi_pcre *p)
{
	size_t qs, ql, last, i;
	const char *s;

	if (quoted(c, pos, v, len, "pcre", &qs, &ql))
		return -1;
	s = v + qs;
	if (ql < 2 || s[0] != '/')
		return fail(c, pos, E_INVALID, "pcre must look like \"/regex/flags\"");
	for (last = ql - 1; last > 0 && s[last] != '/'; last--)
		;
	if (last == 0)
		return fail(c, pos, E_INVALID, "pcre has no closing '/'");
	memset(p, 0, sizeof(*p));
	for (i = last + 1; i < ql; i++) {
		switch (s[i]) {
		case 'i':
			p->flags |= DPI_PCRE_CASELESS;
			break;
		case 's':
			p->flags |= DPI_PCRE_DOTALL;
			break;
		case 'm':
			p->flags |= DPI_PCRE_MULTILINE;
			break;
		case 'x':
			p->flags |= DPI_PCRE_EXTENDED;
			break;
		default:
			return fail(c, pos + qs + i, E_UNSUPPORTED,
				    "pcre flag not supported: expected i, s, m or x");
		}
	}
	if (p->flags & DPI_PCRE_EXTENDED) {
		if (asprintf(&p->expr, "(?x)%.*s", (int)(last - 1), s + 1) < 0)
			p->expr = NULL;
	} else {
		p->expr = strndup(s + 1, last - 1);
	}
	if (!p->expr)
		return fail(c, pos, E_INVALID, "out of memory");
	if (check_pcre(c, pos, p)) {
		free(p->expr);
		p->expr = NULL;
		return -1;
	}
	return 0;
}

static int parse_flow(struct ctx *c, size_t pos, const char *v, size_t len, struct dpi_rule *r)
{
	size_t i = 0;

	while (i < len) {
		size_t j, s;

		while (i < len && (v[i] == ' ' || v[i] == ','))
			i++;
		if (i >= len)
			break;
		for (j = i; j < len && v[j] != ',' && v[j] != ' '; j++)
			;
		s = j - i;
#define IS(w) (s == strlen(w) && !strncmp(v + i, w, s))
		if (IS("to_server") || IS("from_client"))
			r->flow = DPI_FLOW_TO_SERVER;
		else if (IS("to_client") || IS("from_server"))
			r->flow = DPI_FLOW_TO_CLIENT;
		else if (IS("established"))
			r->established = true;
		else if (IS("stateless"))
			;
		else
			return fail(c, pos + i, E_UNSUPPORTED,
				    "flow option not supported: expected to_server, to_client, "
				    "from_client, from_server, established or stateless");
#undef IS
		i = j;
	}
	return 0;
}

/* A content modifier: applies to the rule's last content. */
static int parse_modifier(struct ctx *c, size_t pos, const char *key, const char *v, size_t len,
			  struct dpi_rule *r)
{
	struct dpi_content *ct;
	uint32_t val = 0;
	uint16_t bit;

	if (r->n_contents == 0)
		return fail(c, pos, E_INVALID, "'%s' needs a content before it", key);
	ct = &r->contents[r->n_contents - 1];
	if (!strcmp(key, "nocase")) {
		if (v)
			return fail(c, pos, E_INVALID, "nocase takes no value");
		ct->flags |= DPI_C_NOCASE;
		return 0;
	}
	if (!v)
		return fail(c, pos, E_INVALID, "'%s' needs a value", key);
	if (parse_u32(c, pos, v, len, 65535, key, &val))
		return -1;
	if (!strcmp(key, "offset")) {
		bit = DPI_C_OFFSET;
		ct->offset = val;
	} else if (!strcmp(key, "depth")) {
		bit = DPI_C_DEPTH;
		ct->depth = val;
		if (val < ct->len)
			return fail(c, pos, E_INVALID, "depth %u is shorter than the content (%u)",
				    val, ct->len);
	} else if (!strcmp(key, "distance")) {
		bit = DPI_C_DISTANCE;
		ct->distance = val;
	} else {
		bit = DPI_C_WITHIN;
		ct->within = val;
		if (val < ct->len)
			return fail(c, pos, E_INVALID,
				    "within %u is shorter than the content (%u)", val, ct->len);
	}
	if (ct->flags & bit)
		return fail(c, pos, E_INVALID, "'%s' given twice for one content", key);
	ct->flags |= bit;
	if ((ct->flags & (DPI_C_OFFSET | DPI_C_DEPTH)) && (ct->flags & DPI_C_RELATIVE))
		return fail(c, pos, E_INVALID,
			    "offset/depth cannot be mixed with distance/within on one content");
	if ((bit & DPI_C_RELATIVE) && r->n_contents < 2)
		return fail(c, pos, E_INVALID, "'%s' needs a previous content", key);
	return 0;
}

static const char *const ignored_keys[] = { "metadata", "reference", "fast_pattern", NULL };

/*
 * Suricata keywords this parser does not support: named in the message. Any other word
 * is not: a rule file can be any file the agent may read, so its text is never quoted.
 */
static const char *const suricata_keys[] = {
	"app-layer-event", "app-layer-protocol", "asn1", "base64_data", "base64_decode",
	"bsize", "byte_extract", "byte_jump", "byte_math", "byte_test", "dataset", "datarep",
	"detection_filter", "dns.query", "dns_query", "dsize", "file.data", "file_data",
	"filemagic", "filename", "filestore", "flowbits", "flowint", "fragbits", "fragoffset",
	"ftpbounce", "gid", "http.header", "http.host", "http.method", "http.request_body",
	"http.response_body", "http.stat_code", "http.uri", "http.user_agent",
	"http_client_body", "http_cookie", "http_header", "http_host", "http_method",
	"http_raw_header", "http_raw_uri", "http_server_body", "http_stat_code", "http_uri",
	"http_user_agent", "icmp_id", "icmp_seq", "icode", "id", "ip_proto", "ipopts",
	"isdataat", "itype", "ja3.hash", "ja3_hash", "lua", "luajit", "noalert", "pkt_data",
	"prefilter", "rawbytes", "replace", "rpc", "sameip", "seq", "ack", "window", "flags",
	"ssh_proto", "ssl_state", "ssl_version", "startswith", "endswith", "stream_size",
	"tag", "threshold", "tls.sni", "tls_sni", "tls.cert_subject", "ttl", "tos",
	"urilen", "xbits", "target", "uricontent", NULL,
};

static int unsupported_keyword(struct ctx *c, size_t pos, const char *key)
{
	for (int i = 0; suricata_keys[i]; i++)
		if (!strcmp(key, suricata_keys[i]))
			return fail(c, pos, E_UNSUPPORTED, "unsupported keyword '%s'",
				    suricata_keys[i]);
	return fail(c, pos, E_UNSUPPORTED, "unknown keyword (not one of Suricata's this "
		    "parser knows)");
}

/* Parse "key" or "key:value" (value: text[vs, vs+vl)). */
static int parse_option(struct ctx *c, struct dpi_rule *r, size_t kpos, size_t klen, size_t vpos,
			size_t vlen, bool has_val)
{
	const char *t = c->text;
	const char *v = has_val ? t + vpos : NULL;
	char key[32];

	if (klen == 0)
		return fail(c, kpos, E_INVALID, "empty option");
	if (klen >= sizeof(key))
		return fail(c, kpos, E_UNSUPPORTED, "unknown keyword (longer than %zu characters)",
			    sizeof(key) - 1);
	memcpy(key, t + kpos, klen);
	key[klen] = 0;

	if (!strcmp(key, "msg")) {
		size_t qs, ql;

		if (!v || quoted(c, vpos, v, vlen, "msg", &qs, &ql))
			return v ? -1 : fail(c, kpos, E_INVALID, "msg needs a value");
		free(r->msg);
		r->msg = malloc(ql + 1);
		if (!r->msg)
			return fail(c, kpos, E_INVALID, "out of memory");
		/* \" \; \\ and the like stand for the character. */
		for (size_t i = 0, o = 0; i <= ql; i++) {
			if (i < ql && v[qs + i] == '\\' && i + 1 < ql)
				i++;
			r->msg[o++] = i < ql ? v[qs + i] : 0;
		}
		return 0;
	}
	if (!strcmp(key, "content")) {
		if (!v)
			return fail(c, kpos, E_INVALID, "content needs a value");
		if (r->n_contents >= DPI_MAX_CONTENTS)
			return fail(c, kpos, E_UNSUPPORTED, "more than %d contents in a rule",
				    DPI_MAX_CONTENTS);
		if (parse_content(c, vpos, v, vlen, &r->contents[r->n_contents]))
			return -1;
		r->n_contents++;
		return 0;
	}
	if (!strcmp(key, "nocase") || !strcmp(key, "offset") || !strcmp(key, "depth") ||
	    !strcmp(key, "distance") || !strcmp(key, "within"))
		return parse_modifier(c, has_val ? vpos : kpos, key, v, vlen, r);
	if (!strcmp(key, "pcre")) {
		if (!v)
			return fail(c, kpos, E_INVALID, "pcre needs a value");
		if (r->n_pcres >= DPI_MAX_PCRES)
			return fail(c, kpos, E_UNSUPPORTED, "more than %d pcres in a rule",
				    DPI_MAX_PCRES);
		if (parse_pcre(c, vpos, v, vlen, &r->pcres[r->n_pcres]))
			return -1;
		r->n_pcres++;
		return 0;
	}
	if (!strcmp(key, "flow"))
		return v ? parse_flow(c, vpos, v, vlen, r) :
			   fail(c, kpos, E_INVALID, "flow needs a value");
	if (!strcmp(key, "sid") || !strcmp(key, "rev") || !strcmp(key, "priority")) {
		uint32_t *dst = key[0] == 's' ? &r->sid : key[0] == 'r' ? &r->rev : &r->priority;

		if (!v)
			return fail(c, kpos, E_INVALID, "%s needs a value", key);
		if (parse_u32(c, vpos, v, vlen, UINT32_MAX, key, dst))
			return -1;
		if (dst == &r->sid && *dst == 0)
			return fail(c, vpos, E_INVALID, "sid 0 is not allowed");
		return 0;
	}
	if (!strcmp(key, "classtype")) {
		size_t i = 0, l = vlen;

		if (!v)
			return fail(c, kpos, E_INVALID, "classtype needs a value");
		while (i < l && isspace((unsigned char)v[i]))
			i++;
		while (l > i && isspace((unsigned char)v[l - 1]))
			l--;
		free(r->classtype);
		r->classtype = strndup(v + i, l - i);
		return r->classtype ? 0 : fail(c, kpos, E_INVALID, "out of memory");
	}
	for (int i = 0; ignored_keys[i]; i++)
		if (!strcmp(key, ignored_keys[i]))
			return 0;
	return unsupported_keyword(c, kpos, key);
}

/* The options "(k:v; k; ...)" from pos (just after '('). */
static int parse_options(struct ctx *c, struct dpi_rule *r, size_t pos)
{
	const char *t = c->text;
	size_t i = pos;

	for (;;) {
		size_t kpos, klen, vpos = 0, vlen = 0;
		bool has_val = false, inq = false;

		i = skip_ws(t, i);
		if (t[i] == ')') {
			i = skip_ws(t, i + 1);
			if (t[i])
				return fail(c, i, E_INVALID, "text after the rule's ')'");
			return 0;
		}
		if (!t[i])
			return fail(c, i, E_INVALID, "rule ends without ')'");
		kpos = i;
		while (t[i] && t[i] != ':' && t[i] != ';' && t[i] != ')' && t[i] != ' ' &&
		       t[i] != '\t')
			i++;
		klen = i - kpos;
		i = skip_ws(t, i);
		if (t[i] == ':') {
			has_val = true;
			vpos = ++i;
			while (t[i] && (inq || t[i] != ';')) {
				if (t[i] == '\\' && t[i + 1])
					i++;
				else if (t[i] == '"')
					inq = !inq;
				i++;
			}
			if (!t[i])
				return fail(c, kpos, E_INVALID, "option is not ended by ';'");
			vlen = i - vpos;
		} else if (t[i] != ';') {
			return fail(c, i, E_INVALID, "expected ':' or ';' after the option's name");
		}
		if (parse_option(c, r, kpos, klen, vpos, vlen, has_val))
			return -1;
		i++;	/* ';' */
	}
}

static bool sid_loaded(const struct dpi_ruleset *rs, uint32_t sid)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].sid == sid)
			return true;
	return false;
}

static void parse_rule(struct ctx *c)
{
	struct dpi_ruleset *rs = c->rs;
	struct dpi_rule r;
	size_t pos = 0;

	memset(&r, 0, sizeof(r));
	if (parse_header(c, &r, &pos) || parse_options(c, &r, pos))
		goto skip;
	if (!r.sid) {
		fail(c, 0, E_INVALID, "rule has no sid");
		goto skip;
	}
	if (r.n_contents == 0) {
		fail(c, 0, E_UNSUPPORTED, "rule sid %u has no content (rules without a content "
			 "are not supported)", r.sid);
		goto skip;
	}
	if (sid_loaded(rs, r.sid)) {
		struct ctx dup = *c;

		dup.failed = false;
		fail(&dup, 0, E_INVALID, "sid %u is already loaded: rule skipped", r.sid);
		rs->duplicate++;
		dpi_rule_free(&r);
		return;
	}
	if (!r.msg)
		r.msg = strdup("");
	if (!r.classtype)
		r.classtype = strdup("");
	r.file = strdup(c->file);
	r.line = c->line;
	if (!r.msg || !r.classtype || !r.file) {
		fail(c, 0, E_INVALID, "out of memory");
		goto skip;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct dpi_rule *v = realloc(rs->rules, cap * sizeof(*v));

		if (!v) {
			fail(c, 0, E_INVALID, "out of memory");
			goto skip;
		}
		rs->rules = v;
		rs->cap = cap;
	}
	rs->rules[rs->n++] = r;
	return;
skip:
	if (c->kind == E_UNSUPPORTED)
		rs->unsupported++;
	else
		rs->invalid++;
	dpi_rule_free(&r);
}

/* One logical line's text, with the line and column of each byte: grown as lines need. */
struct line_buf {
	char *text;
	uint32_t *cols, *lines;
	size_t cap;
};

static int line_room(struct line_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *t;
	uint32_t *c, *l;

	if (n < b->cap)
		return 0;
	while (cap <= n)
		cap *= 2;
	t = realloc(b->text, cap);
	if (t)
		b->text = t;
	c = t ? realloc(b->cols, cap * sizeof(*c)) : NULL;
	if (c)
		b->cols = c;
	l = c ? realloc(b->lines, cap * sizeof(*l)) : NULL;
	if (!l)
		return -ENOMEM;
	b->lines = l;
	b->cap = cap;
	return 0;
}

/*
 * The logical line at text[*i] (continuations "\\\n" joined) into b; *line advances.
 * Returns its length, or -E2BIG for one longer than DPI_RULE_LINE_MAX (read past, kept not).
 */
static ssize_t next_line(const char *text, size_t len, size_t *i, uint32_t *line,
			 struct line_buf *b)
{
	uint32_t col = 1;
	size_t n = 0;
	bool long_line = false;

	while (*i < len && text[*i] != '\n') {
		if (text[*i] == '\\' && *i + 1 < len && text[*i + 1] == '\n') {
			*i += 2;
			(*line)++;
			col = 1;
			continue;
		}
		if (text[*i] == '\r' && (*i + 1 == len || text[*i + 1] == '\n')) {
			(*i)++;
			continue;
		}
		if (n >= DPI_RULE_LINE_MAX)
			long_line = true;
		if (!long_line) {
			if (line_room(b, n + 1))
				return -ENOMEM;
			/* A NUL byte would end the rule early: read it as a blank. */
			b->text[n] = text[*i] ? text[*i] : ' ';
			b->lines[n] = *line;
			b->cols[n++] = col;
		}
		col++;
		(*i)++;
	}
	if (line_room(b, n + 1))
		return -ENOMEM;
	b->text[n] = 0;
	b->lines[n] = *line;
	b->cols[n] = col;
	(*i)++;
	(*line)++;
	return long_line ? -E2BIG : (ssize_t)n;
}

int dpi_rules_load_text(struct dpi_ruleset *rs, const char *name, const char *text, size_t len)
{
	struct line_buf b = { 0 };
	uint32_t line = 1;
	size_t i = 0;
	int err = 0;

	while (i < len) {
		uint32_t first = line;
		ssize_t n = next_line(text, len, &i, &line, &b);
		size_t s;

		if (n == -ENOMEM) {
			err = -ENOMEM;
			break;
		}
		s = n == -E2BIG ? 0 : skip_ws(b.text, 0);
		struct ctx c = {
			.rs = rs, .file = name, .line = first, .text = b.text + s,
			.cols = b.cols + s, .lines = b.lines + s,
		};

		if (n == -E2BIG) {
			fail(&c, 0, E_INVALID, "a rule longer than %u bytes: not read", DPI_RULE_LINE_MAX);
			rs->invalid++;
		} else if (b.text[s] && b.text[s] != '#') {
			parse_rule(&c);
		}
	}
	free(b.text);
	free(b.cols);
	free(b.lines);
	return err;
}

int dpi_rules_load_file(struct dpi_ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int r = 0;

	if (!f) {
		r = -errno;
		goto report;
	}
	/* Refused before reading when its size says so; bounded while reading when not. */
	if (!fstat(fileno(f), &st) && st.st_size > DPI_RULES_FILE_MAX) {
		r = -EFBIG;
		goto report;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *t;

			if (cap > DPI_RULES_FILE_MAX) {
				r = -EFBIG;
				goto report;
			}
			/* one byte past the limit tells a file at it from one over it */
			cap = cap ? cap * 2 : 65536;
			if (cap > DPI_RULES_FILE_MAX + 1)
				cap = DPI_RULES_FILE_MAX + 1;
			t = realloc(text, cap);
			if (!t) {
				r = -ENOMEM;
				goto report;
			}
			text = t;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		r = -EIO;
		goto report;
	}
	if (len > DPI_RULES_FILE_MAX) {
		r = -EFBIG;
		goto report;
	}
	r = dpi_rules_load_text(rs, path, text, len);
	if (r)
		goto report;
	goto out;
report:
	if (rs->n_errors < DPI_RULES_MAX_ERRORS &&
	    asprintf(&rs->errors[rs->n_errors], "%s:0:0: cannot read rules: %s%s", path,
		     strerror(-r), r == -EFBIG ? " (the limit is 64 MiB)" : "") >= 0)
		rs->n_errors++;
out:
	if (f)
		fclose(f);
	free(text);
	return r;
}

/* ---- header matching ---- */

static bool cidr_match(const struct dpi_cidr *c, uint8_t family, const uint8_t *addr)
{
	unsigned int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, addr, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (c->addr[full] & mask) == (addr[full] & mask);
	}
	return true;
}

static bool addrs_match(const struct dpi_addrs *s, uint8_t family, const uint8_t *addr)
{
	bool pos_seen = false, pos_hit = false;

	if (s->any)
		return true;
	for (int i = 0; i < s->n; i++) {
		bool m = cidr_match(&s->v[i], family, addr);

		if (s->v[i].neg) {
			if (m)
				return false;
		} else {
			pos_seen = true;
			pos_hit |= m;
		}
	}
	return !pos_seen || pos_hit;
}

static bool ports_match(const struct dpi_ports *s, uint16_t port)
{
	bool pos_seen = false, pos_hit = false;

	if (s->any)
		return true;
	for (int i = 0; i < s->n; i++) {
		bool m = port >= s->v[i].lo && port <= s->v[i].hi;

		if (s->v[i].neg) {
			if (m)
				return false;
		} else {
			pos_seen = true;
			pos_hit |= m;
		}
	}
	return !pos_seen || pos_hit;
}

static bool one_way(const struct dpi_rule *r, const struct dpi_tuple *t, bool swap)
{
	const uint8_t *sa = swap ? t->daddr : t->saddr, *da = swap ? t->saddr : t->daddr;
	uint16_t sp = swap ? t->dport : t->sport, dp = swap ? t->sport : t->dport;

	if (!addrs_match(&r->src, t->family, sa) || !addrs_match(&r->dst, t->family, da))
		return false;
	if (t->proto == DPI_PROTO_TCP || t->proto == DPI_PROTO_UDP)
		return ports_match(&r->sport, sp) && ports_match(&r->dport, dp);
	return r->sport.any && r->dport.any;
}

bool dpi_rule_match_tuple(const struct dpi_rule *r, const struct dpi_tuple *t)
{
	if (r->proto != DPI_PROTO_IP && t->proto && r->proto != t->proto)
		return false;
	if (t->family != 4 && t->family != 6)
		return true;
	return one_way(r, t, false) || (r->bidir && one_way(r, t, true));
}
