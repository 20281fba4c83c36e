// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON (the body of POST /api/v1/network/configure) into the config tree.
 *
 * cJSON says where it stopped but not why, so a small structural scanner runs
 * first: it finds the first misplaced token and knows what was expected there
 * ("expected ',' or '}'"). cJSON then does the real parse; when only it fails
 * (a bad number, a bad escape), its position is reported.
 *
 * JSON nodes carry no file position: errors about them name the path instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "internal.h"

enum jstate {
	J_VALUE,		/* the document's value, or after ':' */
	J_FIRST_VALUE,		/* after '[' */
	J_NEXT_VALUE,		/* after ',' in a list */
	J_FIRST_KEY,		/* after '{' */
	J_NEXT_KEY,		/* after ',' in an object */
	J_COLON,
	J_COMMA_OR_CLOSE,
	J_END,
};

struct jscan {
	const char *buf;
	size_t len, pos;
	enum jstate state;
	char stack[CFG_DEPTH_MAX];	/* '{' or '[' */
	int depth;
	const char *bad;	/* what is wrong inside a string, at pos */
};

static const char *const expected[] = {
	[J_VALUE] = "expected a value (object, list, string, number, true, false or null)",
	[J_FIRST_VALUE] = "expected a value or ']'",
	[J_NEXT_VALUE] = "expected a value after ','",
	[J_FIRST_KEY] = "expected a quoted key or '}'",
	[J_NEXT_KEY] = "expected a quoted key after ','",
	[J_COLON] = "expected ':' after the key",
	[J_COMMA_OR_CLOSE] = "expected ',' or a closing bracket",
	[J_END] = "expected nothing after the end of the document",
};

static void after_value(struct jscan *s)
{
	s->state = s->depth ? J_COMMA_OR_CLOSE : J_END;
}

static bool accepts_value(enum jstate st)
{
	return st == J_VALUE || st == J_FIRST_VALUE || st == J_NEXT_VALUE;
}

/*
 * Skip a string starting at s->pos; false when it never ends on its line, or holds what
 * would not arrive whole (s->bad says what, s->pos where): cJSON would cut a value at
 * "\u0000" or a raw NUL ("a\u0000b" became the tenant "a"), and would keep invalid UTF-8.
 */
static bool skip_string(struct jscan *s)
{
	size_t seq;

	for (s->pos++; s->pos < s->len; s->pos++) {
		unsigned char ch = (unsigned char)s->buf[s->pos];

		if (ch == '\\' && !strncmp(s->buf + s->pos, "\\u0000", 6)) {
			s->bad = "\\u0000 (NUL) cannot be in a string";
			return false;
		}
		if (ch == '\\') {
			s->pos++;
		} else if (ch == '"') {
			return true;
		} else if (ch == '\n') {
			return false;
		} else if (ch < 0x20) {
			s->bad = "a control character (a raw NUL, tab or the like) cannot be in a string; escape it";
			return false;
		} else if (ch >= 0x80) {
			seq = ztos_utf8_seq(s->buf + s->pos, s->len - s->pos);
			if (!seq) {
				s->bad = "not UTF-8; a string must be valid UTF-8";
				return false;
			}
			s->pos += seq - 1;
		}
	}
	return false;
}

static bool open_container(struct jscan *s, char ch)
{
	if (!accepts_value(s->state) || s->depth >= CFG_DEPTH_MAX)
		return false;
	s->stack[s->depth++] = ch;
	s->state = ch == '{' ? J_FIRST_KEY : J_FIRST_VALUE;
	return true;
}

static bool close_container(struct jscan *s, char ch)
{
	char open = ch == '}' ? '{' : '[';
	enum jstate first = ch == '}' ? J_FIRST_KEY : J_FIRST_VALUE;

	if (!s->depth || s->stack[s->depth - 1] != open ||
	    (s->state != first && s->state != J_COMMA_OR_CLOSE))
		return false;
	s->depth--;
	after_value(s);
	return true;
}

static bool is_word_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '-' || ch == '+' || ch == '.';
}

