// SPDX-License-Identifier: GPL-2.0-only
/*
 * YAML into the config tree, through libyaml's event parser. Every node keeps the
 * file, line and column it started at, so the schema can point at it.
 *
 * Anchors, aliases and tags are refused: a config has no use for them, and an
 * alias would give a node two locations (and billion-laughs documents a way in).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "internal.h"

#define YAML_FILE_MAX (4u << 20)	/* far more than any config; stops reading /dev/zero */

struct ybuild {
	const char *name;
	struct cfg_errors *errs;
	struct cfg_node *root;
	struct cfg_node *stack[CFG_DEPTH_MAX];
	struct cfg_node *key[CFG_DEPTH_MAX];	/* a map's key waiting for its value */
	int depth;
	int docs;
};

__attribute__((format(printf, 3, 4)))
static int yerr(struct ybuild *b, const yaml_mark_t *m, const char *fmt, ...)
{
	char where[4096];
	va_list ap;
	int err;

	snprintf(where, sizeof(where), "%s:%zu:%zu", b->name, m->line + 1, m->column + 1);
	va_start(ap, fmt);
	err = cfg_error_vadd(b->errs, where, fmt, ap);
	va_end(ap);
	return err ? err : -EINVAL;
}

static bool is_word(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

/* 12, -3, 1.5, 2e3: what YAML 1.2's core schema reads as a number */
static bool looks_number(const char *s)
{
	bool digits = false;

	if (*s == '+' || *s == '-')
		s++;
	for (; (*s >= '0' && *s <= '9'); s++)
		digits = true;
	if (*s == '.')
		for (s++; (*s >= '0' && *s <= '9'); s++)
			digits = true;
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return digits && !*s;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };

static struct cfg_node *scalar_node(struct ybuild *b, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	unsigned int line = (unsigned int)ev->start_mark.line + 1;
	unsigned int col = (unsigned int)ev->start_mark.column + 1;
	enum cfg_kind kind = CFG_STRING;
	struct cfg_node *n;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (is_word(text, null_words))
			kind = CFG_NULL;
		else if (is_word(text, true_words) || is_word(text, false_words))
			kind = CFG_BOOL;
		else if (looks_number(text))
			kind = CFG_NUMBER;
	}
	/* booleans are spelled one way in the tree, whatever the case in the file */
	if (kind == CFG_BOOL) {
		text = is_word(text, true_words) ? "true" : "false";
		len = strlen(text);
	}
	n = cfg_scalar_new(kind, text, len, b->name, line, col);
	if (n)
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return n;
}

static int check_duplicate(struct ybuild *b, const struct cfg_node *map,
			   const struct cfg_node *key)
{
	char where[4096];
	size_t i;

	if (cfg_map_index(map, key->text, &i))
		return 0;
	cfg_node_where(key, where, sizeof(where));
	if (cfg_error_add(b->errs, where, "duplicate key '%s' (first at line %u); a key may appear once in a map",
			  key->text, map->keys[i]->line))
		return -ENOMEM;
	/* not fatal: parsing goes on to find the other mistakes */
	return 0;
}

/* Hang n under the open map or list, or make it the root. Takes n, also on failure. */
static int attach(struct ybuild *b, struct cfg_node *n, const yaml_mark_t *m)
{
	struct cfg_node *parent, *key;
	int d = b->depth - 1;

	if (d < 0) {
		b->root = n;
		return 0;
	}
	parent = b->stack[d];
	if (parent->n >= CFG_ITEMS_MAX && (parent->type == CFG_SEQ || !b->key[d])) {
		cfg_node_free(n);
		return yerr(b, m, "more than %d items in one list or map; no config needs so many",
			    CFG_ITEMS_MAX);
	}
	if (parent->type == CFG_SEQ)
		return cfg_seq_append(parent, n);
	if (b->key[d]) {
		key = b->key[d];
		b->key[d] = NULL;
		return cfg_map_append(parent, key, n);
	}
	if (n->type != CFG_SCALAR) {
		cfg_node_free(n);
		return yerr(b, m, "a key must be a plain word, not a map or list");
	}
	b->key[d] = n;
	return check_duplicate(b, parent, n);
}

static int refuse_extras(struct ybuild *b, const yaml_event_t *ev, const yaml_char_t *anchor,
			 const yaml_char_t *tag)
{
	if (anchor)
		return yerr(b, &ev->start_mark,
			    "anchors (&%s) and aliases are not supported; write the value out",
			    (const char *)anchor);
	if (tag)
		return yerr(b, &ev->start_mark,
			    "tags (%s) are not supported; quote a value to make it a string",
			    (const char *)tag);
	return 0;
}

