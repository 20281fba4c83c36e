// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AF_XDP reader's frame parser (agent/kernel/afxdp.c): the flow key must be the one the
 * datapath keys the flow with (canonical, with the VNI of the mirror stamp), or a DPI
 * block misses its flow; and no frame, however cut, may be read past its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/afxdp.h"

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	put(f, b, 2);
}

/* Ethernet to the mirror stamp of vni (vni < 0: a plain unicast address), then tags. */
static void eth(struct frame *f, int vni, const uint16_t *tags, int n_tags, uint16_t proto)
{
	uint8_t dst[6] = { ZTOS_MIRROR_MAC0, ZTOS_MIRROR_MAC1, vni >> 16, vni >> 8, vni, 0 };
	uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x0a };

	if (vni < 0)
		memcpy(dst, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x0b }, 6);
	put(f, dst, 6);
	put(f, src, 6);
	for (int i = 0; i < n_tags; i++) {
		put16(f, tags[i]);
		put16(f, 100 + i);
	}
	put16(f, proto);
}

static void ip4(struct frame *f, const char *src, const char *dst, uint8_t proto,
		uint16_t l4_len, uint16_t frag)
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0, 0, frag >> 8, frag & 0xff, 64, proto };
	uint16_t tot = (uint16_t)(20 + l4_len);

	h[2] = tot >> 8;
	h[3] = tot & 0xff;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	put(f, h, 20);
}

static void ip6(struct frame *f, const char *src, const char *dst, uint8_t proto, uint16_t plen)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, plen >> 8, plen & 0xff, proto, 64 };

	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, 40);
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t h[20] = { sport >> 8, sport & 0xff, dport >> 8, dport & 0xff };

	h[12] = 5 << 4;
	h[13] = flags;
	put(f, h, 20);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t plen)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + plen));
	put16(f, 0);
}

static const char payload[] = "GET /x HTTP/1.1\r\n\r\n";
#define PLEN ((uint16_t)(sizeof(payload) - 1))

static struct frame tcp4_frame(int vni)
{
	struct frame f = { .len = 0 };

	eth(&f, vni, NULL, 0, 0x0800);
	ip4(&f, "10.100.0.20", "10.100.0.10", 6, 20 + PLEN, 0);
	tcp(&f, 40000, 80, 0x18);
	put(&f, payload, PLEN);
	return f;
}

static void test_tcp4_reverse_and_vni(void **state)
{
	struct frame f = tcp4_frame(0x123456);
	struct afxdp_pkt p;
	uint32_t a, b;

	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	inet_pton(AF_INET, "10.100.0.10", &a);
	inet_pton(AF_INET, "10.100.0.20", &b);
	/* 10.100.0.20 -> .10: the lower address is endpoint a, so the packet is reverse. */
	assert_int_equal(p.key.addr_a[0], a);
	assert_int_equal(p.key.addr_b[0], b);
	assert_int_equal(p.key.port_a, 80);
	assert_int_equal(p.key.port_b, 40000);
	assert_int_equal(p.reverse, 1);
	assert_int_equal(p.key.vni, 0x123456);
	assert_int_equal(p.has_vni, 1);
	assert_int_equal(p.key.family, ZTOS_AF4);
	assert_int_equal(p.key.proto, 6);
	assert_int_equal(p.key.pad, 0);
	assert_int_equal(p.tcp_flags, 0x18);
	assert_int_equal(p.payload_len, PLEN);
	assert_memory_equal(p.payload, payload, PLEN);
	assert_int_equal(p.frame_len, f.len);
}

static void test_no_stamp(void **state)
{
	struct frame f = tcp4_frame(-1);
	struct afxdp_pkt p;

	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	assert_int_equal(p.has_vni, 0);
	assert_int_equal(p.key.vni, 0);
}

/* A short frame padded to the Ethernet minimum: the payload ends where IP says. */
static void test_padding(void **state)
{
	struct frame f = { .len = 0 };
	struct afxdp_pkt p;

	eth(&f, 7, NULL, 0, 0x0800);
	ip4(&f, "10.0.0.1", "10.0.0.2", 17, 8 + 2, 0);
	udp(&f, 53, 5353, 2);
	put(&f, "hi", 2);
	memset(f.b + f.len, 0xee, 64 - f.len);
	f.len = 64;
	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	assert_int_equal(p.payload_len, 2);
	assert_memory_equal(p.payload, "hi", 2);
	assert_int_equal(p.reverse, 0);
	assert_int_equal(p.key.port_a, 53);
	assert_int_equal(p.key.port_b, 5353);
}

