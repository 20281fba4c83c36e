// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flows written into (or deleted from, or looked up in) a running agent's pinned flow
 * table, through the agent's own code (agent/subsys/flowtab.c): IPv4 flows in flowtab4,
 * where they hash to with the table's seed, IPv6 flows in flows. Values struct
 * ztos_flow, last seen AHEAD_S seconds ahead so none ages out while a test or benchmark
 * reads them. For tests/api/flows-page-test.sh and bench/load.sh.
 *
 * Flow i: TCP 10.x.y.z:40000+ -> 10.x.0.2:80 (or fd00::...), VNI vnis[i % n], verdict
 * verdicts[i % n] (1 allow, 2 deny, 3 inspect, 4 block), 10 + i % 7 packets.
 *
 *   flowfill [--delete | --lookup] BPFFS N4 N6 [VNI,...] [VERDICT,...] [AHEAD_S] [FIRST]
 *
 * writes IPv4 flows FIRST..N4-1 and IPv6 flows 0..N6-1; --delete deletes the IPv4 ones,
 * --lookup exits 0 only when all of them are there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/subsys/flowtab.h"

#define MAX_LIST 16

static int parse_list(const char *s, unsigned long *v)
{
	int n = 0;
	char *end;

	while (*s && n < MAX_LIST) {
		v[n++] = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

static struct ztos_flow_key key_of(unsigned long i, int family, __u32 vni)
{
	struct ztos_flow_key k = { .vni = vni, .proto = IPPROTO_TCP, .port_a = 80,
				   .port_b = (__u16)(40000 + i % 20000) };
	__u8 *a = (__u8 *)k.addr_a, *b = (__u8 *)k.addr_b;

	if (family == 4) {
		__u8 net = (__u8)(vni % 250);

		k.family = ZTOS_AF4;
		memcpy(a, (__u8[]){ 10, net, 0, 2 }, 4);
		memcpy(b, (__u8[]){ 10, net, (__u8)(1 + (i >> 8) % 250), (__u8)(1 + i % 250) }, 4);
	} else {
		__u32 n = htonl((__u32)i + 1);

		k.family = ZTOS_AF6;
		a[0] = b[0] = 0xfd;
		a[15] = 2;
		memcpy(b + 12, &n, 4);
	}
	return k;
}

static int open_pinned(const char *bpffs, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "flowfill: %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long vnis[MAX_LIST] = { 100 }, verdicts[MAX_LIST] = { 1 }, n4, n6, first = 0;
	int nv = 1, nd = 1, del = 0, look = 0, fd, fd4, seed_fd, bad = 0;
	unsigned long ahead = 120;
	struct flowtab t;
	struct timespec ts;
	__u64 now;

	if (argc > 1 && (!strcmp(argv[1], "--delete") || !strcmp(argv[1], "--lookup"))) {
		del = !strcmp(argv[1], "--delete");
		look = !del;
		argv++;
		argc--;
	}
	if (argc < 4 || (argc > 4 && (nv = parse_list(argv[4], vnis)) < 1) ||
	    (argc > 5 && (nd = parse_list(argv[5], verdicts)) < 1)) {
		fprintf(stderr, "usage: flowfill [--delete | --lookup] BPFFS N4 N6 [VNI,...] "
				"[VERDICT,...] [AHEAD_S] [FIRST]\n");
		return 2;
	}
	n4 = strtoul(argv[2], NULL, 10);
	n6 = strtoul(argv[3], NULL, 10);
	if (argc > 6)
		ahead = strtoul(argv[6], NULL, 10);
	if (argc > 7)
		first = strtoul(argv[7], NULL, 10);
	fd = open_pinned(argv[1], "flows");
	fd4 = open_pinned(argv[1], "flowtab4");
	seed_fd = open_pinned(argv[1], "flow_seed");
	if (fd < 0 || fd4 < 0 || seed_fd < 0 || flowtab_open(&t, fd, fd4, seed_fd)) {
		fprintf(stderr, "flowfill: cannot open the flow table in %s\n", argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	for (int family = 4; family <= 6; family += 2) {
		unsigned long from = family == 4 ? first : 0, to = family == 4 ? n4 : n6;

		for (unsigned long i = from; i < to; i++) {
			struct ztos_flow_key k = key_of(i, family, (__u32)vnis[i % (unsigned long)nv]);
			struct ztos_flow f = {
				.packets = { 10 + i % 7, 8 }, .bytes = { 1500, 900 },
				.first_seen_ns = now, .last_seen_ns = now + ahead * 1000000000ULL,
				.verdict = (__u8)verdicts[i % (unsigned long)nd], .tcp_flags = 0x1b,
			};
			int err = del ? flowtab_delete(&t, &k)
				  : look ? flowtab_lookup(&t, &k, &f)
				  : flowtab_update(&t, &k, &f, BPF_ANY);

			if (err && !bad++)
				fprintf(stderr, "flowfill: IPv%d flow %lu: %s\n", family, i,
					strerror(-err));
		}
	}
	flowtab_close(&t);
	return bad ? 1 : 0;
}
