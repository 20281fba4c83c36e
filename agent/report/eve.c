// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <netinet/in.h>

#include "report/eve.h"

const char *eve_proto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "IPv6-ICMP";
	default: return "other";
	}
}

void eve_tuple(cJSON *o, const struct ztos_flow_key *k, bool a_is_src, const char *tenant)
{
	const __u32 *src = a_is_src ? k->addr_a : k->addr_b;
	const __u32 *dst = a_is_src ? k->addr_b : k->addr_a;
	int af = k->family == ZTOS_AF4 ? AF_INET : AF_INET6;
	char buf[INET6_ADDRSTRLEN];

	cJSON_AddStringToObject(o, "src_ip", inet_ntop(af, src, buf, sizeof(buf)) ? buf : "?");
	cJSON_AddNumberToObject(o, "src_port", a_is_src ? k->port_a : k->port_b);
	cJSON_AddStringToObject(o, "dest_ip", inet_ntop(af, dst, buf, sizeof(buf)) ? buf : "?");
	cJSON_AddNumberToObject(o, "dest_port", a_is_src ? k->port_b : k->port_a);
	cJSON_AddStringToObject(o, "proto", eve_proto(k->proto));
	cJSON_AddNumberToObject(o, "vni", k->vni);
	if (tenant)
		cJSON_AddStringToObject(o, "tenant", tenant);
}
