// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztos security status: GET /api/v1/security/status
 * ztos security wireguard genkey | pubkey: WireGuard keys, made here with libsodium
 * (X25519), the agent is not asked.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

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
	if (json_str(wg, "implementation"))
		sb_printf(&sb, " (%s, mtu %.0f)", json_str(wg, "implementation"),
			  json_num(wg, "mtu", &port) ? port : 0);
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

/* One row per SA the kernel has: its channel, state, key ID (never a key) and counters. */
static void macsec_sa_row(struct table *t, const char *channel, const cJSON *sa, bool rx,
			  const cJSON *sc_stats)
{
	const cJSON *st = json_get(sa, "stats");
	double a = 0, b = 0;

	table_cell(t, "%s", channel);
	table_cell_json(t, json_get(sa, "an"));
	table_cell(t, "%s%s", json_str(sa, "state") ?: "?",
		   cJSON_IsTrue(json_get(sa, "active")) ? "" : " (inactive)");
	table_cell_json(t, json_get(sa, "key_id"));
	table_cell_json(t, json_get(sa, rx ? "lowest_pn" : "next_pn"));
	if (rx) {
		table_cell_json(t, json_get(st, "InPktsOK"));
		table_cell_json(t, json_get(st, "InPktsNotValid"));
		table_cell_json(t, json_get(st, "InPktsInvalid"));
		table_cell_json(t, json_get(sc_stats, "InPktsLate"));
	} else {
		json_num(st, "OutPktsEncrypted", &a);
		json_num(st, "OutPktsProtected", &b);
		table_cell(t, "%.0f", a + b);
		table_cell(t, "-");
		table_cell(t, "-");
		table_cell(t, "-");
	}
}

static int macsec_kernel(const cJSON *k)
{
	const cJSON *tx = json_get(k, "tx_sc"), *sc, *sa;
	char channel[48];
	struct table t;
	int ret;

	printf("link: ifindex %.0f, mtu %.0f, %s, encoding sa %.0f, validate %s\n",
	       json_get(k, "ifindex") ? json_get(k, "ifindex")->valuedouble : 0,
	       json_get(k, "mtu") ? json_get(k, "mtu")->valuedouble : 0,
	       cJSON_IsTrue(json_get(k, "operational")) ? "operational" : "not operational",
	       json_get(k, "encoding_sa") ? json_get(k, "encoding_sa")->valuedouble : 0,
	       json_str(k, "validate") ?: "?");
	table_init(&t, "CHANNEL", "AN", "STATE", "KEY ID", "PN", "PACKETS", "NOT VALID", "INVALID",
		   "LATE", NULL);
	snprintf(channel, sizeof(channel), "tx %s", json_str(tx, "sci") ?: "?");
	cJSON_ArrayForEach(sa, json_get(tx, "sa"))
		macsec_sa_row(&t, channel, sa, false, NULL);
	cJSON_ArrayForEach(sc, json_get(k, "rx_sc")) {
		double port = 0;

		json_num(sc, "port", &port);
		snprintf(channel, sizeof(channel), "rx %s/%.0f%s", json_str(sc, "mac") ?: "?", port,
			 cJSON_IsTrue(json_get(sc, "configured")) ? "" : " (not configured)");
		cJSON_ArrayForEach(sa, json_get(sc, "sa"))
			macsec_sa_row(&t, channel, sa, true, json_get(sc, "stats"));
	}
	ret = t.ncells ? table_print(&t, stdout) : (printf("no SAs\n"), 0);
	table_free(&t);
	return ret;
}

