// SPDX-License-Identifier: GPL-2.0-only
/*
 * agent/frr/ without FRR: the renderer (config -> frr.conf text, as FRR writes it) and
 * the parsers of FRR's JSON and of vtysh's / frr-reload.py's answers, on output
 * recorded from FRR 8.4.4 (tests/unit/data/frr/: three hosts, two tenants, after
 * traffic). Run from the repository root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "subsys/frr/internal.h"

#define DATA "tests/unit/data/frr/"

static struct ztos_config *config(const char *yaml)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *root = NULL;
	int err = cfg_parse_yaml("t.yaml", yaml, strlen(yaml), &root, &e);

	if (!err)
		err = cfg_build(root, NULL, &cfg, &e);
	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	cfg_node_free(root);
	cfg_errors_free(&e);
	return cfg;
}

static char *render(const char *yaml, bool part)
{
	struct ztos_config *cfg = config(yaml);
	struct frr_render_opts o = { .hostname = "h1", .log_file = "/var/run/frr/x/frr.log",
				     .part_only = part };
	char *text = NULL;

	assert_int_equal(frr_render(cfg, &o, &text), 0);
	cfg_free(cfg);
	return text;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* ---- render ---- */

#define BGP_MIN "version: 1\nbgp:\n  asn: 64512\n  router_id: 192.0.2.1\n"

static void test_render_minimal(void **state)
{
	char *t = render(BGP_MIN "  peers: [{address: 192.0.2.2, asn: 64512}]\n", false);

	assert_string_equal(t,
			    "frr defaults datacenter\n"
			    "hostname h1\n"
			    "log file /var/run/frr/x/frr.log\n"
			    "no ip forwarding\n"
			    "no ipv6 forwarding\n"
			    "!\n"
			    "router bgp 64512\n"
			    " bgp router-id 192.0.2.1\n"
			    " no bgp default ipv4-unicast\n"
			    " neighbor 192.0.2.2 remote-as 64512\n"
			    " !\n"
			    " address-family l2vpn evpn\n"
			    "  neighbor 192.0.2.2 activate\n"
			    "  advertise-all-vni\n"
			    " exit-address-family\n"
			    "exit\n"
			    "!\n"
			    "end\n");
	free(t);
}

static void test_render_everything(void **state)
{
	char *t = render(BGP_MIN
			 "  timers: {keepalive: 1, hold: 3}\n"
			 "  bfd: {interval_ms: 100, multiplier: 5}\n"
			 "  evpn: {advertise_all_vni: true}\n"
			 "  peers:\n"
			 "    - {address: 192.0.2.2, asn: 64512, route_reflector_client: true, bfd: true}\n"
			 "    - {address: 198.51.100.9, asn: 65001, timers: {keepalive: 10, hold: 30}}\n"
			 "tenants:\n"
			 "  - name: blue\n"
			 "    vni: 100\n"
			 "    vrf: {table: 100, l3vni: 5100}\n"
			 "    evpn: {rd: \"192.0.2.1:100\", rt: [\"64512:100\"], rt_import: [\"64512:999\"]}\n"
			 "  - {name: red, vni: 200}\n",
			 false);

	/* the L3 VNI of blue's VRF, the BFD profile, both peers with their options */
	assert_non_null(strstr(t, "vrf ztvrf100\n vni 5100\nexit-vrf\n"));
	assert_non_null(strstr(t, "bfd\n profile ztos\n  detect-multiplier 5\n"
				  "  receive-interval 100\n  transmit-interval 100\n exit\n"));
	assert_null(strstr(t, "ebgp-requires-policy"));	/* datacenter: off already */
	assert_non_null(strstr(t, " timers bgp 1 3\n"));
	assert_non_null(strstr(t, " neighbor 192.0.2.2 remote-as 64512\n"
				  " neighbor 192.0.2.2 bfd\n"
				  " neighbor 192.0.2.2 bfd profile ztos\n"));
	assert_non_null(strstr(t, " neighbor 198.51.100.9 remote-as 65001\n"
				  " neighbor 198.51.100.9 timers 10 30\n"));
	assert_non_null(strstr(t, "  neighbor 192.0.2.2 activate\n"
				  "  neighbor 192.0.2.2 route-reflector-client\n"
				  "  neighbor 198.51.100.9 activate\n"));
	/* blue's RD and RTs (rt goes both ways, rt_import adds one), none for red; after
	 * advertise-all-vni, which FRR needs first */
	assert_non_null(strstr(t, "  advertise-all-vni\n  vni 100\n   rd 192.0.2.1:100\n"
				  "   route-target import 64512:100\n"
				  "   route-target import 64512:999\n"
				  "   route-target export 64512:100\n  exit-vni\n"));
	assert_null(strstr(t, "vni 200"));
	assert_non_null(strstr(t, "router bgp 64512 vrf ztvrf100\n bgp router-id 192.0.2.1\n"));
	assert_non_null(strstr(t, "  advertise ipv4 unicast\n"));
	free(t);
}

