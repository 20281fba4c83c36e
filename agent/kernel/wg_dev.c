// SPDX-License-Identifier: GPL-2.0-only
/* The WireGuard device model that both back ends read and write (wg_internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/wg.h"

void wg_dev_free(struct wg_dev *d)
{
	for (size_t i = 0; i < d->n_peers; i++)
		free(d->peers[i].ips);
	free(d->peers);
	explicit_bzero(d, sizeof(*d));
}

struct wg_peer *wg_dev_add_peer(struct wg_dev *d)
{
	struct wg_peer *np = realloc(d->peers, (d->n_peers + 1) * sizeof(*np));

	if (!np)
		return NULL;
	d->peers = np;
	memset(&np[d->n_peers], 0, sizeof(*np));
	return &np[d->n_peers++];
}

int wg_peer_add_ip(struct wg_peer *p, const struct ztos_cidr *c)
{
	struct ztos_cidr *nv = realloc(p->ips, (p->n_ips + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	p->ips = nv;
	nv[p->n_ips++] = *c;
	return 0;
}

int wg_dev_copy(struct wg_dev *dst, const struct wg_dev *src)
{
	*dst = *src;
	dst->peers = NULL;
	dst->n_peers = 0;
	for (size_t i = 0; i < src->n_peers; i++) {
		struct wg_peer *p = wg_dev_add_peer(dst);

		if (!p)
			goto nomem;
		*p = src->peers[i];
		p->ips = NULL;
		p->n_ips = 0;
		for (size_t k = 0; k < src->peers[i].n_ips; k++)
			if (wg_peer_add_ip(p, &src->peers[i].ips[k]))
				goto nomem;
	}
	return 0;
nomem:
	wg_dev_free(dst);
	return -ENOMEM;
}

struct wg_peer *wg_dev_find(const struct wg_dev *d, const uint8_t key[WG_KEY_LEN])
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].key, key, WG_KEY_LEN))
			return &d->peers[i];
	return NULL;
}