static int macsec(const cJSON *ms)
{
	const cJSON *k = json_get(ms, "kernel");
	struct strbuf sb = {};
	struct table t;
	const cJSON *p;
	int ret;

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
	if (cJSON_IsFalse(json_get(ms, "persisted")))
		sb_printf(&sb, "\nnote: %s", json_str(ms, "persisted_note") ?: "not persisted");
	table_init(&t, "PEER MAC", "PORT", "RX SA", NULL);
	cJSON_ArrayForEach(p, json_get(ms, "peers"))
		macsec_peer_row(&t, p);
	ret = print_section(&sb, &t);
	if (ret || !cJSON_IsTrue(json_get(k, "present"))) {
		if (!ret && k)
			printf("kernel: %s\n", json_str(k, "reason") ?: "no MACsec link");
		return ret;
	}
	return macsec_kernel(k);
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
		if (json_str(f, "fallback"))
			table_cell(&t, "%s; %s stands in", json_str(f, "reason") ?: "",
				   json_str(f, "fallback"));
		else
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

#define WG_KEY_LEN 32
#define WG_KEY_B64 45	/* 44 characters and the NUL */

static const char wg_group_help[] =
	"Usage: ztos security wireguard COMMAND\n"
	"\n"
	"WireGuard keys, made on this machine (the agent is not asked):\n"
	"  ztos security wireguard genkey > wg.key && chmod 600 wg.key\n"
	"  ztos security wireguard pubkey < wg.key\n"
	"\n"
	"Commands:\n";

static const char genkey_help[] =
	"Usage: ztos security wireguard genkey\n"
	"\n"
	"Print a new WireGuard private key (base64, as 'wg genkey' does): 32 random bytes\n"
	"from the system's generator, clamped for X25519. Keep it in a file only root can\n"
	"read, and name that file in wireguard.private_key_file.\n";

static const char pubkey_help[] =
	"Usage: ztos security wireguard pubkey < PRIVATE_KEY_FILE\n"
	"\n"
	"Read a WireGuard private key (base64) on standard input and print its public key,\n"
	"the one other hosts put in their wireguard.peers[].public_key.\n";

static int key_opts(struct ztos_ctx *ctx, int argc, char **argv, const char *help)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return 1;
	}
	if (argc > 1)
		return usage_error(ctx, "unexpected argument '%s'", argv[1]);
	return 0;
}

static int print_key(const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64];

	sodium_bin2base64(b64, sizeof(b64), key, WG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	printf("%s\n", b64);
	sodium_memzero(b64, sizeof(b64));
	return fflush(stdout) ? -errno : 0;
}

static int genkey_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	uint8_t key[WG_KEY_LEN];
	struct stat st;
	int ret = key_opts(ctx, argc, argv, genkey_help);

	if (ret)
		return ret < 0 ? ret : 0;
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium does not initialise\n", ctx->cmd);
		return -EIO;
	}
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fprintf(stderr, "%s: warning: the file this key goes to can be read by every user; run chmod 600 on it\n",
			ctx->cmd);
	randombytes_buf(key, sizeof(key));
	/* X25519 clamping, as WireGuard does to every private key */
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
	ret = print_key(key);
	sodium_memzero(key, sizeof(key));
	return ret;
}

static int pubkey_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	char buf[256];
	size_t len, bin_len = 0;
	const char *text = buf;
	int ret = key_opts(ctx, argc, argv, pubkey_help);

	if (ret)
		return ret < 0 ? ret : 0;
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium does not initialise\n", ctx->cmd);
		return -EIO;
	}
	len = fread(buf, 1, sizeof(buf), stdin);
	while (len && strchr(" \t\r\n", buf[len - 1]))
		len--;
	while (len && strchr(" \t\r\n", *text)) {
		text++;
		len--;
	}
	if (len == sizeof(buf) || sodium_base642bin(key, sizeof(key), text, len, NULL, &bin_len, NULL,
						    sodium_base64_VARIANT_ORIGINAL) ||
	    bin_len != WG_KEY_LEN || crypto_scalarmult_base(pub, key)) {
		fprintf(stderr, "%s: standard input does not hold a WireGuard private key: expected 44 base64 characters for 32 bytes, as 'ztos security wireguard genkey' prints\n",
			ctx->cmd);
		ret = -EIO;
	} else {
		ret = print_key(pub);
	}
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(key, sizeof(key));
	return ret;
}

