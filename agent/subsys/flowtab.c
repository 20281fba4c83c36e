// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <bpf/bpf.h>

#include "subsys/flowtab.h"

/* The map and the key in it of flow k; k4 holds the short key when it is flows4's. */
static int map_of(const struct flowtab *t, const struct ztos_flow_key *k,
		  struct ztos_flow4_key *k4, const void **key)
{
	if (!ztos_flow_key_is4(k)) {
		*key = k;
		return t->fd;
	}
	ztos_flow4_key_of(k, k4);
	*key = k4;
	return t->fd4;
}

int flowtab_lookup(const struct flowtab *t, const struct ztos_flow_key *k, struct ztos_flow *f)
{
	struct ztos_flow4_key k4;
	const void *key;
	int fd = map_of(t, k, &k4, &key);

	return bpf_map_lookup_elem(fd, key, f) ? -errno : 0;
}

int flowtab_update(const struct flowtab *t, const struct ztos_flow_key *k,
		   const struct ztos_flow *f, __u64 flags)
{
	struct ztos_flow4_key k4;
	const void *key;
	int fd = map_of(t, k, &k4, &key);

	return bpf_map_update_elem(fd, key, f, flags) ? -errno : 0;
}

int flowtab_delete(const struct flowtab *t, const struct ztos_flow_key *k)
{
	struct ztos_flow4_key k4;
	const void *key;
	int fd = map_of(t, k, &k4, &key);

	return bpf_map_delete_elem(fd, key) ? -errno : 0;
}

int flowtab_next(const struct flowtab *t, struct flowtab_walk *w,
		 const struct ztos_flow_key *prev, struct ztos_flow_key *next)
{
	struct ztos_flow4_key k4, n4;

	if (!w->in_flows) {
		if (prev)
			ztos_flow4_key_of(prev, &k4);
		if (!bpf_map_get_next_key(t->fd4, prev ? &k4 : NULL, &n4)) {
			ztos_flow_key_of4(&n4, next);
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		w->in_flows = true;
		prev = NULL;	/* flows from its first key */
	}
	return bpf_map_get_next_key(t->fd, prev, next) ? -errno : 0;
}

int flowtab_drop_stale4(const struct flowtab *t)
{
	struct ztos_flow_key k, prev;
	bool have_prev = false;
	int n = 0;

	while (!bpf_map_get_next_key(t->fd, have_prev ? &prev : NULL, &k)) {
		if (ztos_flow_key_is4(&k) && !bpf_map_delete_elem(t->fd, &k)) {
			n++;
			continue;	/* prev still stands */
		}
		prev = k;
		have_prev = true;
	}
	return errno == ENOENT ? n : -errno;
}
