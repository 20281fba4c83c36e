// SPDX-License-Identifier: GPL-2.0-only
/* The one table printer every ztos command uses: columns sized to their content. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ztos.h"

void table_init(struct table *t, ...)
{
	const char *h;
	va_list ap;

	*t = (struct table){};
	va_start(ap, t);
	while ((h = va_arg(ap, const char *)) && t->ncols < TABLE_MAX_COLS)
		t->head[t->ncols++] = h;
	va_end(ap);
}

static void table_add(struct table *t, char *cell)
{
	char **cells;

	if (!cell)
		t->err = t->err ?: -ENOMEM;
	if (t->err)
		goto fail;
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		cells = realloc(t->cells, t->cap * sizeof(*cells));
		if (!cells) {
			t->err = -ENOMEM;
			goto fail;
		}
		t->cells = cells;
	}
	t->cells[t->ncells++] = cell;
	return;
fail:
	free(cell);
}

void table_cell(struct table *t, const char *fmt, ...)
{
	char *cell = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		cell = NULL;
	va_end(ap);
	table_add(t, cell);
}

void table_cell_json(struct table *t, const cJSON *v)
{
	struct strbuf sb = {};

	json_scalar(&sb, v);
	if (sb.err) {
		t->err = t->err ?: sb.err;
		sb_free(&sb);
		return;
	}
	table_add(t, strdup(sb_str(&sb)));
	sb_free(&sb);
}

/* Terminal columns, not bytes: UTF-8 continuation bytes take no room. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static const char *cell_text(const char *s)
{
	return s && *s ? s : "-";
}

static bool column_empty(const struct table *t, size_t col)
{
	for (size_t i = col; i < t->ncells; i += t->ncols)
		if (strcmp(cell_text(t->cells[i]), "-"))
			return false;
	return true;
}

static void print_row(const struct table *t, const char *const *row, const size_t *w,
		      const bool *shown, FILE *f)
{
	size_t last = 0;

	for (size_t c = 0; c < t->ncols; c++)
		if (shown[c])
			last = c;
	for (size_t c = 0; c <= last; c++) {
		if (!shown[c])
			continue;
		if (c == last)
			fprintf(f, "%s\n", cell_text(row[c]));
		else
			fprintf(f, "%s%*s  ", cell_text(row[c]),
				(int)(w[c] - width(cell_text(row[c]))), "");
	}
}

int table_print(struct table *t, FILE *f)
{
	size_t w[TABLE_MAX_COLS] = {};
	bool shown[TABLE_MAX_COLS];

	if (t->err)
		return t->err;
	/* A row left short by a caller still prints: pad it with "-". */
	while (t->ncells % t->ncols && !t->err)
		table_add(t, strdup("-"));
	if (t->err)
		return t->err;
	for (size_t c = 0; c < t->ncols; c++) {
		shown[c] = !(t->hide_empty & (1u << c)) || !column_empty(t, c);
		w[c] = width(t->head[c]);
	}
	for (size_t i = 0; i < t->ncells; i++)
		if (width(cell_text(t->cells[i])) > w[i % t->ncols])
			w[i % t->ncols] = width(cell_text(t->cells[i]));
	print_row(t, t->head, w, shown, f);
	for (size_t i = 0; i < t->ncells; i += t->ncols)
		print_row(t, (const char *const *)t->cells + i, w, shown, f);
	return 0;
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct table){};
}

/* "10.0.0.1:80", "[2001:db8::1]:80", or the address alone when there is no port. */
void table_cell_endpoint(struct table *t, const cJSON *obj, const char *ip_key,
			 const char *port_key)
{
	const char *ip = json_str(obj, ip_key);
	double port = 0;

	json_num(obj, port_key, &port);
	if (!ip)
		table_cell(t, "-");
	else if (!port)
		table_cell(t, "%s", ip);
	else
		table_cell(t, strchr(ip, ':') ? "[%s]:%.0f" : "%s:%.0f", ip, port);
}
