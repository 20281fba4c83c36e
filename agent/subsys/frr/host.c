// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's own FRR: ztos adds its part (its router bgp lines, its neighbors marked
 * "description ztos", its VNI blocks) and takes away only what it added. What ztos
 * gave FRR is kept in state_dir/frr-part.conf; a change is the difference between that
 * and the new part, given line by line (vtysh -f), never frr-reload.py, which would
 * make the host's whole config ztos's. A block ztos did not create (a router bgp the
 * host had) is never deleted, only the lines ztos put in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subsys/frr/frr_impl.h"
#include "report/log.h"

#define CREATED "! ztos created: "

/* One line of a config and the block under it. */
struct node {
	char *line;
	struct node *kids;
	size_t n;
};

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->n; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->line);
}

static bool structural(const char *s)
{
	return !*s || *s == '!' || !strncmp(s, "exit", 4) || !strcmp(s, "end");
}

static struct node *kid_add(struct node *parent, const char *line)
{
	struct node *v = realloc(parent->kids, (parent->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	parent->kids = v;
	v = &v[parent->n];
	*v = (struct node){ .line = strdup(line) };
	if (!v->line)
		return NULL;
	parent->n++;
	return v;
}

/* By indentation, as FRR writes (and render.c renders) it: one space a level. */
static int parse(const char *text, struct node *root)
{
	struct node *stack[8] = { root };
	char line[1024];
	const char *p = text;

	*root = (struct node){ 0 };
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), depth;
		struct node *k;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p = nl ? nl + 1 : NULL;
		line[strcspn(line, "\r")] = '\0';
		depth = strspn(line, " ");
		if (structural(line + depth))
			continue;
		if (depth > 6)
			return -EINVAL;
		while (depth > 0 && !stack[depth])
			depth--;
		k = kid_add(stack[depth], line + strspn(line, " "));
		if (!k)
			return -ENOMEM;
		stack[depth + 1] = k;
		for (size_t d = depth + 2; d < 8; d++)
			stack[d] = NULL;
	}
	return 0;
}

static const struct node *kid_find(const struct node *n, const char *line)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (!strcmp(n->kids[i].line, line))
			return &n->kids[i];
	return NULL;
}

static const char *exit_word(const char *line)
{
	if (!strncmp(line, "address-family", 14))
		return "exit-address-family";
	if (!strncmp(line, "vni ", 4))
		return "exit-vni";
	if (!strncmp(line, "vrf ", 4))
		return "exit-vrf";
	return "exit";
}

struct ctx {
	const char *path[8];
	int depth;
	FILE *out;
	int ops;
};

/* One command in its context: the blocks it is in, the command, their exits. */
static void op(struct ctx *c, const char *prefix, const struct node *n)
{
	int d;

	for (d = 0; d < c->depth; d++)
		fprintf(c->out, "%*s%s\n", d, "", c->path[d]);
	/* taking back a "no X" line is "X" */
	if (*prefix && !strncmp(n->line, "no ", 3))
		fprintf(c->out, "%*s%s\n", d, "", n->line + 3);
	else
		fprintf(c->out, "%*s%s%s\n", d, "", prefix, n->line);
	for (d = c->depth - 1; d >= 0; d--)
		fprintf(c->out, "%*s%s\n", d, "", exit_word(c->path[d]));
	c->ops++;
}

static void add_all(struct ctx *c, const struct node *n)
{
	op(c, "", n);
	if (c->depth >= 7)
		return;
	c->path[c->depth++] = n->line;
	for (size_t i = 0; i < n->n; i++)
		add_all(c, &n->kids[i]);
	c->depth--;
}

/* Blocks ztos adds to but never deletes whole: the host may have lines in them. */
static bool shared_block(const struct ctx *c, const struct node *n)
{
	return n->n && (c->depth == 0 || !strncmp(n->line, "address-family", 14));
}

/* Lines of prev that next has not, deepest and last first (so "no neighbor X bfd"
 * comes before "no neighbor X remote-as", which takes the whole neighbor). */
static void deletes(struct ctx *c, const struct node *prev, const struct node *next)
{
	for (size_t i = prev->n; i-- > 0;) {
		const struct node *k = &prev->kids[i], *m = kid_find(next, k->line);

		if (m || shared_block(c, k)) {
			if (c->depth >= 7)
				continue;
			c->path[c->depth++] = k->line;
			deletes(c, k, m ? m : &(struct node){ 0 });
			c->depth--;
		} else {
			op(c, "no ", k);
		}
	}
}

static void adds(struct ctx *c, const struct node *prev, const struct node *next)
{
	for (size_t i = 0; i < next->n; i++) {
		const struct node *k = &next->kids[i], *m = kid_find(prev, k->line);

		if (!m) {
			add_all(c, k);
		} else if (c->depth < 7) {
			c->path[c->depth++] = k->line;
			adds(c, m, k);
			c->depth--;
		}
	}
}

enum { DELETES = 1, ADDS = 2 };