static void test_render_part(void **state)
{
	char *t = render(BGP_MIN "  peers: [{address: 192.0.2.2, asn: 64512}]\n", true);

	/* the host's FRR: no global lines, and each peer marked as ztos's */
	assert_null(strstr(t, "frr defaults"));
	assert_null(strstr(t, "hostname"));
	assert_null(strstr(t, "end\n"));
	assert_non_null(strstr(t, " neighbor 192.0.2.2 description ztos\n"));
	/* instance-wide settings are the host's: they change its other peers too */
	assert_null(strstr(t, "no bgp default ipv4-unicast"));
	free(t);
}

static void test_render_no_bgp(void **state)
{
	char *t = render("version: 1\n", false);

	assert_null(strstr(t, "router bgp"));
	free(t);
}

static void test_needs_bfd(void **state)
{
	struct ztos_config *a = config(BGP_MIN "  peers: [{address: 192.0.2.2, asn: 1, bfd: true}]\n");
	struct ztos_config *b = config(BGP_MIN "  peers: [{address: 192.0.2.2, asn: 1}]\n");

	assert_true(frr_needs_bfd(a));
	assert_false(frr_needs_bfd(b));
	cfg_free(a);
	cfg_free(b);
}

/* bfd: true without bgp.bfd is ztos's 100 ms x 3; a peer's own timing is a profile of its own. */
static void test_render_bfd_profiles(void **state)
{
	char *t = render(BGP_MIN "  peers:\n"
			 "    - {address: 192.0.2.2, asn: 64512, bfd: true}\n"
			 "    - {address: 192.0.2.3, asn: 64512, bfd: {interval_ms: 300}}\n"
			 "    - {address: 192.0.2.4, asn: 64512, bfd: {interval_ms: 300, multiplier: 3}}\n"
			 "    - {address: 192.0.2.5, asn: 64512, bfd: {interval_ms: 100}}\n"
			 "    - {address: 192.0.2.6, asn: 64512}\n",
			 false);

	/* FRR's own 300 and 3 are not written: its running config leaves them out */
	assert_non_null(strstr(t, "bfd\n profile ztos\n  receive-interval 100\n"
				  "  transmit-interval 100\n exit\n !\n"
				  " profile ztos-300x3\n exit\n !\nexit\n"));
	assert_non_null(strstr(t, " neighbor 192.0.2.2 bfd\n neighbor 192.0.2.2 bfd profile ztos\n"));
	assert_non_null(strstr(t, " neighbor 192.0.2.3 bfd profile ztos-300x3\n"));
	/* the same timing twice: one profile */
	assert_non_null(strstr(t, " neighbor 192.0.2.4 bfd profile ztos-300x3\n"));
	assert_null(strstr(strstr(t, "\n profile ztos-300x3\n") + 1, "\n profile ztos-300x3\n"));
	/* a peer's own timing equal to bgp.bfd's is that profile */
	assert_non_null(strstr(t, " neighbor 192.0.2.5 bfd profile ztos\n"));
	assert_null(strstr(t, "neighbor 192.0.2.6 bfd"));
	free(t);
}

