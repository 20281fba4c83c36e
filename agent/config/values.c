// SPDX-License-Identifier: GPL-2.0-only
/*
 * Syntax of single config values: numbers, addresses, prefixes, names, keys.
 * Nothing here reports errors; the schema walker turns -EINVAL into a message.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int cfg_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p)
		return -EINVAL;
	if (*s == '-' && v)
		return -ERANGE;
	*out = v;
	return 0;
}

int cfg_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMG";
	char num[24];
	size_t len = strlen(s);
	const char *u;
	uint64_t v;
	int err, shift;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	u = strchr(units, toupper((unsigned char)s[len - 1]));
	if (!u)
		return cfg_parse_u64(s, out);
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	err = cfg_parse_u64(num, &v);
	if (err)
		return err;
	shift = 10 * (int)(u - units + 1);
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int cfg_parse_addr(const char *s, struct ztos_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* -EINVAL: not ADDR/LEN; -ERANGE: the length does not fit the family */
int cfg_parse_cidr(const char *s, struct ztos_cidr *c)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint64_t len;
	size_t alen;

	memset(c, 0, sizeof(*c));
	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (cfg_parse_addr(addr, &c->addr) || slash[1] == '+' || slash[1] == '-' ||
	    cfg_parse_u64(slash + 1, &len))
		return -EINVAL;
	if (len > (c->addr.family == AF_INET ? 32u : 128u))
		return -ERANGE;
	c->prefixlen = (uint8_t)len;
	return 0;
}

