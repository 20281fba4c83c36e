// SPDX-License-Identifier: GPL-2.0-only
/* The wireguard: and macsec: sections: interfaces, peers, and the files of their keys. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

static int get_u16(struct bctx *c, const struct cfg_node *v, uint64_t min, const char *what,
		   uint16_t *out)
{
	uint64_t x;
	int err = get_uint(c, v, min, 65535, what, &x);

	if (!err)
		*out = (uint16_t)x;
	return err;
}

/* ---- wireguard ---- */

static int wp_name(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_name(c, v, ((struct ztos_wg_peer *)obj)->name);
}

static int wp_public_key(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_wg_public_key(c, v, ((struct ztos_wg_peer *)obj)->public_key);
}

/* A DNS name: labels of letters, digits and '-', dot separated, not all digits. */
static bool dns_name(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool alpha = false;

	if (!len || len > ZTOS_HOST_MAX)
		return false;
	for (const char *q = s; *q; q++) {
		if (*q == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*q) && *q != '-')
			return false;
		alpha |= isalpha((unsigned char)*q) != 0;
		if (++label > 63)
			return false;
	}
	return alpha;
}

/* ADDRESS:PORT, [V6]:PORT, or NAME:PORT (resolved when the device is configured). */
static int wp_endpoint(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_wg_peer *p = obj;
	char host[ZTOS_HOST_MAX + 1];
	struct ztos_addr probe;
	const char *s;
	bool br;
	int err;

	if (!get_str(c, v, &s) && !cfg_split_hostport(s, host, sizeof(host), &br, &p->endpoint.port) &&
	    !br && cfg_parse_addr(host, &probe) && dns_name(host)) {
		snprintf(p->endpoint_host, sizeof(p->endpoint_host), "%s", host);
		memset(&p->endpoint.addr, 0, sizeof(p->endpoint.addr));
		p->has_endpoint = true;
		return 0;
	}
	err = get_endpoint(c, v, &p->endpoint);
	p->has_endpoint = !err;
	return err;
}

static int cidr_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_cidr(c, v, true, elem);
}

static int wp_allowed_ips(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_wg_peer *p = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*p->allowed_ips), &arr, &p->n_allowed_ips, cidr_item);

	p->allowed_ips = arr;
	return err;
}

static int wp_keepalive(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_u16(c, v, 0, "persistent_keepalive (seconds)",
		       &((struct ztos_wg_peer *)obj)->persistent_keepalive);
}

static const struct field wg_peer_fields[] = {
	{ "name", wp_name, "add a name (1 to 32 letters, digits, '_', '.' or '-')" },
	{ "public_key", wp_public_key, "add the peer's public key (wg pubkey < its private key)" },
	{ "endpoint", wp_endpoint, NULL },
	{ "allowed_ips", wp_allowed_ips, NULL },
	{ "persistent_keepalive", wp_keepalive, NULL },
	{ 0 },
};

static int wg_peer_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return walk_map(c, v, wg_peer_fields, elem);
}

static void peer_name_key(const void *elem, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct ztos_wg_peer *)elem)->name);
}