static int open_node(struct ybuild *b, const yaml_event_t *ev, enum cfg_type type)
{
	struct cfg_node *n;
	int err;

	if (b->depth >= CFG_DEPTH_MAX)
		return yerr(b, &ev->start_mark, "nesting is deeper than %d levels", CFG_DEPTH_MAX);
	n = cfg_node_new(type, b->name, (unsigned int)ev->start_mark.line + 1,
			 (unsigned int)ev->start_mark.column + 1);
	if (!n)
		return -ENOMEM;
	err = attach(b, n, &ev->start_mark);
	if (err)
		return err;
	b->key[b->depth] = NULL;
	b->stack[b->depth++] = n;
	return 0;
}

static int on_scalar(struct ybuild *b, const yaml_event_t *ev)
{
	struct cfg_node *n;
	int err = refuse_extras(b, ev, ev->data.scalar.anchor,
				ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit ?
				NULL : ev->data.scalar.tag);

	if (err)
		return err;
	n = scalar_node(b, ev);
	return n ? attach(b, n, &ev->start_mark) : -ENOMEM;
}

static int on_event(struct ybuild *b, const yaml_event_t *ev)
{
	int err;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->docs++)
			return yerr(b, &ev->start_mark,
				    "a second document starts here; a config is one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return yerr(b, &ev->start_mark, "aliases (*%s) are not supported; write the value out",
			    (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		err = refuse_extras(b, ev, ev->data.sequence_start.anchor,
				    ev->data.sequence_start.implicit ? NULL :
				    ev->data.sequence_start.tag);
		return err ? err : open_node(b, ev, CFG_SEQ);
	case YAML_MAPPING_START_EVENT:
		err = refuse_extras(b, ev, ev->data.mapping_start.anchor,
				    ev->data.mapping_start.implicit ? NULL :
				    ev->data.mapping_start.tag);
		return err ? err : open_node(b, ev, CFG_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* libyaml's own words, with the position it gives (0-based there, 1-based here). */
static int syntax_error(struct ybuild *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_mark_t m = p->problem_mark;
	char ctx[160] = "";
	const char *hint = "";
	size_t i;

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset only */
		memset(&m, 0, sizeof(m));
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				m.line++;
				m.column = 0;
			} else {
				m.column++;
			}
		}
	}
	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at line %zu, column %zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	if (m.index < len && buf[m.index] == '\t')
		hint = "; YAML is indented with spaces, not tabs";
	return yerr(b, &m, "syntax error: %s%s%s", p->problem ? p->problem : "malformed YAML",
		    ctx, hint);
}

static int parse_events(struct ybuild *b, yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_event_t ev;
	bool done;
	int err;

	do {
		if (!yaml_parser_parse(p, &ev))
			return syntax_error(b, p, buf, len);
		done = ev.type == YAML_STREAM_END_EVENT;
		err = on_event(b, &ev);
		yaml_event_delete(&ev);
		if (err)
			return err;
	} while (!done);
	return 0;
}

int cfg_parse_yaml(const char *name, const char *buf, size_t len, struct cfg_node **root,
		   struct cfg_errors *errs)
{
	struct ybuild b = { .name = name ? name : "<input>", .errs = errs };
	size_t n_errs = errs->n;
	yaml_parser_t p;
	int err, d;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	err = parse_events(&b, &p, buf, len);
	yaml_parser_delete(&p);
	/* an empty file is an empty map: the schema then asks for "version: 1" */
	if (!err && !b.root && !(b.root = cfg_node_new(CFG_MAP, b.name, 1, 1)))
		err = -ENOMEM;
	if (!err && errs->n > n_errs)
		err = -EINVAL;
	/* keys still waiting for a value belong to no map yet */
	for (d = 0; d < b.depth; d++)
		cfg_node_free(b.key[d]);
	if (err) {
		cfg_node_free(b.root);
		return err;
	}
	*root = b.root;
	return 0;
}

static int read_all(int fd, char **out, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t r = 0;
	int err = 0;

	do {
		if (n > YAML_FILE_MAX) {
			err = -EFBIG;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r > 0)
			n += (size_t)r;
	} while (r > 0 || (r < 0 && errno == EINTR));
	if (!err && r < 0)
		err = -errno;
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

int cfg_parse_yaml_file(const char *path, struct cfg_node **root, struct cfg_errors *errs)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, err;

	*root = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto report;
	}
	err = read_all(fd, &buf, &len);
	close(fd);
	if (err)
		goto report;
	err = cfg_parse_yaml(path, buf, len, root, errs);
	free(buf);
	return err;
report:
	if (err == -ENOMEM)
		return err;
	if (cfg_error_add(errs, path, "cannot read: %s",
			  err == -EFBIG ? "the file is larger than 4 MiB" : strerror(-err)))
		return -ENOMEM;
	return err;
}
