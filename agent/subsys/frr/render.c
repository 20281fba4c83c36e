// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config as FRR's configuration text: pure, no I/O. Written as FRR's own
 * `show running-config` writes it (indents, exit lines, the order of its lines), so
 * that frr-reload.py finds nothing to change when nothing changed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subsys/frr/internal.h"

#define BFD_PROFILE "ztos"

bool frr_needs_bfd(const struct ztos_config *cfg)
{
	for (size_t i = 0; cfg->has_bgp && i < cfg->bgp.n_peers; i++)
		if (cfg->bgp.peers[i].bfd)
			return true;
	return false;
}

static void global_lines(FILE *f, const struct frr_render_opts *o)
{
	/* datacenter: keepalive 3 s, hold 9 s, no waiting to advertise; what a fabric wants */
	fprintf(f, "frr defaults datacenter\n");
	if (o->hostname && *o->hostname)
		fprintf(f, "hostname %s\n", o->hostname);
	if (o->log_file)
		fprintf(f, "log file %s\n", o->log_file);
	/* zebra writes these into its running config; without them every reload differs */
	fprintf(f, "no ip forwarding\nno ipv6 forwarding\n!\n");
}

/* The L3 VNI of each tenant with vrf: {table, l3vni}; the VRF is overlay.c's ztvrf<table>. */
static void vrf_blocks(FILE *f, const struct ztos_config *cfg)
{
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct ztos_tenant *t = &cfg->tenants[i];

		if (!t->has_vrf || !t->l3vni)
			continue;
		fprintf(f, "vrf ztvrf%u\n vni %u\nexit-vrf\n!\n", t->vrf_table, t->l3vni);
	}
}

/* FRR's own BFD timing: what its running config leaves unsaid. */
#define FRR_BFD_INTERVAL 300u
#define FRR_BFD_MULTIPLIER 3u

/* The timing peer p's BFD session runs with: its own, or bgp.bfd's (ztos's default). */
static const struct ztos_bfd_timing *peer_bfd(const struct ztos_bgp *b,
					      const struct ztos_bgp_peer *p)
{
	return p->has_bfd_timing ? &p->bfd_timing : &b->bfd;
}

static bool same_bfd(const struct ztos_bfd_timing *a, const struct ztos_bfd_timing *b)
{
	return a->interval_ms == b->interval_ms && a->multiplier == b->multiplier;
}

/* "ztos" for bgp.bfd's timing; "ztos-200x5" for a peer's own that differs from it. */
static void profile_name(const struct ztos_bgp *b, const struct ztos_bfd_timing *t, char *buf,
			 size_t len)
{
	if (same_bfd(t, &b->bfd))
		snprintf(buf, len, BFD_PROFILE);
	else
		snprintf(buf, len, BFD_PROFILE "-%ux%u", t->interval_ms, t->multiplier);
}

static void profile_lines(FILE *f, const char *name, const struct ztos_bfd_timing *t)
{
	fprintf(f, " profile %s\n", name);
	if (t->multiplier != FRR_BFD_MULTIPLIER)
		fprintf(f, "  detect-multiplier %u\n", t->multiplier);
	if (t->interval_ms != FRR_BFD_INTERVAL)
		fprintf(f, "  receive-interval %u\n  transmit-interval %u\n", t->interval_ms,
			t->interval_ms);
	fprintf(f, " exit\n !\n");
}

/* One profile per timing the peers with BFD use, each once, in the order of the peers. */
static void bfd_block(FILE *f, const struct ztos_bgp *b)
{
	bool any = false;

	for (size_t i = 0; i < b->n_peers; i++) {
		const struct ztos_bfd_timing *t = peer_bfd(b, &b->peers[i]);
		char name[48];
		bool seen = false;

		if (!b->peers[i].bfd)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = b->peers[j].bfd && same_bfd(peer_bfd(b, &b->peers[j]), t);
		if (seen)
			continue;
		if (!any)
			fprintf(f, "bfd\n");
		any = true;
		profile_name(b, t, name, sizeof(name));
		profile_lines(f, name, t);
	}
	if (any)
		fprintf(f, "exit\n!\n");
}