/* The commands that turn prev into next (either may be "") into out; *ops counted. */
static int delta_to(const char *prev, const char *next, int what, FILE *out, int *ops)
{
	struct node a = { 0 }, b = { 0 };
	struct ctx c = { .out = out };
	int ret = parse(prev, &a) ?: parse(next, &b);

	if (!ret && (what & DELETES))
		deletes(&c, &a, &b);
	if (!ret && (what & ADDS))
		adds(&c, &a, &b);
	*ops = c.ops;
	node_free(&a);
	node_free(&b);
	return ret;
}

static int delta(const char *prev, const char *next, const char *file, int *ops)
{
	FILE *f = fopen(file, "we");
	int ret;

	if (!f)
		return -errno;
	ret = delta_to(prev, next, DELETES | ADDS, f, ops);
	if (fclose(f) && !ret)
		ret = -EIO;
	return ret;
}

static int delta_lines(const char *prev, const char *next, int what, cJSON **lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int ops, ret;

	if (!m)
		return -ENOMEM;
	ret = delta_to(prev, next, what, m, &ops);
	fclose(m);
	if (!ret)
		ret = frr_text_lines(text, lines);
	free(text);
	return ret;
}

/* ---- the part's record ---- */

static void part_path(const struct frr_paths *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/frr-part.conf", p->state_dir);
}

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *m = open_memstream(&buf, &len);
	int ch;

	while (f && m && (ch = fgetc(f)) != EOF)
		fputc(ch, m);
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -EIO : 0;
}

/* Top-level blocks of part that the host's running config lacks: ztos creates them. */
/*
 * Lines of want the host had before ztos (in run, not in ztos's prev record) are the
 * host's: dropped from the record, so ztos never deletes them.
 */
static void drop_host_lines(struct node *want, const struct node *run, const struct node *prev)
{
	for (size_t i = 0; i < want->n;) {
		struct node *k = &want->kids[i];
		const struct node *r = kid_find(run, k->line), *q = kid_find(prev, k->line);

		if (k->n) {
			drop_host_lines(k, r, q);
			i++;
		} else if (r && !q) {
			node_free(k);
			memmove(k, k + 1, (want->n - i - 1) * sizeof(*k));
			want->n--;
		} else {
			i++;
		}
	}
}

static void write_tree(FILE *m, const struct node *n, int depth)
{
	for (size_t i = 0; i < n->n; i++) {
		fprintf(m, "%*s%s\n", depth, "", n->kids[i].line);
		write_tree(m, &n->kids[i], depth + 1);
	}
}

/*
 * What ztos's part is, to remember: the top-level blocks it creates ("! ztos created:
 * BLOCK", deleted whole at cleanup), then its lines, without those the host had already.
 */
static int make_record(const struct frr_paths *p, const char *part, const char *prev,
		       char **out)
{
	struct node run = { 0 }, want = { 0 }, was = { 0 };
	char *running = NULL, *text = NULL;
	size_t len = 0;
	FILE *m;
	int ret = frr_vtysh(p, "show running-config", &running);

	if (!ret)
		ret = parse(running, &run) ?: parse(part, &want) ?: parse(prev ? prev : "", &was);
	m = ret ? NULL : open_memstream(&text, &len);
	if (!ret && !m)
		ret = -ENOMEM;
	if (!ret) {
		/* what an earlier apply created stays ztos's */
		for (const char *q = prev ? strstr(prev, CREATED) : NULL; q;
		     q = strstr(q + 1, CREATED))
			fprintf(m, "%.*s\n", (int)strcspn(q, "\n"), q);
		for (size_t i = 0; i < want.n; i++) {
			char mark[1100];

			snprintf(mark, sizeof(mark), CREATED "%s", want.kids[i].line);
			if (!kid_find(&run, want.kids[i].line) && !(prev && strstr(prev, mark)))
				fprintf(m, "%s\n", mark);
		}
		drop_host_lines(&want, &run, &was);
		write_tree(m, &want, 0);
		fclose(m);
		*out = text;
	}
	node_free(&run);
	node_free(&want);
	node_free(&was);
	free(running);
	return ret;
}

static int apply_delta(const struct frr_paths *p, const char *from, const char *to, char *err,
		       size_t len)
{
	char file[FRR_PATH + 32];
	int ops = 0, ret;

	snprintf(file, sizeof(file), "%s/frr-delta.conf", p->state_dir);
	ret = delta(from, to, file, &ops);
	if (ret)
		snprintf(err, len, "compute the change of ztos's part: %s", strerror(-ret));
	else if (ops)
		ret = frr_apply_file(p, file, err, len);
	unlink(file);
	return ret;
}

/* "no BLOCK" for each block record marks as ztos's that keep (may be NULL) does not. */
static int remove_created(const struct frr_paths *p, const char *record, const char *keep,
			  char *err, size_t len)
{
	char file[FRR_PATH + 32], mark[1100];
	int n = 0, ret = 0;
	FILE *f;

	snprintf(file, sizeof(file), "%s/frr-remove.conf", p->state_dir);
	f = fopen(file, "we");
	if (!f)
		return -errno;
	for (const char *q = strstr(record, CREATED); q; q = strstr(q + 1, CREATED)) {
		snprintf(mark, sizeof(mark), "%.*s", (int)strcspn(q, "\n"), q);
		if (keep && strstr(keep, mark))
			continue;
		fprintf(f, "no %s\n", mark + strlen(CREATED));
		n++;
	}
	if (fclose(f))
		ret = -EIO;
	if (!ret && n)
		ret = frr_apply_file(p, file, err, len);
	unlink(file);
	return ret;
}