static const struct command wireguard_commands[] = {
	{ "genkey", genkey_main, "Print a new private key" },
	{ "pubkey", pubkey_main, "Print the public key of the private key on standard input" },
};

static int wireguard_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos security wireguard", wireguard_commands,
			sizeof(wireguard_commands) / sizeof(wireguard_commands[0]), wg_group_help,
			argc - 1, argv + 1);
}

static const char macsec_help[] =
	"Usage: ztos security macsec COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

static const char rotate_help[] =
	"Usage: ztos security macsec rotate [--tx-an N --tx-key-id HEX --tx-key-file FILE]\n"
	"                                   [--peer MAC [--port N] --rx-an N --rx-key-id HEX\n"
	"                                    --rx-key-file FILE]... [--json]\n"
	"\n"
	"Move MACsec to its next keys without a gap in traffic. The new SAs are installed\n"
	"beside the ones in use (a new AN, 0..3): the peers' RX SAs first, then this host's\n"
	"TX SA, which becomes the encoding SA; the old TX SA goes at once, an old RX SA once\n"
	"the peer's traffic arrives under the new one (plus a short grace). Rotate the RX SAs\n"
	"on every host before any host's TX SA. Key files hold the key in hex (chmod 600);\n"
	"the agent reads them, the key never passes through this command.\n"
	"\n"
	"The new SAs are the agent's desired state until the next reload or restart, which\n"
	"read the config file: write them there too.\n"
	"\n"
	"  --tx-an N, --tx-key-id HEX, --tx-key-file FILE   this host's next TX SA\n"
	"  --peer MAC                    a configured peer; the --rx-* options after it apply to it\n"
	"  --port N                      the peer's SCI port (checked against the config)\n"
	"  --rx-an N, --rx-key-id HEX, --rx-key-file FILE   the peer's next SA, as received here\n"
	"  --json                        print the agent's answer as JSON\n";

enum { R_TX_AN = 256, R_TX_ID, R_TX_FILE, R_PEER, R_PORT, R_RX_AN, R_RX_ID, R_RX_FILE, R_JSON };

static const struct option rotate_opts[] = {
	{ "tx-an", required_argument, NULL, R_TX_AN },
	{ "tx-key-id", required_argument, NULL, R_TX_ID },
	{ "tx-key-file", required_argument, NULL, R_TX_FILE },
	{ "peer", required_argument, NULL, R_PEER },
	{ "port", required_argument, NULL, R_PORT },
	{ "rx-an", required_argument, NULL, R_RX_AN },
	{ "rx-key-id", required_argument, NULL, R_RX_ID },
	{ "rx-key-file", required_argument, NULL, R_RX_FILE },
	{ "json", no_argument, NULL, R_JSON },
	{ "help", no_argument, NULL, 'h' },
	{}
};

/* A key file path as the agent will read it: absolute, from where this command runs. */
static cJSON *key_file(const char *path)
{
	char *abs = realpath(path, NULL);
	cJSON *s = cJSON_CreateString(abs ? abs : path);

	free(abs);
	return s;
}

/* sa: the TX SA object, the current peer's rx_sa object, the current peer. */
static int rotate_opt(struct ztos_ctx *ctx, cJSON **sa, int c, char **argv)
{
	uint32_t v;
	int ret = 0;

	switch (c) {
	case R_TX_AN:
	case R_RX_AN:
		ret = parse_u32(ctx, c == R_TX_AN ? "--tx-an" : "--rx-an", optarg, 0, 3, &v);
		if (!ret)
			cJSON_AddNumberToObject(c == R_TX_AN ? sa[0] : sa[1], "an", v);
		break;
	case R_TX_ID:
	case R_RX_ID:
		cJSON_AddStringToObject(c == R_TX_ID ? sa[0] : sa[1], "key_id", optarg);
		break;
	case R_TX_FILE:
	case R_RX_FILE:
		cJSON_AddItemToObject(c == R_TX_FILE ? sa[0] : sa[1], "key_file", key_file(optarg));
		break;
	case R_PORT:
		ret = parse_u32(ctx, "--port", optarg, 1, 65535, &v);
		if (!ret)
			cJSON_AddNumberToObject(sa[2], "port", v);
		break;
	case R_JSON:
		ctx->json = true;
		break;
	default:
		ret = opt_error(ctx, c, argv);
	}
	return ret;
}