static void neighbor_lines(FILE *f, const struct ztos_bgp *b, bool mark)
{
	char a[INET6_ADDRSTRLEN], profile[48];

	for (size_t i = 0; i < b->n_peers; i++) {
		const struct ztos_bgp_peer *p = &b->peers[i];

		ztos_addr_str(&p->address, a, sizeof(a));
		fprintf(f, " neighbor %s remote-as %u\n", a, p->asn);
		/* in the host's FRR, the mark that says which peers are ztos's */
		if (mark)
			fprintf(f, " neighbor %s description ztos\n", a);
		if (p->bfd) {
			profile_name(b, peer_bfd(b, p), profile, sizeof(profile));
			fprintf(f, " neighbor %s bfd\n neighbor %s bfd profile %s\n", a, a, profile);
		}
		if (p->timers.set)
			fprintf(f, " neighbor %s timers %u %u\n", a, p->timers.keepalive,
				p->timers.hold);
	}
}

static void vni_blocks(FILE *f, const struct ztos_config *cfg)
{
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct ztos_tenant *t = &cfg->tenants[i];

		if (!t->evpn_rd[0] && !t->n_rt_import && !t->n_rt_export)
			continue;
		fprintf(f, "  vni %u\n", t->vni);
		if (t->evpn_rd[0])
			fprintf(f, "   rd %s\n", t->evpn_rd);
		for (size_t k = 0; k < t->n_rt_import; k++)
			fprintf(f, "   route-target import %s\n", t->rt_import[k]);
		for (size_t k = 0; k < t->n_rt_export; k++)
			fprintf(f, "   route-target export %s\n", t->rt_export[k]);
		fprintf(f, "  exit-vni\n");
	}
}

static void evpn_family(FILE *f, const struct ztos_config *cfg)
{
	const struct ztos_bgp *b = &cfg->bgp;
	char a[INET6_ADDRSTRLEN];

	fprintf(f, " !\n address-family l2vpn evpn\n");
	for (size_t i = 0; i < b->n_peers; i++) {
		ztos_addr_str(&b->peers[i].address, a, sizeof(a));
		fprintf(f, "  neighbor %s activate\n", a);
		if (b->peers[i].route_reflector_client)
			fprintf(f, "  neighbor %s route-reflector-client\n", a);
	}
	/* first: it makes this instance the EVPN one, which a vni block needs */
	if (b->advertise_all_vni)
		fprintf(f, "  advertise-all-vni\n");
	vni_blocks(f, cfg);
	fprintf(f, " exit-address-family\n");
}

/* Per L3 VNI: the VRF's BGP instance announces its connected routes as type-5. */
static void vrf_instances(FILE *f, const struct ztos_config *cfg, const char *rid)
{
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct ztos_tenant *t = &cfg->tenants[i];

		if (!t->has_vrf || !t->l3vni)
			continue;
		fprintf(f, "router bgp %u vrf ztvrf%u\n bgp router-id %s\n !\n"
			" address-family ipv4 unicast\n  redistribute connected\n"
			" exit-address-family\n !\n address-family l2vpn evpn\n"
			"  advertise ipv4 unicast\n exit-address-family\nexit\n!\n",
			cfg->bgp.asn, t->vrf_table, rid);
	}
}

static void router_bgp(FILE *f, const struct ztos_config *cfg, bool mark)
{
	const struct ztos_bgp *b = &cfg->bgp;
	char rid[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->router_id, rid, sizeof(rid));
	fprintf(f, "router bgp %u\n bgp router-id %s\n", b->asn, rid);
	/*
	 * IPv4 unicast is not ztos's to exchange. It changes every peer of the instance: in
	 * the host's FRR that is the host's to decide. (eBGP needs no policy here: the
	 * datacenter profile has ebgp-requires-policy off.)
	 */
	if (!mark)
		fprintf(f, " no bgp default ipv4-unicast\n");
	/* 3/9 is the datacenter profile's own: FRR does not write it, so neither do we */
	if (b->timers.set && !(b->timers.keepalive == 3 && b->timers.hold == 9))
		fprintf(f, " timers bgp %u %u\n", b->timers.keepalive, b->timers.hold);
	neighbor_lines(f, b, mark);
	evpn_family(f, cfg);
	fprintf(f, "exit\n!\n");
	vrf_instances(f, cfg, rid);
}

int frr_render(const struct ztos_config *cfg, const struct frr_render_opts *o, char **text)
{
	size_t len = 0;
	FILE *f;

	*text = NULL;
	f = open_memstream(text, &len);
	if (!f)
		return -ENOMEM;
	if (!o->part_only)
		global_lines(f, o);
	if (cfg->has_bgp) {
		vrf_blocks(f, cfg);
		bfd_block(f, &cfg->bgp);
		router_bgp(f, cfg, o->part_only);
	}
	if (!o->part_only)
		fprintf(f, "end\n");
	if (fclose(f) || !*text) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}