/* ---- state ---- */

static void test_summary(void **state)
{
	struct frr_state st = { 0 };
	char *j = slurp(DATA "summary.json");
	struct frr_peer *p;

	assert_int_equal(frr_parse_summary(j, &st), 0);
	assert_string_equal(st.router_id, "192.0.2.1");
	assert_int_equal(st.as, 64512);
	assert_int_equal(st.n_peers, 2);
	p = frr_state_peer(&st, "192.0.2.3");
	assert_string_equal(p->state, "Established");
	assert_true(p->has_prefixes && p->has_uptime && p->has_counts && p->has_remote_as);
	assert_true(p->prefixes_received == 4);
	assert_true(p->uptime_s > 0);
	assert_int_equal(p->remote_as, 64512);
	assert_int_equal(st.n_peers, 2);	/* found, not added */
	frr_state_free(&st);
	free(j);
}

static void test_summary_shapes(void **state)
{
	struct frr_state st = { 0 };
	struct frr_peer *p;

	/* no peer with l2vpn evpn: FRR prints {} */
	assert_int_equal(frr_parse_summary("{}", &st), 0);
	assert_int_equal(st.n_peers, 0);
	/* a peer that never came up: nothing is made up for what FRR left out */
	assert_int_equal(frr_parse_summary("{\"l2VpnEvpn\":{\"peers\":{\"192.0.2.77\":"
					   "{\"remoteAs\":64512,\"state\":\"Connect\","
					   "\"peerUptimeMsec\":0}}}}", &st), 0);
	p = frr_state_peer(&st, "192.0.2.77");
	assert_string_equal(p->state, "Connect");
	assert_false(p->has_prefixes);
	assert_false(p->has_counts);
	assert_int_equal(frr_parse_summary("% BGP instance not found", &st), -EINVAL);
	assert_int_equal(frr_parse_summary("[1,2]", &st), -EINVAL);
	assert_int_equal(frr_parse_neighbors("{\"192.0.2.77\":{\"bgpState\":\"Connect\","
					     "\"lastResetDueTo\":\"Waiting for peer OPEN\"},"
					     "\"10.9.9.9\":{\"bgpState\":\"Idle\"}}", &st), 0);
	assert_string_equal(p->last_reset, "Waiting for peer OPEN");
	/* a neighbor that is not an EVPN peer is not ztos's to show */
	assert_int_equal(st.n_peers, 1);
	frr_state_free(&st);
}

