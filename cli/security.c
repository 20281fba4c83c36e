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

static const struct command security_commands[] = {
	{ "status", security_status_main, "Show WireGuard, MACsec and kernel support" },
	{ "wireguard", wireguard_main, "WireGuard keys: genkey, pubkey" },
};

int security_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos security", security_commands,
			sizeof(security_commands) / sizeof(security_commands[0]), group_help,
			argc - 1, argv + 1);
}
