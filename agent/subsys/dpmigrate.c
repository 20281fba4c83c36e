// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned maps of another layout migrated into this build's (dpmigrate.h says how and
 * what is refused).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "report/log.h"
#include "subsys/dpmigrate.h"

#define ASIDE_SUFFIX "-migrating"	/* bpffs refuses names with a dot */

/* One map moved aside: its old pin, its old fd (which keeps it alive), its new home. */
struct moved {
	char name[BPF_OBJ_NAME_LEN];
	char path[PATH_MAX];
	char aside[PATH_MAX + sizeof(ASIDE_SUFFIX)];
	int old_fd;
	struct bpf_map_info old;
	bool copied;
	size_t entries;
};

struct dp_migration {
	struct moved *v;
	size_t n;
	const struct dpmig_rehash *rehash;
};

static const struct dpmig_rehash *rehash_of(const struct dp_migration *m, const char *name)
{
	for (const struct dpmig_rehash *r = m->rehash; r && r->name; r++)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

#define fail(e, ret, ...) ztos_errf(e, ret, "datapath", __VA_ARGS__)

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Maps whose entries cannot be read back, or mean nothing to a new program. */
static bool type_disposable(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_XSKMAP ||
	       t == BPF_MAP_TYPE_PERF_EVENT_ARRAY || t == BPF_MAP_TYPE_PROG_ARRAY ||
	       t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
	       t == BPF_MAP_TYPE_CPUMAP;
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

static bool same_layout(const struct bpf_map_info *i, const struct bpf_map *m)
{
	return i->type == bpf_map__type(m) && i->key_size == bpf_map__key_size(m) &&
	       i->value_size == bpf_map__value_size(m) &&
	       i->max_entries == bpf_map__max_entries(m) && i->map_flags == bpf_map__map_flags(m);
}

/* Why the pinned map cannot become m, or NULL when it can (rehashed: copied by its own function). */
static const char *unmigratable(const struct bpf_map_info *i, const struct bpf_map *m,
				bool rehashed)
{
	if (i->type != bpf_map__type(m))
		return "another map type";
	if (i->key_size != bpf_map__key_size(m))
		return "another key size";
	if (i->value_size > bpf_map__value_size(m))
		return "values larger than this build's (a newer ztosd's map: this build would "
		       "cut them)";
	if (rehashed && i->value_size != bpf_map__value_size(m))
		return "another value size of a table kept in an array (its layout changed)";
	if (!rehashed && is_array(i->type) && i->max_entries > bpf_map__max_entries(m))
		return "more array entries than this build's (a newer ztosd's map: this build "
		       "would lose the last ones)";
	return NULL;
}

/* A migration a crash cut short: the old map, still whole aside, is the one to start from. */
static void take_up_again(const char *path, const char *aside)
{
	if (access(aside, F_OK))
		return;
	if (!access(path, F_OK))
		unlink(path);
	if (!rename(aside, path))
		pr_info("datapath: %s: taking up a migration a previous start did not finish",
			path);
}

static int add(struct dp_migration *m, const struct bpf_map *map, int fd,
	       const struct bpf_map_info *info, struct ztos_err *e)
{
	struct moved *v = realloc(m->v, (m->n + 1) * sizeof(*v)), *mv;

	if (!v)
		return fail(e, -ENOMEM, "datapath: migrate map %s", bpf_map__name(map));
	m->v = v;
	mv = &v[m->n];
	*mv = (struct moved){ .old_fd = fd, .old = *info };
	snprintf(mv->name, sizeof(mv->name), "%s", bpf_map__name(map));
	snprintf(mv->path, sizeof(mv->path), "%s", bpf_map__pin_path(map));
	snprintf(mv->aside, sizeof(mv->aside), "%s" ASIDE_SUFFIX, mv->path);
	if (rename(mv->path, mv->aside))
		return fail(e, -errno, "datapath: move the pinned map %s aside to %s", mv->path,
			    mv->aside);
	m->n++;
	return 0;
}

/* One pinned map of obj: kept, dropped, moved aside, or refused. */
static int prepare_map(struct dp_migration *m, const struct bpf_map *map,
		       const char *const *disposable, struct ztos_err *e)
{
	const char *path = bpf_map__pin_path(map), *why;
	char aside[PATH_MAX + sizeof(ASIDE_SUFFIX)];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, ret;

	if (snprintf(aside, sizeof(aside), "%s" ASIDE_SUFFIX, path) >= (int)sizeof(aside))
		return fail(e, -ENAMETOOLONG, "datapath: pin path %s", path);
	take_up_again(path, aside);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(e, -errno, "datapath: open the pinned map %s", path);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = fail(e, -errno, "datapath: read the pinned map %s", path);
		close(fd);
		return ret;
	}
	if (same_layout(&info, map)) {
		close(fd);
		return 0;
	}
	if (listed(disposable, bpf_map__name(map)) || type_disposable(info.type)) {
		close(fd);
		if (unlink(path))
			return fail(e, -errno, "datapath: unpin %s of another layout", path);
		pr_info("datapath: %s pinned by another version (value %u bytes, this one %u): "
			"made again (it holds nothing of its own)", bpf_map__name(map),
			info.value_size, bpf_map__value_size(map));
		return 0;
	}
	why = unmigratable(&info, map, rehash_of(m, bpf_map__name(map)) != NULL);
	if (why) {
		close(fd);
		return fail(e, 0, "datapath: the pinned map %s (value %u bytes, %u entries) "
			    "cannot become this build's (value %u bytes, %u entries): %s; run the "
			    "ztosd that made it, or ztosd --cleanup to start over (its flows and "
			    "counters are lost)", path, info.value_size, info.max_entries,
			    bpf_map__value_size(map), bpf_map__max_entries(map), why);
	}
	ret = add(m, map, fd, &info, e);
	if (ret)
		close(fd);
	return ret;
}

int dpmig_prepare(struct dp_migration **m, struct bpf_object *obj, const char *bpffs,
		  const char *const *disposable, const struct dpmig_rehash *rehash,
		  struct ztos_err *e)
{
	struct bpf_map *map;
	int ret;

	if (!*m && !(*m = calloc(1, sizeof(**m))))
		return fail(e, -ENOMEM, "datapath: migrate the maps in %s", bpffs);
	(*m)->rehash = rehash;
	bpf_object__for_each_map(map, obj) {
		if (!bpf_map__pin_path(map))
			continue;
		ret = prepare_map(*m, map, disposable, e);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- copying ---- */

/* Bytes of one entry as user space reads and writes it (per-CPU: a slot per CPU). */
static size_t entry_size(enum bpf_map_type t, __u32 value_size, int ncpu)
{
	return is_percpu(t) ? (size_t)ncpu * ((value_size + 7) & ~7u) : value_size;
}

/* An old value into a new one: each CPU's slot, its old bytes, the rest zero. */
static void widen(const struct moved *mv, __u32 new_size, int ncpu, const void *from, void *to)
{
	size_t n = is_percpu(mv->old.type) ? (size_t)ncpu : 1;
	size_t ostride = is_percpu(mv->old.type) ? (mv->old.value_size + 7) & ~7u : mv->old.value_size;
	size_t nstride = is_percpu(mv->old.type) ? (new_size + 7) & ~7u : new_size;

	memset(to, 0, n * nstride);
	for (size_t i = 0; i < n; i++)
		memcpy((char *)to + i * nstride, (const char *)from + i * ostride,
		       mv->old.value_size);
}

struct bufs {
	void *key, *prev, *oval, *nval;
};

static int copy_one(struct moved *mv, int new_fd, __u32 new_size, int ncpu,
		    struct bufs *b, struct ztos_err *e)
{
	if (bpf_map_lookup_elem(mv->old_fd, b->key, b->oval))
		return errno == ENOENT ? 0 : fail(e, -errno, "datapath: migrate %s: read an entry",
						  mv->name);
	widen(mv, new_size, ncpu, b->oval, b->nval);
	if (bpf_map_update_elem(new_fd, b->key, b->nval, BPF_ANY))
		return fail(e, -errno, "datapath: migrate %s: %zu entries copied, the next one "
			    "does not fit in this build's map", mv->name, mv->entries);
	mv->entries++;
	return 0;
}

/* A table in an array, into one of another size: by its own function. */
static int copy_rehashed(struct moved *mv, const struct dpmig_rehash *r, const struct bpf_map *map,
			 struct ztos_err *e)
{
	int n = r->copy(mv->old_fd, bpf_map__fd(map), r->ctx);

	if (n < 0)
		return fail(e, n, "datapath: migrate %s: copy its entries into the new table",
			    mv->name);
	mv->entries = (size_t)n;
	mv->copied = true;
	return 0;
}

static int copy_map(struct dp_migration *m, struct moved *mv, const struct bpf_map *map,
		    struct ztos_err *e)
{
	int ncpu = libbpf_num_possible_cpus(), new_fd = bpf_map__fd(map), ret = 0;
	__u32 nsize = bpf_map__value_size(map), ksz = mv->old.key_size;
	const struct dpmig_rehash *r = rehash_of(m, mv->name);
	struct bufs b = { 0 };
	bool have_prev = false;

	if (r)
		return copy_rehashed(mv, r, map, e);
	if (ncpu < 1)
		return fail(e, ncpu ? ncpu : -EINVAL, "datapath: migrate %s: count the CPUs", mv->name);
	b.key = calloc(1, ksz);
	b.prev = calloc(1, ksz);
	b.oval = calloc(1, entry_size(mv->old.type, mv->old.value_size, ncpu));
	b.nval = calloc(1, entry_size(mv->old.type, nsize, ncpu));
	if (!b.key || !b.prev || !b.oval || !b.nval) {
		ret = fail(e, -ENOMEM, "datapath: migrate %s", mv->name);
		goto out;
	}
	if (is_array(mv->old.type)) {
		/* Array keys are the indexes; unmigratable() made sure they all fit. */
		for (__u32 i = 0; i < mv->old.max_entries && !ret; i++) {
			memcpy(b.key, &i, sizeof(i));
			ret = copy_one(mv, new_fd, nsize, ncpu, &b, e);
		}
		goto out;
	}
	while (!ret && !bpf_map_get_next_key(mv->old_fd, have_prev ? b.prev : NULL, b.key)) {
		ret = copy_one(mv, new_fd, nsize, ncpu, &b, e);
		memcpy(b.prev, b.key, ksz);
		have_prev = true;
	}
out:
	free(b.key);
	free(b.prev);
	free(b.oval);
	free(b.nval);
	mv->copied = !ret;
	return ret;
}

int dpmig_copy(struct dp_migration *m, struct bpf_object *obj, struct ztos_err *e)
{
	for (size_t i = 0; m && i < m->n; i++) {
		struct moved *mv = &m->v[i];
		struct bpf_map *map;
		int ret;

		if (mv->copied)
			continue;
		map = bpf_object__find_map_by_name(obj, mv->name);
		if (!map)
			continue;	/* another object's map */
		ret = copy_map(m, mv, map, e);
		if (ret)
			return ret;
		pr_info("datapath: map %s migrated from another layout (value %u -> %u bytes, "
			"%u -> %u entries): %zu entries kept", mv->name, mv->old.value_size,
			bpf_map__value_size(map), mv->old.max_entries, bpf_map__max_entries(map),
			mv->entries);
	}
	return 0;
}

static void migration_free(struct dp_migration *m)
{
	for (size_t i = 0; i < m->n; i++)
		close(m->v[i].old_fd);
	free(m->v);
	free(m);
}

void dpmig_finish(struct dp_migration *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (unlink(m->v[i].aside))
			pr_warn("datapath: unpin the old map %s: %s", m->v[i].aside, strerror(errno));
	migration_free(m);
}

void dpmig_abort(struct dp_migration *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct moved *mv = &m->v[i];

		/* Whatever the load pinned there is this build's: the old map goes back. */
		unlink(mv->path);
		if (rename(mv->aside, mv->path))
			pr_warn("datapath: pin the old map %s again: %s", mv->path, strerror(errno));
	}
	migration_free(m);
}