int frr_host_prepare(struct frr *f, const struct ztos_config *cfg, const char *state_dir,
		     const struct frr_paths *p, char **part_out, struct ztos_err *e)
{
	struct frr_render_opts o = { .part_only = true };
	char path[FRR_PATH + 32], check[FRR_PATH + 32], err[1024] = "";
	char *part = NULL, *prev, *record = NULL;
	int ret;

	*part_out = NULL;
	part_path(p, path, sizeof(path));
	prev = read_text(path);
	ret = frr_render(cfg, &o, &part);
	if (ret)
		goto out;
	/* the whole part checked first: a line FRR refuses stops it before any goes in */
	snprintf(check, sizeof(check), "%s/frr-check.conf", p->state_dir);
	ret = write_file(check, part);
	if (!ret)
		ret = frr_validate(p, check, err, sizeof(err));
	unlink(check);
	if (!ret)
		ret = make_record(p, part, prev, &record);
	if (!ret)
		ret = apply_delta(p, prev ? prev : "", part, err, sizeof(err));
	if (ret) {
		char back[512];

		/* the lines before a refused one went in: take them out again */
		if ((record && apply_delta(p, record, prev ? prev : "", back, sizeof(back))) ||
		    (record && remove_created(p, record, prev, back, sizeof(back))))
			pr_warn("bgp: putting the host's FRR back failed: %s", back);
		if (!err[0])
			snprintf(err, sizeof(err), "the host's FRR (pathspace %s): %s", p->name,
				 strerror(-ret));
		ret = ztos_err_set(e, -EIO, "bgp", err);
		goto out;
	}
	/* the record: what ztos put in, and which blocks are ztos's whole */
	ret = write_file(path, record);
	if (ret)
		pr_warn("bgp: cannot record ztos's part in %s: %s", path, strerror(-ret));
	ret = 0;
	pthread_mutex_lock(&f->lock);
	free(f->host_prev);
	f->host_prev = prev;
	prev = NULL;
	pthread_mutex_unlock(&f->lock);
	*part_out = record;
	record = NULL;
out:
	free(part);
	free(prev);
	free(record);
	return ret;
}

void frr_host_undo(struct frr *f, const struct frr_paths *p)
{
	char path[FRR_PATH + 32], err[512];
	char *now, *prev;

	part_path(p, path, sizeof(path));
	now = read_text(path);
	pthread_mutex_lock(&f->lock);
	prev = f->host_prev;
	f->host_prev = NULL;
	pthread_mutex_unlock(&f->lock);
	if (apply_delta(p, now ? now : "", prev ? prev : "", err, sizeof(err)) ||
	    (now && remove_created(p, now, prev, err, sizeof(err))))
		pr_warn("bgp: putting the host's FRR back failed: %s", err);
	else if (prev)
		write_file(path, prev);
	else
		unlink(path);
	free(now);
	free(prev);
}

/* Take ztos's part out; the blocks ztos created go too (their "no" line last). */
int frr_host_cleanup(const struct ztos_config *cfg, const struct frr_paths *p)
{
	char path[FRR_PATH + 32], err[512] = "", *part;
	int ret;

	part_path(p, path, sizeof(path));
	part = read_text(path);
	if (!part || !*part) {
		free(part);
		return 0;
	}
	ret = apply_delta(p, part, "", err, sizeof(err)) ?:
	      remove_created(p, part, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "frr: taking ztos's part out of the host's FRR: %s\n", err);
	} else {
		unlink(path);
		printf("removed ztos's part of the host's FRR (pathspace %s)\n", p->name);
	}
	free(part);
	return ret;
}

int frr_host_dry_run(const struct ztos_config *cfg, const struct frr_paths *p, cJSON **del,
		     cJSON **add, char *err, size_t len)
{
	struct frr_render_opts o = { .part_only = true };
	char path[FRR_PATH + 32], check[FRR_PATH + 32], *part = NULL, *prev;
	int ret;

	*del = *add = NULL;
	part_path(p, path, sizeof(path));
	prev = read_text(path);
	ret = cfg->has_bgp ? frr_render(cfg, &o, &part) : 0;
	snprintf(check, sizeof(check), "%s/frr-check.conf", p->state_dir);
	if (!ret && part && !(ret = write_file(check, part)))
		ret = frr_validate(p, check, err, len);
	unlink(check);
	if (!ret)
		ret = delta_lines(prev ? prev : "", part ? part : "", DELETES, del) ?:
		      delta_lines(prev ? prev : "", part ? part : "", ADDS, add);
	free(part);
	free(prev);
	return ret;
}