static int render_rotate(const cJSON *root)
{
	const cJSON *change;

	cJSON_ArrayForEach(change, json_get(root, "changes"))
		printf("~ %s%s%s\n", json_str(change, "object") ?: "?",
		       json_str(change, "detail") ? ": " : "", json_str(change, "detail") ?: "");
	printf("rotated; old RX SAs retire once the peers' traffic arrives under the new ones\n");
	if (json_str(root, "note"))
		printf("note: %s\n", json_str(root, "note"));
	return 0;
}

static int rotate_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	cJSON *body = cJSON_CreateObject(), *peers = NULL, *sa[3] = { NULL, NULL, NULL };
	struct http_response resp = {};
	char *text = NULL;
	int c, ret = 0;

	optind = 0;
	while (!ret && (c = getopt_long(argc, argv, ":h", rotate_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(rotate_help, stdout);
			ret = 1;
		} else if (c == R_PEER) {
			if (!peers)
				peers = cJSON_AddArrayToObject(body, "peers");
			sa[2] = cJSON_CreateObject();
			cJSON_AddStringToObject(sa[2], "mac", optarg);
			sa[1] = cJSON_AddObjectToObject(sa[2], "rx_sa");
			cJSON_AddItemToArray(peers, sa[2]);
		} else if ((c == R_TX_AN || c == R_TX_ID || c == R_TX_FILE) && !sa[0]) {
			sa[0] = cJSON_AddObjectToObject(body, "tx_sa");
			ret = rotate_opt(ctx, sa, c, argv);
		} else if ((c == R_RX_AN || c == R_RX_ID || c == R_RX_FILE || c == R_PORT) && !sa[2]) {
			ret = usage_error(ctx, "--%s comes after the --peer it is for",
					  rotate_opts[c - R_TX_AN].name);
		} else {
			ret = rotate_opt(ctx, sa, c, argv);
		}
	}
	if (!ret)
		ret = no_operands(ctx, argc, argv);
	if (!ret && !sa[0] && !peers)
		ret = usage_error(ctx, "nothing to rotate: give --tx-* options, or --peer with --rx-*");
	if (!ret) {
		text = cJSON_PrintUnformatted(body);
		ret = text ? api_request(ctx, "/api/v1/security/macsec/rotate", NULL, text, &resp)
			   : -ENOMEM;
	}
	if (!ret)
		ret = output(ctx, &resp, render_rotate);
	http_response_free(&resp);
	free(text);
	cJSON_Delete(body);
	return ret > 0 ? 0 : ret;
}

static const struct command macsec_commands[] = {
	{ "rotate", rotate_main, "Install the next MACsec SAs without a gap, retire the old" },
};

static int security_macsec_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos security macsec", macsec_commands,
			sizeof(macsec_commands) / sizeof(macsec_commands[0]), macsec_help,
			argc - 1, argv + 1);
}

static const struct command security_commands[] = {
	{ "status", security_status_main, "Show WireGuard, MACsec and kernel support" },
	{ "wireguard", wireguard_main, "WireGuard keys: genkey, pubkey" },
	{ "macsec", security_macsec_main, "MACsec key rotation: ztos security macsec rotate" },
};

int security_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos security", security_commands,
			sizeof(security_commands) / sizeof(security_commands[0]), group_help,
			argc - 1, argv + 1);
}