/* A peer's session between two reads, and the reason FRR gave, as the events tell them. */
static void test_peer_change(void **state)
{
	struct frr_state a = { 0 }, b = { 0 }, c = { 0 };
	struct frr_peer *pa, *pb, *pc;
	char why[300];

	frr_state_peer(&a, "192.0.2.3");
	assert_int_equal(frr_parse_neighbors("{\"192.0.2.3\":{\"bgpState\":\"Established\","
					     "\"connectionsEstablished\":1,\"connectionsDropped\":0,"
					     "\"lastResetDueTo\":\"No AFI/SAFI activated for peer\"}}",
					     &a), 0);
	frr_state_peer(&b, "192.0.2.3");
	assert_int_equal(frr_parse_neighbors("{\"192.0.2.3\":{\"bgpState\":\"Idle\","
					     "\"connectionsEstablished\":1,\"connectionsDropped\":1,"
					     "\"lastResetDueTo\":\"BGP Notification send\","
					     "\"lastNotificationReason\":\"Cease/BFD Down\"}}", &b), 0);
	frr_state_peer(&c, "192.0.2.3");
	assert_int_equal(frr_parse_neighbors("{\"192.0.2.3\":{\"bgpState\":\"Established\","
					     "\"connectionsEstablished\":2,\"connectionsDropped\":2,"
					     "\"lastResetDueTo\":\"Peer closed the session\","
					     "\"lastNotificationReason\":\"Cease/BFD Down\"}}", &c), 0);
	pa = &a.peers[0];
	pb = &b.peers[0];
	pc = &c.peers[0];
	assert_true(pb->has_counts);
	assert_int_equal(frr_peer_change(NULL, pa), FRR_PEER_SAME);	/* first read */
	assert_int_equal(frr_peer_change(pa, pa), FRR_PEER_SAME);
	assert_int_equal(frr_peer_change(pa, pb), FRR_PEER_DOWN);
	assert_int_equal(frr_peer_change(pb, pc), FRR_PEER_UP);
	/* Established both times with a drop counted between: it went down and came back */
	pb->dropped = 1;
	assert_int_equal(frr_peer_change(pa, pc), FRR_PEER_FLAP);
	assert_string_equal(frr_peer_reason(pb, why, sizeof(why)),
			    "BGP Notification send (Cease/BFD Down)");
	/* a notification of long ago does not explain a reset that is no notification */
	assert_string_equal(frr_peer_reason(pc, why, sizeof(why)), "Peer closed the session");
	frr_state_free(&a);
	frr_state_free(&b);
	frr_state_free(&c);
}

static void test_neighbors(void **state)
{
	struct frr_state st = { 0 };
	char *s = slurp(DATA "summary.json"), *n = slurp(DATA "neighbors.json");

	assert_int_equal(frr_parse_summary(s, &st), 0);
	assert_int_equal(frr_parse_neighbors(n, &st), 0);
	assert_string_equal(frr_state_peer(&st, "192.0.2.2")->last_reset,
			    "No AFI/SAFI activated for peer");
	frr_state_free(&st);
	free(s);
	free(n);
}

static void test_bfd(void **state)
{
	struct frr_state st = { 0 };

	assert_int_equal(frr_parse_summary("{\"l2VpnEvpn\":{\"peers\":{\"192.0.2.2\":"
					   "{\"state\":\"Established\"}}}}", &st), 0);
	assert_int_equal(frr_parse_bfd("[{\"multihop\":false,\"peer\":\"192.0.2.2\","
				       "\"local\":\"192.0.2.1\",\"status\":\"up\","
				       "\"uptime\":13,\"detect-multiplier\":3}]", &st), 0);
	assert_string_equal(st.peers[0].bfd, "up");
	assert_int_equal(frr_parse_bfd("{}", &st), -EINVAL);
	frr_state_free(&st);
}

static void test_vnis(void **state)
{
	struct frr_state st = { 0 };
	char *j = slurp(DATA "evpn-vni.json");
	const struct frr_vni *v;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	assert_int_equal(frr_parse_vnis(j, &st), 0);
	assert_int_equal(st.n_vnis, 2);
	v = frr_state_vni(&st, 100);
	assert_string_equal(v->type, "L2");
	assert_string_equal(v->vxlan_if, "ztvx100");
	assert_true(v->has_macs && v->macs == 3);
	assert_int_equal(v->n_remote_vteps, 2);
	ztos_addr_str(&v->remote_vteps[0], a, sizeof(a));
	ztos_addr_str(&v->remote_vteps[1], b, sizeof(b));
	assert_string_equal(a, "192.0.2.3");
	assert_string_equal(b, "192.0.2.2");
	/* a VNI key that is not one */
	assert_int_equal(frr_parse_vnis("{\"abc\":{}}", &st), -EINVAL);
	assert_int_equal(frr_parse_vnis("{\"300\":{\"remoteVteps\":[\"not an address\"]}}", &st),
			 -EINVAL);
	frr_state_free(&st);
	free(j);
}

