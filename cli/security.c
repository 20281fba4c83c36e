// SPDX-License-Identifier: GPL-2.0-only
/* ztos security status: GET /api/v1/security/status */

#include "ztos.h"

static const char group_help[] =
	"Usage: ztos security COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

static const char status_help[] =
	"Usage: ztos security status [--json]\n"
	"\n"
	"Show WireGuard (interface, peers, handshakes, bytes), MACsec (secure channels,\n"
	"SAs, counters) and what the kernel supports.\n"
	"\n"
	"  --json   print the agent's answer as JSON\n";

static void wg_peer_row(struct table *t, const cJSON *p)
{
	double v;

	table_cell(t, "%s", json_str(p, "name") ?: "-");
	table_cell(t, "%s", json_str(p, "public_key") ?: "-");
	table_cell(t, "%s", json_str(p, "endpoint") ?: "-");
	table_cell_json(t, json_get(p, "allowed_ips"));
	if (json_num(p, "persistent_keepalive", &v) && v)
		table_cell(t, "%.0fs", v);
	else
		table_cell(t, "off");
	if (!json_num(p, "last_handshake_s", &v)) {
		table_cell(t, "-");
	} else {
		struct strbuf ago = {};

		sb_duration(&ago, v);
		table_cell(t, "%s ago", sb_str(&ago));
		t->err = t->err ?: ago.err;
		sb_free(&ago);
	}
	table_cell_json(t, json_get(p, "rx_bytes"));
	table_cell_json(t, json_get(p, "tx_bytes"));
}

/* A section's summary line, then its peers' table (or "no peers"); frees both. */
static int print_section(struct strbuf *sb, struct table *t)
{
	int ret = sb->err;

	if (!ret)
		printf("%s\n", sb_str(sb));
	if (!ret && t->ncells)
		ret = table_print(t, stdout);
	else if (!ret)
		printf("no peers\n");
	table_free(t);
	sb_free(sb);
	return ret;
}

static int wireguard(const cJSON *wg)
{
	struct strbuf sb = {};
	struct table t;
	const cJSON *p;
	double port = 0;

	if (!cJSON_IsTrue(json_get(wg, "configured"))) {
		printf("wireguard: not configured\n");
		return 0;
	}
	json_num(wg, "listen_port", &port);
	sb_printf(&sb, "wireguard: %s, port %.0f, address %s, ",
		  json_str(wg, "interface") ?: "?", port, json_str(wg, "address") ?: "-");
	state_str(&sb, wg);
	table_init(&t, "PEER", "PUBLIC KEY", "ENDPOINT", "ALLOWED IPS", "KEEPALIVE",
		   "HANDSHAKE", "RX BYTES", "TX BYTES", NULL);
	t.hide_empty = 1u << 5 | 1u << 6 | 1u << 7;	/* fields of later agents */
	cJSON_ArrayForEach(p, json_get(wg, "peers"))
		wg_peer_row(&t, p);
	return print_section(&sb, &t);
}

static void macsec_peer_row(struct table *t, const cJSON *p)
{
	struct strbuf sa = {};

	json_flatten(&sa, json_get(p, "rx_sa"), NULL);
	table_cell(t, "%s", json_str(p, "mac") ?: "-");
	table_cell_json(t, json_get(p, "port"));
	table_cell(t, "%s", sb_str(&sa));
	t->err = t->err ?: sa.err;
	sb_free(&sa);
}

static int macsec(const cJSON *ms)
{
	struct strbuf sb = {};
	struct table t;
	const cJSON *p;

	if (!cJSON_IsTrue(json_get(ms, "configured"))) {
		printf("macsec: not configured\n");
		return 0;
	}
	sb_printf(&sb, "macsec: %s on %s, %s, encrypt %s, tx sa ",
		  json_str(ms, "interface") ?: "?", json_str(ms, "parent") ?: "?",
		  json_str(ms, "cipher") ?: "?", cJSON_IsTrue(json_get(ms, "encrypt")) ? "on" : "off");
	json_flatten(&sb, json_get(ms, "tx_sa"), NULL);
	sb_printf(&sb, ", ");
	state_str(&sb, ms);
	table_init(&t, "PEER MAC", "PORT", "RX SA", NULL);
	cJSON_ArrayForEach(p, json_get(ms, "peers"))
		macsec_peer_row(&t, p);
	return print_section(&sb, &t);
}

/* {"wireguard": {"supported": true, "how": ...}, "vrf": {"supported": false, "reason": ...}} */
static int kernel_support(const cJSON *ks)
{
	struct table t;
	const cJSON *f;
	int ret;

	printf("\nkernel support:\n");
	table_init(&t, "FEATURE", "SUPPORTED", "DETAIL", NULL);
	cJSON_ArrayForEach(f, ks) {
		const cJSON *why = json_get(f, "reason") ?: json_get(f, "how");

		table_cell(&t, "%s", f->string);
		table_cell(&t, "%s", cJSON_IsTrue(json_get(f, "supported")) ? "yes" : "no");
		table_cell_json(&t, why);
	}
	ret = table_print(&t, stdout);
	table_free(&t);
	return ret;
}

static int render(const cJSON *root)
{
	int ret;

	ret = wireguard(json_get(root, "wireguard"));
	if (!ret)
		printf("\n");
	ret = ret ?: macsec(json_get(root, "macsec"));
	return ret ?: kernel_support(json_get(root, "kernel_support"));
}

static int security_status_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	int ret = read_opts(ctx, argc, argv, status_help);

	if (ret)
		return ret < 0 ? ret : 0;
	return show(ctx, "/api/v1/security/status", NULL, render);
}

static const struct command security_commands[] = {
	{ "status", security_status_main, "Show WireGuard, MACsec and kernel support" },
};

int security_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos security", security_commands,
			sizeof(security_commands) / sizeof(security_commands[0]), group_help,
			argc - 1, argv + 1);
}