/* hex, only to compare; "" for a key that did not parse (all zeros) */
static void public_key_key(const void *elem, char *buf, size_t len)
{
	const struct ztos_wg_peer *p = elem;
	size_t i, n = 0;
	uint8_t any = 0;

	buf[0] = '\0';
	for (i = 0; i < 32; i++)
		any |= p->public_key[i];
	for (i = 0; any && i < 32 && n + 3 <= len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", p->public_key[i]);
}

/* One allowed IP, its network and where it is in the config's order. */
struct aip {
	struct ztos_cidr net;	/* host bits cleared */
	size_t peer, k, order;
};

/* Family, then network, then shorter first: what contains comes before what it holds. */
static int aip_cmp_net(const struct aip *a, const struct aip *b)
{
	int d = a->net.addr.family - b->net.addr.family;

	if (!d)
		d = memcmp(&a->net.addr.v6, &b->net.addr.v6,
			   a->net.addr.family == AF_INET ? 4 : 16);
	return d ? d : a->net.prefixlen - b->net.prefixlen;
}

/* The same, equal ones in the config's order. */
static int aip_cmp(const void *x, const void *y)
{
	const struct aip *a = x, *b = y;
	int d = aip_cmp_net(a, b);

	return d ? d : (a->order > b->order) - (a->order < b->order);
}

static bool aip_contains(const struct aip *a, const struct aip *b)
{
	return a->net.prefixlen <= b->net.prefixlen && cfg_cidr_overlap(&a->net, &b->net);
}

/* Two that overlap: the later one (in the config) names the earliest it overlaps. */
static void aip_pair(const struct aip *x, const struct aip *y, size_t *partner)
{
	const struct aip *early = x->order < y->order ? x : y, *late = early == x ? y : x;

	/* one peer may route a prefix inside another of its own */
	if (x->peer == y->peer && x->net.prefixlen != y->net.prefixlen)
		return;
	if (early->order < partner[late->order])
		partner[late->order] = early->order;
}

/*
 * WireGuard routes each address to one peer: allowed_ips of two peers must not overlap.
 * Sorted, each prefix meets only those that contain it (a stack, at most 129 deep, with
 * one of each prefix), not every other one: 40,000 allowed IPs took 11 s pairwise.
 */
static void allowed_ips_once(struct bctx *c, const struct cfg_node *seq,
			     const struct ztos_wireguard *wg)
{
	size_t n = 0, sp = 0, *partner = NULL, *stack = NULL;
	struct aip *v = NULL, *by_order = NULL;
	char suffix[96], buf[INET6_ADDRSTRLEN + 4], other[INET6_ADDRSTRLEN + 4];

	for (size_t i = 0; i < wg->n_peers; i++)
		n += wg->peers[i].n_allowed_ips;
	v = calloc(n + 1, sizeof(*v));
	by_order = calloc(n + 1, sizeof(*by_order));
	partner = malloc((n + 1) * sizeof(*partner));
	stack = malloc((n + 1) * sizeof(*stack));
	if (!v || !by_order || !partner || !stack) {
		c->err = -ENOMEM;
		goto out;
	}
	n = 0;
	for (size_t i = 0; i < wg->n_peers; i++) {
		for (size_t k = 0; k < wg->peers[i].n_allowed_ips; k++) {
			if (!wg->peers[i].allowed_ips[k].addr.family)
				continue;
			cfg_cidr_host_bits(&wg->peers[i].allowed_ips[k], &v[n].net);
			v[n].peer = i;
			v[n].k = k;
			v[n].order = n;
			partner[n] = SIZE_MAX;
			by_order[n] = v[n];
			n++;
		}
	}
	qsort(v, n, sizeof(*v), aip_cmp);
	for (size_t p = 0; p < n; p++) {
		bool same;

		while (sp && !aip_contains(&v[stack[sp - 1]], &v[p]))
			sp--;
		same = sp && !aip_cmp_net(&v[stack[sp - 1]], &v[p]);
		for (size_t s = 0; s < sp; s++)
			aip_pair(&v[stack[s]], &v[p], partner);
		if (!same)
			stack[sp++] = p;
	}
	for (size_t o = 0; o < n; o++) {
		const struct aip *a = &by_order[o], *b;

		if (partner[o] == SIZE_MAX)
			continue;
		b = &by_order[partner[o]];
		snprintf(suffix, sizeof(suffix), "[%zu].allowed_ips[%zu]", a->peer, a->k);
		b_err_at(c, cfg_map_get(seq->items[a->peer], "allowed_ips")->items[a->k], suffix,
			 "%s overlaps %s of peer %s; each address is routed to one peer",
			 ztos_cidr_str(&wg->peers[a->peer].allowed_ips[a->k], buf, sizeof(buf)),
			 ztos_cidr_str(&wg->peers[b->peer].allowed_ips[b->k], other, sizeof(other)),
			 wg->peers[b->peer].name);
	}
out:
	free(v);
	free(by_order);
	free(partner);
	free(stack);
}

static int w_peers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_wireguard *wg = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*wg->peers), &arr, &wg->n_peers, wg_peer_item);

	wg->peers = arr;
	unique_by(c, v, "name", wg->peers, wg->n_peers, sizeof(*wg->peers), peer_name_key);
	unique_by(c, v, "public_key", wg->peers, wg->n_peers, sizeof(*wg->peers), public_key_key);
	allowed_ips_once(c, v, wg);
	return err;
}