/* One token at s->pos; false when it cannot stand there (s->pos stays on it). */
static bool scan_token(struct jscan *s)
{
	char ch = s->buf[s->pos];

	switch (ch) {
	case '{':
	case '[':
		return open_container(s, ch);
	case '}':
	case ']':
		return close_container(s, ch);
	case ':':
		if (s->state != J_COLON)
			return false;
		s->state = J_VALUE;
		return true;
	case ',':
		if (s->state != J_COMMA_OR_CLOSE)
			return false;
		s->state = s->stack[s->depth - 1] == '{' ? J_NEXT_KEY : J_NEXT_VALUE;
		return true;
	case '"':
		if (s->state == J_FIRST_KEY || s->state == J_NEXT_KEY)
			s->state = J_COLON;
		else if (accepts_value(s->state))
			after_value(s);
		else
			return false;
		return skip_string(s);
	}
	/* a number or a literal: cJSON checks its spelling */
	if (!accepts_value(s->state) || !is_word_char(ch))
		return false;
	while (s->pos + 1 < s->len && is_word_char(s->buf[s->pos + 1]))
		s->pos++;
	after_value(s);
	return true;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static const char *why_not(const struct jscan *s, size_t start)
{
	char ch = s->buf[start];

	if (ch == '"' && s->pos > start)
		return "unterminated string (a string ends on its line with '\"')";
	if ((ch == '{' || ch == '[') && s->depth >= CFG_DEPTH_MAX)
		return "nesting is deeper than 64 levels";
	if ((ch == '}' || ch == ']') && (s->state == J_NEXT_KEY || s->state == J_NEXT_VALUE))
		return "trailing comma; remove the ',' before the closing bracket";
	if (s->state == J_COMMA_OR_CLOSE)
		return s->stack[s->depth - 1] == '{' ? "expected ',' or '}'" : "expected ',' or ']'";
	return expected[s->state];
}

/* 0: structure fine; else -EINVAL with *at and *why set */
static int scan(struct jscan *s, size_t *at, const char **why)
{
	size_t start;

	for (s->pos = 0; s->pos < s->len; s->pos++) {
		if (is_space(s->buf[s->pos]))
			continue;
		start = s->pos;
		if (!scan_token(s)) {
			*at = s->bad ? s->pos : start;
			*why = s->bad ? s->bad : why_not(s, start);
			return -EINVAL;
		}
	}
	if (s->state == J_END)
		return 0;
	*at = s->len;
	*why = s->state == J_COMMA_OR_CLOSE ? why_not(s, s->len) : expected[s->state];
	return -EINVAL;
}

static void line_col(const char *buf, size_t at, unsigned int *line, unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < at; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int syntax_error(struct cfg_errors *errs, const char *buf, size_t len, size_t at,
			const char *why)
{
	unsigned int line, col;
	char where[64], what[32];

	line_col(buf, at, &line, &col);
	snprintf(where, sizeof(where), "line %u, column %u", line, col);
	if (at >= len)
		snprintf(what, sizeof(what), "unexpected end of input");
	else if (buf[at] >= 0x20 && buf[at] < 0x7f)
		snprintf(what, sizeof(what), "unexpected '%c'", buf[at]);
	else
		snprintf(what, sizeof(what), "unexpected byte 0x%02x", (unsigned char)buf[at]);
	return cfg_error_add(errs, where, "invalid JSON: %s: %s", what, why) ? -ENOMEM : -EINVAL;
}

/* ---- cJSON items into nodes ---- */

__attribute__((format(printf, 3, 4)))
static int path_error(struct cfg_errors *errs, const char *path, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = cfg_error_vadd(errs, path[0] ? path : "(top level)", fmt, ap);
	va_end(ap);
	return err ? err : -EINVAL;
}

static struct cfg_node *convert(const cJSON *j, char *path, size_t plen, size_t cap,
				struct cfg_errors *errs, int *err);

static struct cfg_node *number_node(const cJSON *j)
{
	const double exact = 9007199254740992.0;	/* 2^53: past it every double is whole */
	double d = j->valuedouble;
	bool whole = d == d && (d <= -exact || d >= exact || d == (double)(long long)d);
	char text[32];

	/* whole numbers as integers (past 2^64 no field takes them: 1e+20 is fine there) */
	if (whole && d > -1e20 && d < 1e20)
		snprintf(text, sizeof(text), "%.0f", d);
	else
		snprintf(text, sizeof(text), "%.17g", d);
	return cfg_scalar_new(CFG_NUMBER, text, strlen(text), NULL, 0, 0);
}

static struct cfg_node *scalar_node(const cJSON *j)
{
	if (cJSON_IsString(j))
		return cfg_scalar_new(CFG_STRING, j->valuestring, strlen(j->valuestring), NULL, 0,
				      0);
	if (cJSON_IsNumber(j))
		return number_node(j);
	if (cJSON_IsBool(j))
		return cfg_scalar_new(CFG_BOOL, cJSON_IsTrue(j) ? "true" : "false",
				      cJSON_IsTrue(j) ? 4 : 5, NULL, 0, 0);
	return cfg_scalar_new(CFG_NULL, "", 0, NULL, 0, 0);
}

static int convert_child(struct cfg_node *parent, const cJSON *c, char *path, size_t plen,
			 size_t cap, struct cfg_errors *errs)
{
	struct cfg_node *key, *val;
	int err = 0;

	if (parent->n >= CFG_ITEMS_MAX)
		return path_error(errs, path[0] ? path : "", "more than %d items in one list or object; no config needs so many",
				  CFG_ITEMS_MAX);
	if (parent->type == CFG_SEQ) {
		snprintf(path + plen, cap - plen, "[%zu]", parent->n);
	} else {
		snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", c->string);
		if (cfg_map_get(parent, c->string)) {
			err = path_error(errs, path, "duplicate key '%s'; a key may appear once in an object",
					 c->string);
			path[plen] = '\0';
			return err == -ENOMEM ? err : 0;
		}
	}
	val = convert(c, path, strlen(path), cap, errs, &err);
	path[plen] = '\0';
	if (!val)
		return err;
	if (parent->type == CFG_SEQ)
		return cfg_seq_append(parent, val);
	key = cfg_scalar_new(CFG_STRING, c->string, strlen(c->string), NULL, 0, 0);
	if (!key) {
		cfg_node_free(val);
		return -ENOMEM;
	}
	return cfg_map_append(parent, key, val);
}

/* path holds the node's path ("tenants[1]") for duplicate-key errors. */
static struct cfg_node *convert(const cJSON *j, char *path, size_t plen, size_t cap,
				struct cfg_errors *errs, int *err)
{
	struct cfg_node *n;
	const cJSON *c;

	if (!cJSON_IsObject(j) && !cJSON_IsArray(j)) {
		n = scalar_node(j);
		*err = n ? 0 : -ENOMEM;
		return n;
	}
	n = cfg_node_new(cJSON_IsObject(j) ? CFG_MAP : CFG_SEQ, NULL, 0, 0);
	*err = n ? 0 : -ENOMEM;
	for (c = j->child; n && c; c = c->next) {
		*err = convert_child(n, c, path, plen, cap, errs);
		if (*err) {
			cfg_node_free(n);
			return NULL;
		}
	}
	return n;
}

static const char *json_type(const cJSON *j)
{
	if (cJSON_IsArray(j))
		return "a list";
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	return "null";
}

static int parse_checked(const char *copy, size_t len, cJSON **out, struct cfg_errors *errs)
{
	struct jscan s = { .buf = copy, .len = len };
	const char *why, *end = NULL;
	size_t at;

	*out = NULL;
	if (scan(&s, &at, &why))
		return syntax_error(errs, copy, len, at, why);
	*out = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (*out)
		return 0;
	if (!end)
		return -ENOMEM;
	return syntax_error(errs, copy, len, (size_t)(end - copy),
			    "invalid value (a number, an escape in a string, or a misspelled "
			    "true/false/null)");
}

int cfg_parse_json(const char *buf, size_t len, struct cfg_node **root, struct cfg_errors *errs)
{
	size_t n_errs = errs->n;
	char path[512] = "";
	cJSON *j = NULL;
	char *copy;
	int err;

	*root = NULL;
	/* cJSON wants the NUL inside the length to check nothing follows the document */
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	err = parse_checked(copy, len, &j, errs);
	if (err)
		goto cleanup;
	if (!cJSON_IsObject(j)) {
		err = path_error(errs, "", "the document must be a JSON object ({...}), not %s",
				 json_type(j));
		goto cleanup;
	}
	*root = convert(j, path, 0, sizeof(path), errs, &err);
	if (!err && errs->n > n_errs)
		err = -EINVAL;
	if (err) {
		cfg_node_free(*root);
		*root = NULL;
	}
cleanup:
	cJSON_Delete(j);
	free(copy);
	return err;
}