static void test_macs(void **state)
{
	struct frr_state st = { 0 };
	char *j = slurp(DATA "evpn-mac.json");
	const struct frr_vni *v;

	assert_int_equal(frr_parse_macs(j, &st), 0);
	v = frr_state_vni(&st, 200);
	assert_true(v->has_mac_split);
	assert_int_equal(v->macs_local, 1);
	assert_int_equal(v->macs_remote, 2);
	frr_state_free(&st);
	free(j);
}

static void test_routes(void **state)
{
	struct frr_state st = { 0 };
	char *j = slurp(DATA "evpn-routes-vni-all.json");
	const struct frr_vni *v;

	assert_int_equal(frr_parse_vni_routes(j, &st), 0);
	v = frr_state_vni(&st, 100);
	assert_true(v->has_routes);
	/* one type-3 route per host (this one too), one type-2 per workload MAC */
	assert_int_equal(v->routes_type3, 3);
	assert_int_equal(v->n_type3_from, 3);
	assert_int_equal(v->routes_type2, 3);
	frr_state_free(&st);
	free(j);
}

/* ---- vtysh and frr-reload.py ---- */

static void test_refusal(void **state)
{
	char err[512] = "";

	/* vtysh -C -f */
	assert_int_equal(frr_refusal("line 16: % Unknown command[4]:  bogus line\n", err,
				     sizeof(err)), -EIO);
	assert_string_equal(err, "FRR refused \"bogus line\": Unknown command");
	/* frr-reload.py --reload: the daemon's words, then vtysh's line */
	assert_int_equal(frr_refusal("% Can not configure the local system as neighbor\n"
				     "2026-12-06 19:24:42,236  INFO: Called via \"Namespace()\"\n"
				     "line 2: Failure to communicate[13] to bgpd, line:  neighbor "
				     "192.0.2.1 remote-as 64512\n\n", err, sizeof(err)), -EIO);
	assert_string_equal(err, "FRR refused \"neighbor 192.0.2.1 remote-as 64512\": Can not "
			    "configure the local system as neighbor");
	assert_int_equal(frr_refusal("2026-12-06 19:24:36,312  INFO: Loading Config object\n",
				     err, sizeof(err)), 0);
	assert_int_equal(frr_refusal("", err, sizeof(err)), 0);
}

static void test_reload_test(void **state)
{
	cJSON *del = NULL, *add = NULL;

	assert_int_equal(frr_parse_reload_test(
		"\nLines To Delete\n===============\nrouter bgp 64512\n no neighbor 192.0.2.77 "
		"remote-as 64512\n\nLines To Add\n============\nrouter bgp 64512\n neighbor "
		"192.0.2.2 timers 3 9\n2026-12-06 19:24:36,373  INFO: \"frr version 8.4.4\" "
		"cannot be removed\n", &del, &add), 0);
	assert_int_equal(cJSON_GetArraySize(del), 2);
	assert_int_equal(cJSON_GetArraySize(add), 2);
	assert_string_equal(cJSON_GetArrayItem(del, 1)->valuestring,
			    " no neighbor 192.0.2.77 remote-as 64512");
	assert_string_equal(cJSON_GetArrayItem(add, 1)->valuestring,
			    " neighbor 192.0.2.2 timers 3 9");
	cJSON_Delete(del);
	cJSON_Delete(add);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_minimal),
		cmocka_unit_test(test_render_everything),
		cmocka_unit_test(test_render_part),
		cmocka_unit_test(test_render_no_bgp),
		cmocka_unit_test(test_needs_bfd),
		cmocka_unit_test(test_render_bfd_profiles),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_shapes),
		cmocka_unit_test(test_neighbors),
		cmocka_unit_test(test_bfd),
		cmocka_unit_test(test_peer_change),
		cmocka_unit_test(test_vnis),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_reload_test),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