static int w_interface(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_ifname(c, v, ((struct ztos_wireguard *)obj)->interface);
}

static int w_private_key_file(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_wireguard *wg = obj;
	int err = get_path(c, v, &wg->private_key_file);

	return err ? err : check_wg_key_file(c, v, wg->private_key_file);
}

static int w_listen_port(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_u16(c, v, 0, "listen_port (0: any)", &((struct ztos_wireguard *)obj)->listen_port);
}

static int w_address(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_wireguard *wg = obj;
	int err = get_cidr(c, v, false, &wg->address);

	wg->has_address = !err;
	return err;
}

static const struct field wg_fields[] = {
	{ "interface", w_interface, "add the WireGuard interface's name, such as ztwg0" },
	{ "private_key_file", w_private_key_file,
	  "add the file holding this host's private key (wg genkey > FILE; chmod 600 FILE)" },
	{ "listen_port", w_listen_port, NULL },
	{ "address", w_address, NULL },
	{ "peers", w_peers, NULL },
	{ 0 },
};

int f_wireguard(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;

	cfg->has_wireguard = true;
	return walk_map(c, v, wg_fields, &cfg->wireguard);
}

/* ---- macsec ---- */

static const char *const cipher_names[] = { "gcm-aes-128", "gcm-aes-256", NULL };

static int sa_an(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 0, 3, "an association number (an)", &x);

	if (!err)
		((struct ztos_macsec_sa *)obj)->an = (uint8_t)x;
	return err;
}

static int sa_key_id(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_macsec_sa *sa = obj;
	const char *s;
	int n, err = get_str(c, v, &s);

	if (err)
		return err;
	n = cfg_hex_decode(s, strlen(s), sa->key_id, sizeof(sa->key_id));
	if (n < 1)
		return b_err(c, v, "'%.40s' is not a key ID; write 2 to 32 hex digits (1 to 16 bytes), an even number of them",
			     s);
	sa->key_id_len = (uint8_t)n;
	return 0;
}

static int sa_key_file(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_macsec_sa *sa = obj;
	int err = get_path(c, v, &sa->key_file);

	return err ? err : check_macsec_key_file(c, v, sa->key_file);
}

static const struct field sa_fields[] = {
	{ "an", sa_an, NULL },
	{ "key_id", sa_key_id, "add the key ID, hex (such as \"01\")" },
	{ "key_file", sa_key_file, "add the file holding the key, hex (chmod 600 FILE)" },
	{ 0 },
};

static int mp_mac(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_macsec_peer *p = obj;
	static const uint8_t zero[6];
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (cfg_parse_mac(s, p->mac))
		return b_err(c, v, "'%.40s' is not a MAC address such as 02:00:00:00:00:02", s);
	if ((p->mac[0] & 1) || !memcmp(p->mac, zero, sizeof(zero)))
		return b_err(c, v, "%s is not a unicast address; a peer's MAC is its NIC's own", s);
	return 0;
}

static int mp_port(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_u16(c, v, 1, "an SCI port", &((struct ztos_macsec_peer *)obj)->port);
}