int cfg_parse_port(const char *s, uint16_t *port)
{
	uint64_t v;
	int err = cfg_parse_u64(s, &v);

	if (err || *s == '-' || *s == '+')
		return err ? err : -EINVAL;
	if (v < 1 || v > 65535)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

/* -EINVAL: not HOST:PORT; -ERANGE: the port is not 1..65535 */
int cfg_split_hostport(const char *s, char *host, size_t hostlen, bool *bracketed,
		       uint16_t *port)
{
	const char *colon, *start = s, *end;

	*bracketed = s[0] == '[';
	if (*bracketed) {
		start = s + 1;
		end = strchr(start, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		/* a bare IPv6 address would make the port ambiguous */
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		end = colon;
	}
	if (end == start || (size_t)(end - start) >= hostlen)
		return -EINVAL;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	return cfg_parse_port(colon + 1, port);
}

int cfg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* The kernel's dev_valid_name(), with reasons a user can act on. */
const char *cfg_ifname_problem(const char *s)
{
	const char *p;

	if (!*s)
		return "it is empty";
	if (strlen(s) >= IF_NAMESIZE)
		return "it is longer than 15 characters";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "'.' and '..' are not interface names";
	if (*s == '-')
		return "it starts with '-', which the tools it is handed to (wireguard-go, ip) read as an option";
	for (p = s; *p; p++) {
		if (*p == '/' || *p == ':')
			return "it contains '/' or ':'";
		if (isspace((unsigned char)*p))
			return "it contains white space";
	}
	return NULL;
}

static size_t addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Mask addr to its first plen bits. */
static void mask_addr(struct ztos_addr *a, unsigned int plen)
{
	uint8_t *b = (uint8_t *)&a->v6;
	size_t i, n = addr_bytes(a->family);

	for (i = 0; i < n; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		b[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

bool cfg_addr_equal(const struct ztos_addr *a, const struct ztos_addr *b)
{
	return a->family == b->family && !memcmp(&a->v6, &b->v6, addr_bytes(a->family));
}

bool cfg_cidr_host_bits(const struct ztos_cidr *c, struct ztos_cidr *net)
{
	*net = *c;
	mask_addr(&net->addr, c->prefixlen);
	return !cfg_addr_equal(&net->addr, &c->addr);
}

bool cfg_cidr_overlap(const struct ztos_cidr *a, const struct ztos_cidr *b)
{
	struct ztos_addr x = a->addr, y = b->addr;
	unsigned int plen = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	if (a->addr.family != b->addr.family)
		return false;
	mask_addr(&x, plen);
	mask_addr(&y, plen);
	return cfg_addr_equal(&x, &y);
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *ztos_key_str(const uint8_t key[32], char *buf, size_t len)
{
	size_t j = 0;

	if (len < 45)
		return "";
	for (int i = 0; i < 32; i += 3) {
		uint32_t v = key[i] << 16 | (i + 1 < 32 ? key[i + 1] << 8 : 0) |
			     (i + 2 < 32 ? key[i + 2] : 0);

		buf[j++] = b64_alphabet[v >> 18 & 63];
		buf[j++] = b64_alphabet[v >> 12 & 63];
		buf[j++] = i + 1 < 32 ? b64_alphabet[v >> 6 & 63] : '=';
		buf[j++] = i + 2 < 32 ? b64_alphabet[v & 63] : '=';
	}
	buf[j] = '\0';
	return buf;
}

static int b64_value(char ch)
{
	const char *p = ch ? strchr(b64_alphabet, ch) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

/* Standard alphabet, padding required, as wg(8) writes keys. */
int cfg_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t i, n = 0, pad = 0;
	bool last;
	uint32_t acc;
	int j, v;

	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		last = i + 4 == len;
		for (j = 0; j < 4; j++) {
			/* '=' only at the very end: at most two of them */
			if (s[i + j] == '=' && last && j >= 2 && (j == 3 || s[i + 3] == '=')) {
				pad++;
				v = 0;
			} else if ((v = b64_value(s[i + j])) < 0 || pad) {
				return -EINVAL;
			}
			acc = acc << 6 | (uint32_t)v;
		}
		for (j = 0; j < 3 - (int)(last ? pad : 0); j++) {
			if (n >= cap)
				return -ENOSPC;
			out[n++] = (uint8_t)(acc >> (16 - 8 * j));
		}
	}
	return (int)n;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int cfg_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t i;
	int hi, lo;

	if (len % 2)
		return -EINVAL;
	if (len / 2 > cap)
		return -ENOSPC;
	for (i = 0; i < len; i += 2) {
		hi = hex_value(s[i]);
		lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

/* Append one path component to out (at least len bytes), handling "." and "..". */
static void path_push(char *out, const char *comp, size_t clen)
{
	char *slash;

	if (clen == 0 || (clen == 1 && comp[0] == '.'))
		return;
	if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
		slash = strrchr(out, '/');
		if (slash)
			*(slash == out ? slash + 1 : slash) = '\0';
		return;
	}
	if (strcmp(out, "/"))
		strcat(out, "/");
	strncat(out, comp, clen);
}

static void path_normalize(char *out, const char *in)
{
	const char *p = in, *slash;

	strcpy(out, "/");
	while (*p) {
		slash = strchrnul(p, '/');
		path_push(out, p, (size_t)(slash - p));
		p = *slash ? slash + 1 : slash;
	}
}

char *cfg_path_resolve(const char *base, const char *p)
{
	char *cwd = NULL, *joined = NULL, *out = NULL;

	if (p[0] != '/' && !base) {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return NULL;
		base = cwd;
	}
	if (asprintf(&joined, "%s/%s", p[0] == '/' ? "" : base, p) < 0) {
		joined = NULL;
		goto cleanup;
	}
	/* a relative base (say "config/examples") is itself made absolute */
	if (joined[0] != '/') {
		out = cfg_path_resolve(NULL, joined);
		goto cleanup;
	}
	out = malloc(strlen(joined) + 2);
	if (out)
		path_normalize(out, joined);
cleanup:
	free(cwd);
	free(joined);
	return out;
}

static bool same_letter(char x, char y)
{
	return tolower((unsigned char)x) == tolower((unsigned char)y);
}

/* Levenshtein, ignoring case: "Underlay" is 0 edits from "underlay". */
unsigned int cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[33], diag, up, best;

	/* keys are short; past 32 characters no suggestion is worth making */
	if (la > 32 || lb > 32)
		return ~0u;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + !same_letter(a[i - 1], b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

size_t ztos_utf8_seq(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int lo = 0x80, hi = 0xbf;
	size_t len;

	if (!n)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* the second byte's range is what rules out overlongs, surrogates and > U+10FFFF */
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (n < len || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return len;
}
