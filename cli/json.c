// SPDX-License-Identifier: GPL-2.0-only
/* Reading the agent's JSON answers: lookups, values as text, and re-indenting. */

#include <string.h>

#include "ztos.h"

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = json_get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool json_num(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = json_get(obj, key);

	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

static void json_number(struct strbuf *sb, double d)
{
	double abs = d < 0 ? -d : d;

	/* Counters are whole numbers: never "1.84467e+19". Past 2^53 every double is whole. */
	if ((abs < 9e15 && d == (double)(long long)d) || (abs >= 9e15 && abs < 1e21))
		sb_printf(sb, "%.0f", d);
	else
		sb_printf(sb, "%g", d);
}

static void json_list(struct strbuf *sb, const cJSON *list)
{
	const cJSON *v;
	bool first = true;

	cJSON_ArrayForEach(v, list) {
		if (!first)
			sb_append(sb, ",", 1);
		first = false;
		json_scalar(sb, v);
	}
}

void json_scalar(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v))
		sb_printf(sb, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		json_number(sb, v->valuedouble);
	else if (cJSON_IsBool(v))
		sb_printf(sb, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsArray(v))
		json_list(sb, v);
	else if (cJSON_IsObject(v))
		json_flatten(sb, v, NULL);
}

static bool skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(name, *skip))
			return true;
	return false;
}

static bool scalars_only(const cJSON *list)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, list)
		if (cJSON_IsArray(v) || cJSON_IsObject(v))
			return false;
	return true;
}

static void flatten(struct strbuf *sb, const cJSON *obj, const char *prefix,
		    const char *const *skip, size_t start);

/* key=value, with the value quoted when a reader could not tell where it ends. */
static void flat_pair(struct strbuf *sb, const char *key, const cJSON *v, size_t start)
{
	struct strbuf val = {};
	const char *s;

	json_scalar(&val, v);
	s = sb_str(&val);
	if (sb->len > start)
		sb_append(sb, " ", 1);
	if (!*s || strpbrk(s, " \t\"="))
		sb_printf(sb, "%s=\"%s\"", key, s);
	else
		sb_printf(sb, "%s=%s", key, s);
	if (val.err)
		sb->err = sb->err ?: val.err;
	sb_free(&val);
}

static void flat_list(struct strbuf *sb, const char *key, const cJSON *list, size_t start)
{
	struct strbuf name = {};
	const cJSON *v;
	int i = 0;

	cJSON_ArrayForEach(v, list) {
		name.len = 0;
		sb_printf(&name, "%s[%d]", key, i++);
		if (cJSON_IsObject(v))
			flatten(sb, v, sb_str(&name), NULL, start);
		else
			flat_pair(sb, sb_str(&name), v, start);
	}
	if (name.err)
		sb->err = sb->err ?: name.err;
	sb_free(&name);
}

static void flatten(struct strbuf *sb, const cJSON *obj, const char *prefix,
		    const char *const *skip, size_t start)
{
	struct strbuf key = {};
	const cJSON *v;

	cJSON_ArrayForEach(v, obj) {
		if (!v->string || cJSON_IsNull(v) || skipped(v->string, skip))
			continue;
		key.len = 0;
		sb_printf(&key, "%s%s%s", prefix ?: "", prefix ? "." : "", v->string);
		if (cJSON_IsObject(v))
			flatten(sb, v, sb_str(&key), NULL, start);
		else if (cJSON_IsArray(v) && !scalars_only(v))
			flat_list(sb, sb_str(&key), v, start);
		else if (!cJSON_IsArray(v) || cJSON_GetArraySize(v))
			flat_pair(sb, sb_str(&key), v, start);
	}
	if (key.err)
		sb->err = sb->err ?: key.err;
	sb_free(&key);
}

void json_flatten(struct strbuf *sb, const cJSON *obj, const char *const *skip)
{
	flatten(sb, obj, NULL, skip, sb->len);
}

void json_flatten_around(struct strbuf *sb, const char *before, const cJSON *obj,
			 const char *const *skip, const char *after)
{
	struct strbuf pairs = {};

	json_flatten(&pairs, obj, skip);
	if (pairs.len)
		sb_printf(sb, "%s%s%s", before, pairs.s, after);
	sb->err = sb->err ?: pairs.err;
	sb_free(&pairs);
}

/* ---- re-indenting: tokens are copied byte for byte, only white space changes ---- */

static void newline(FILE *f, int depth)
{
	fprintf(f, "\n%*s", depth * 2, "");
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && strchr(" \t\r\n", s[i]))
		i++;
	return i;
}

/* Copy the string starting at s[i] (a quote); return the index after its end. */
static size_t copy_string(FILE *f, const char *s, size_t i, size_t len)
{
	size_t start = i++;

	for (; i < len && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	i = i < len ? i + 1 : len;
	fwrite(s + start, 1, i - start, f);
	return i;
}

void json_pretty(FILE *f, const char *s, size_t len)
{
	int depth = 0;
	size_t i = 0, next;

	while ((i = skip_space(s, i, len)) < len) {
		char c = s[i];

		if (c == '"') {
			i = copy_string(f, s, i, len);
			continue;
		}
		i++;
		if (c == '{' || c == '[') {
			fputc(c, f);
			next = skip_space(s, i, len);
			if (next < len && (s[next] == '}' || s[next] == ']')) {
				fputc(s[next], f);	/* {} and [] stay on one line */
				i = next + 1;
			} else {
				newline(f, ++depth);
			}
		} else if (c == '}' || c == ']') {
			newline(f, --depth);
			fputc(c, f);
		} else if (c == ',') {
			fputc(c, f);
			newline(f, depth);
		} else if (c == ':') {
			fputs(": ", f);
		} else {
			fputc(c, f);
		}
	}
	fputc('\n', f);
}
