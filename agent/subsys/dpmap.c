// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <sys/socket.h>

#include "subsys/dpmap.h"

void dpmap_addr(const struct ztos_addr *a, __u32 out[4], __u32 *family)
{
	memset(out, 0, 4 * sizeof(__u32));
	if (a->family == AF_INET) {
		out[0] = a->v4.s_addr;
		*family = ZTOS_AF4;
	} else {
		memcpy(out, &a->v6, 16);
		*family = ZTOS_AF6;
	}
}

void dpmap_vtep_key(__u32 vni, const struct ztos_addr *vtep, struct ztos_vtep_key *k)
{
	memset(k, 0, sizeof(*k));
	k->vni = vni;
	dpmap_addr(vtep, k->addr, &k->family);
}

__u8 dpmap_verdict(enum ztos_action a)
{
	return a == ZTOS_DENY ? ZTOS_VERDICT_DENY : a == ZTOS_INSPECT ? ZTOS_VERDICT_INSPECT
								   : ZTOS_VERDICT_ALLOW;
}

static void cidr(const struct ztos_cidr *c, __u32 w[4], __u8 *len, __u8 *family)
{
	__u32 fam;

	dpmap_addr(&c->addr, w, &fam);
	*len = c->prefixlen;
	*family = (__u8)fam;
}

void dpmap_rule(const struct ztos_policy_rule *r, struct ztos_rule *m)
{
	__u8 fam = 0;

	memset(m, 0, sizeof(*m));
	if (r->has_src)
		cidr(&r->src, m->src, &m->src_len, &fam);
	if (r->has_dst)
		cidr(&r->dst, m->dst, &m->dst_len, &fam);
	m->family = fam;
	m->proto = r->proto;
	m->sport = r->sport;
	m->dport = r->dport;
	m->action = dpmap_verdict(r->action);
}

void dpmap_policy(const struct ztos_tenant *t, struct ztos_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->default_verdict = dpmap_verdict(t->policy_default);
	p->n_rules = t->n_rules < ZTOS_MAX_RULES ? t->n_rules : ZTOS_MAX_RULES;
	for (__u32 i = 0; i < p->n_rules; i++)
		dpmap_rule(&t->rules[i], &p->rules[i]);
}

static const char *const verdict_names[] = {
	[ZTOS_VERDICT_NONE] = "none", [ZTOS_VERDICT_ALLOW] = "allow",
	[ZTOS_VERDICT_DENY] = "deny", [ZTOS_VERDICT_INSPECT] = "inspect",
	[ZTOS_VERDICT_BLOCK] = "block",
};

const char *dpmap_verdict_name(__u8 v)
{
	return v < sizeof(verdict_names) / sizeof(verdict_names[0]) && verdict_names[v]
		       ? verdict_names[v] : "?";
}

int dpmap_verdict_parse(const char *name)
{
	for (size_t v = 0; v < sizeof(verdict_names) / sizeof(verdict_names[0]); v++)
		if (verdict_names[v] && !strcmp(name, verdict_names[v]))
			return (int)v;
	return -1;
}