static void test_two_vlan_tags_ipv6(void **state)
{
	static const uint16_t tags[] = { 0x88a8, 0x8100 };
	struct frame f = { .len = 0 };
	struct afxdp_pkt p;
	uint8_t a[16];

	eth(&f, 100, tags, 2, 0x86dd);
	ip6(&f, "fd00::1", "fd00::2", 17, 8 + PLEN);
	udp(&f, 1000, 2000, PLEN);
	put(&f, payload, PLEN);
	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	inet_pton(AF_INET6, "fd00::1", a);
	assert_memory_equal(p.key.addr_a, a, 16);
	assert_int_equal(p.key.family, ZTOS_AF6);
	assert_int_equal(p.key.vni, 100);
	assert_int_equal(p.payload_len, PLEN);
	assert_int_equal(p.reverse, 0);
}

/* Equal addresses: the lower port is endpoint a, as in bpf/lib/parse.h. */
static void test_same_address_ports_order(void **state)
{
	struct frame f = { .len = 0 };
	struct afxdp_pkt p;

	eth(&f, 1, NULL, 0, 0x0800);
	ip4(&f, "10.0.0.1", "10.0.0.1", 6, 20, 0);
	tcp(&f, 9000, 80, 0x02);
	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	assert_int_equal(p.key.port_a, 80);
	assert_int_equal(p.reverse, 1);
	assert_int_equal(p.payload_len, 0);
}

/* A later fragment has no transport header: ports 0, no payload, as the datapath keys it. */
static void test_later_fragment(void **state)
{
	struct frame f = { .len = 0 };
	struct afxdp_pkt p;

	eth(&f, 1, NULL, 0, 0x0800);
	ip4(&f, "10.0.0.1", "10.0.0.2", 6, 24, 185);
	put(&f, "abcdefghijklmnopqrstuvwx", 24);
	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), 0);
	assert_int_equal(p.key.port_a, 0);
	assert_int_equal(p.key.port_b, 0);
	assert_int_equal(p.payload_len, 0);
}

static void test_not_ip(void **state)
{
	struct frame f = { .len = 0 };
	struct afxdp_pkt p;

	eth(&f, 1, NULL, 0, 0x0806);
	memset(f.b + f.len, 0, 28);
	f.len += 28;
	assert_int_equal(afxdp_parse(f.b, (uint32_t)f.len, &p), -EINVAL);
	assert_int_equal(afxdp_parse(f.b, 10, &p), -EINVAL);
	assert_int_equal(afxdp_parse(f.b, 0, &p), -EINVAL);
}

/*
 * Every cut of a frame (each in a buffer of exactly that size, so that a read past the
 * end is caught by ASan in SAN=1 builds): an error, or a payload inside the cut frame.
 */
static void test_truncated_everywhere(void **state)
{
	static const uint16_t tags[] = { 0x8100 };
	struct frame whole[3] = { tcp4_frame(5) };
	struct afxdp_pkt p;

	eth(&whole[1], 5, tags, 1, 0x86dd);
	ip6(&whole[1], "fd00::2", "fd00::1", 6, 20 + PLEN);
	tcp(&whole[1], 80, 40000, 0x10);
	put(&whole[1], payload, PLEN);
	eth(&whole[2], 5, NULL, 0, 0x0800);
	whole[2].b[whole[2].len] = 0x4f;	/* IHL 15: 60 bytes of header claimed */
	whole[2].len += 20;
	for (int w = 0; w < 3; w++) {
		for (size_t cut = 0; cut <= whole[w].len; cut++) {
			uint8_t *b = malloc(cut ? cut : 1);

			memcpy(b, whole[w].b, cut);
			if (!afxdp_parse(b, (uint32_t)cut, &p)) {
				assert_true(p.payload >= b && p.payload + p.payload_len <= b + cut);
				assert_true(p.key.family == ZTOS_AF4 || p.key.family == ZTOS_AF6);
			}
			free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_reverse_and_vni),
		cmocka_unit_test(test_no_stamp),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_two_vlan_tags_ipv6),
		cmocka_unit_test(test_same_address_ports_order),
		cmocka_unit_test(test_later_fragment),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_truncated_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