static int mp_rx_sa(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, sa_fields, &((struct ztos_macsec_peer *)obj)->rx_sa);
}

static const struct field macsec_peer_fields[] = {
	{ "mac", mp_mac, "add the peer's MAC address" },
	{ "port", mp_port, NULL },
	{ "rx_sa", mp_rx_sa, "add the key the peer sends with: rx_sa: {an, key_id, key_file}" },
	{ 0 },
};

static int macsec_peer_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	struct ztos_macsec_peer *p = elem;

	p->port = 1;
	return walk_map(c, v, macsec_peer_fields, p);
}

static void mac_key(const void *elem, char *buf, size_t len)
{
	const uint8_t *m = ((const struct ztos_macsec_peer *)elem)->mac;

	buf[0] = '\0';
	if (m[0] | m[1] | m[2] | m[3] | m[4] | m[5])
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int m_peers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_macsec *m = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*m->peers), &arr, &m->n_peers, macsec_peer_item);

	m->peers = arr;
	unique_by(c, v, "mac", m->peers, m->n_peers, sizeof(*m->peers), mac_key);
	return err;
}

static int m_interface(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_ifname(c, v, ((struct ztos_macsec *)obj)->interface);
}

static int m_parent(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_ifname(c, v, ((struct ztos_macsec *)obj)->parent);
}

static int m_cipher(struct bctx *c, const struct cfg_node *v, void *obj)
{
	int i, err = get_enum(c, v, cipher_names, &i);

	if (!err)
		((struct ztos_macsec *)obj)->cipher = (enum ztos_macsec_cipher)i;
	return err;
}

static int m_encrypt(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_bool(c, v, &((struct ztos_macsec *)obj)->encrypt);
}

static int m_replay_window(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 0, UINT32_MAX, "replay_window", &x);

	if (!err)
		((struct ztos_macsec *)obj)->replay_window = (uint32_t)x;
	return err;
}

static int m_tx_sa(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, sa_fields, &((struct ztos_macsec *)obj)->tx_sa);
}

static const struct field macsec_fields[] = {
	{ "interface", m_interface, "add the MACsec interface's name, such as ztmacsec0" },
	{ "parent", m_parent, "add the link MACsec runs on, such as eth0" },
	{ "cipher", m_cipher, NULL },
	{ "encrypt", m_encrypt, NULL },
	{ "replay_window", m_replay_window, NULL },
	{ "tx_sa", m_tx_sa, "add the key this host sends with: tx_sa: {an, key_id, key_file}" },
	{ "peers", m_peers, NULL },
	{ 0 },
};

/*
 * Key files are checked against the cipher, which may come after them in the map:
 * read it first (silently; the walk reports a bad one), and skip the length check
 * when it is not known.
 */
static void peek_cipher(struct bctx *c, const struct cfg_node *v)
{
	const struct cfg_node *n = cfg_map_get(v, "cipher");
	int i;

	c->cipher = ZTOS_GCM_AES_128;
	c->cipher_known = true;
	if (!n || cfg_is_null(n))
		return;
	c->cipher_known = false;
	for (i = 0; n->type == CFG_SCALAR && cipher_names[i]; i++) {
		if (!strcmp(n->text, cipher_names[i])) {
			c->cipher = (enum ztos_macsec_cipher)i;
			c->cipher_known = true;
		}
	}
}

int f_macsec(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_macsec *m = &((struct ztos_config *)obj)->macsec;
	const struct cfg_node *parent;
	int err;

	((struct ztos_config *)obj)->has_macsec = true;
	m->encrypt = true;
	peek_cipher(c, v);
	err = walk_map(c, v, macsec_fields, m);
	parent = cfg_map_get(v, "parent");
	if (!err && m->interface[0] && !strcmp(m->interface, m->parent))
		b_err_at(c, parent, ".parent", "the MACsec interface cannot be its own parent");
	return c->err;
}
