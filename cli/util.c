// SPDX-License-Identifier: GPL-2.0-only
/* Command line helpers and a growable string for the ztos client. */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "ztos.h"

int usage_error(const struct ztos_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctx->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", ctx->cmd);
	return -EINVAL;
}

/* getopt_long leaves the offending word at argv[optind - 1] ("+:" optstrings). */
int opt_error(const struct ztos_ctx *ctx, int c, char **argv)
{
	const char *word = argv[optind - 1];
	const char *eq = strchr(word, '=');

	if (c == ':')
		return usage_error(ctx, "option '%s' needs a value", word);
	if (optopt && !strncmp(word, "--", 2) && eq)
		return usage_error(ctx, "option '%.*s' takes no value", (int)(eq - word), word);
	if (optopt && strncmp(word, "--", 2))
		return usage_error(ctx, "unknown option '-%c'", optopt);
	return usage_error(ctx, "unknown option '%s'", word);
}

int no_operands(const struct ztos_ctx *ctx, int argc, char **argv)
{
	if (optind < argc)
		return usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int read_opts(struct ztos_ctx *ctx, int argc, char **argv, const char *help)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'j') {
			ctx->json = true;
		} else if (c == 'h') {
			fputs(help, stdout);
			return 1;
		} else {
			return opt_error(ctx, c, argv);
		}
	}
	return no_operands(ctx, argc, argv);
}

int parse_u32(const struct ztos_ctx *ctx, const char *opt, const char *s, uint32_t min,
	      uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return usage_error(ctx, "%s: '%s' is not a number from %u to %u", opt, s, min, max);
}

static void sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap = sb->cap ? sb->cap : 64;
	char *s;

	while (cap < sb->len + more + 1)
		cap *= 2;
	if (cap == sb->cap)
		return;
	s = realloc(sb->s, cap);
	if (!s) {
		sb->err = -ENOMEM;
		return;
	}
	sb->s = s;
	sb->cap = cap;
}

void sb_append(struct strbuf *sb, const char *s, size_t len)
{
	if (sb->err)
		return;
	sb_grow(sb, len);
	if (sb->err)
		return;
	memcpy(sb->s + sb->len, s, len);
	sb->len += len;
	sb->s[sb->len] = '\0';
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (sb->err)
		return;
	if (n < 0) {
		sb->err = -EOVERFLOW;
		return;
	}
	sb_grow(sb, n);
	if (sb->err)
		return;
	vsnprintf(sb->s + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	*sb = (struct strbuf){};
}

void sb_duration(struct strbuf *sb, double secs)
{
	unsigned long long s = secs > 0 ? secs : 0;

	if (s >= 86400)
		sb_printf(sb, "%llud%lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		sb_printf(sb, "%lluh%llum", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		sb_printf(sb, "%llum%llus", s / 60, s % 60);
	else
		sb_printf(sb, "%llus", s);
}

void query_add(struct strbuf *q, const char *key, const char *value)
{
	char *esc;

	if (!value)
		return;
	esc = curl_easy_escape(NULL, value, 0);
	if (!esc) {
		q->err = -ENOMEM;
		return;
	}
	sb_printf(q, "%c%s=%s", q->len ? '&' : '?', key, esc);
	curl_free(esc);
}
