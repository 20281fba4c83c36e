// SPDX-License-Identifier: GPL-2.0-only
/*
 * GET /api/v1/security/status: WireGuard and MACsec, as configured and as seen. Never keys.
 * POST /api/v1/security/macsec/rotate: the next MACsec SAs, without a gap in traffic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "subsys/macsec.h"
#include "subsys/wireguard.h"

static cJSON *cidrs(const struct ztos_cidr *v, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 4];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_cidr_str(&v[i], buf, sizeof(buf))));
	return arr;
}

static cJSON *wireguard(struct agent *a, const struct ztos_config *c)
{
	const struct ztos_wireguard *wg = &c->wireguard;
	char buf[INET6_ADDRSTRLEN + 8], ep[ZTOS_HOST_MAX + 16], key[45];
	cJSON *o = cJSON_CreateObject(), *peers;

	cJSON_AddBoolToObject(o, "configured", c->has_wireguard);
	if (!c->has_wireguard)
		return o;
	cJSON_AddStringToObject(o, "interface", wg->interface);
	cJSON_AddNumberToObject(o, "listen_port", wg->listen_port);
	if (wg->has_address)
		cJSON_AddStringToObject(o, "address", ztos_cidr_str(&wg->address, buf, sizeof(buf)));
	peers = cJSON_AddArrayToObject(o, "peers");
	for (size_t i = 0; i < wg->n_peers; i++) {
		const struct ztos_wg_peer *p = &wg->peers[i];
		cJSON *po = cJSON_CreateObject();

		cJSON_AddStringToObject(po, "name", p->name);
		cJSON_AddStringToObject(po, "public_key", ztos_key_str(p->public_key, key, sizeof(key)));
		if (p->has_endpoint && p->endpoint_host[0]) {
			snprintf(ep, sizeof(ep), "%s:%u", p->endpoint_host, p->endpoint.port);
			cJSON_AddStringToObject(po, "endpoint", ep);
		} else if (p->has_endpoint) {
			ztos_addr_str(&p->endpoint.addr, buf, sizeof(buf));
			snprintf(ep, sizeof(ep), p->endpoint.addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
				 buf, p->endpoint.port);
			cJSON_AddStringToObject(po, "endpoint", ep);
		}
		cJSON_AddItemToObject(po, "allowed_ips", cidrs(p->allowed_ips, p->n_allowed_ips));
		cJSON_AddNumberToObject(po, "persistent_keepalive", p->persistent_keepalive);
		cJSON_AddItemToArray(peers, po);
	}
	/* state, implementation, handshakes, bytes: from the device */
	agent_wireguard(a, o);
	return o;
}

/*
 * After a rotation over the API the running SAs may no longer be the file's: a reload
 * or a restart would go back to the file's. Say so until the file matches.
 */
static void persisted(struct agent *a, const struct ztos_config *running, cJSON *o)
{
	struct cfg_errors errs = { 0 };
	struct ztos_config *file = NULL;
	struct cfg_node *tree = NULL;
	bool same;

	if (!agent_macsec_rotated(a))
		return;
	same = !cfg_load_file(a->config_path, &tree, &file, &errs) && file->has_macsec &&
	       cfg_macsec_sas_equal(file, running);
	cJSON_AddBoolToObject(o, "persisted", same);
	if (!same)
		cJSON_AddStringToObject(o, "persisted_note",
					"the SAs in force come from a rotation over the API and are not "
					"those of the config file: write them into it before the next "
					"reload or restart, which would go back to the file's");
	cfg_errors_free(&errs);
	cfg_node_free(tree);
	cfg_free(file);
}

void api_security(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	cJSON *o = cJSON_CreateObject(), *ms;

	struct agent_snapshot *snap = agent_snapshot(a);

	cJSON_AddItemToObject(o, "wireguard", wireguard(a, snap->cfg));
	ms = agent_macsec(a);
	persisted(a, snap->cfg, ms);
	agent_snapshot_put(snap);
	cJSON_AddItemToObject(o, "macsec", ms);
	cJSON_AddItemToObject(o, "kernel_support", agent_kernel_support(a));
	resp->json = o;
}

/* ---- POST /api/v1/security/macsec/rotate ---- */

static const char rotate_doc[] =
	"a rotation is {\"tx_sa\": {\"an\", \"key_id\", \"key_file\"}, \"peers\": [{\"mac\", "
	"\"port\", \"rx_sa\": {\"an\", \"key_id\", \"key_file\"}}]} with either or both";

/* An SA of the request: an object with an in 0..3 that differs from the one in use. */
static int check_sa(struct api_response *resp, const cJSON *sa, const char *where,
		    unsigned int in_use)
{
	const cJSON *an = cJSON_GetObjectItemCaseSensitive(sa, "an");

	if (!cJSON_IsObject(sa) || !cJSON_IsNumber(an) || an->valuedouble < 0 ||
	    an->valuedouble > 3 || an->valuedouble != (int)an->valuedouble) {
		api_error(resp, 400, "bad_request", "%s: needs an object with \"an\" 0..3; %s", where,
			  rotate_doc);
		return -EINVAL;
	}
	if ((unsigned int)an->valueint == in_use) {
		api_error(resp, 422, "invalid_config",
			  "%s: an %u is the SA in use; a rotation installs the next one beside it "
			  "(an %u), so that traffic never stops", where, in_use, (in_use + 1) % 4);
		return -EINVAL;
	}
	return 0;
}

static const struct ztos_macsec_peer *find_peer(const struct ztos_macsec *m, const char *mac)
{
	char buf[18];

	for (size_t i = 0; mac && i < m->n_peers; i++) {
		const uint8_t *p = m->peers[i].mac;

		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3],
			 p[4], p[5]);
		if (!strcasecmp(buf, mac))
			return &m->peers[i];
	}
	return NULL;
}

/* Only the keys a rotation has (the rest of the macsec: section is not its business). */
static int only_keys(struct api_response *resp, const cJSON *o, const char *where,
		     const char *const *keys)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, o) {
		const char *const *ok = keys;

		while (*ok && strcmp(*ok, k->string))
			ok++;
		if (!*ok) {
			api_error(resp, 400, "bad_request", "%s%s%s: not part of a rotation; %s",
				  where, *where ? "." : "", k->string, rotate_doc);
			return -EINVAL;
		}
	}
	return 0;
}

/* The request checked against the config in force (and the kernel): 0, or resp filled. */
static int check_rotation(struct agent *a, const struct ztos_config *cfg, const cJSON *req,
			  struct api_response *resp)
{
	static const char *const top[] = { "tx_sa", "peers", NULL };
	static const char *const peer[] = { "mac", "port", "rx_sa", NULL };
	const cJSON *tx = cJSON_GetObjectItemCaseSensitive(req, "tx_sa");
	const cJSON *peers = cJSON_GetObjectItemCaseSensitive(req, "peers"), *p;
	const struct ztos_macsec *m = &cfg->macsec;
	cJSON *kernel = agent_kernel_support(a);
	bool supported = !cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(kernel, "macsec"),
							    "supported"));
	char where[64];
	int i = 0;

	cJSON_Delete(kernel);
	if (!cfg->has_macsec) {
		api_error(resp, 409, "conflict", "macsec is not configured: nothing to rotate");
		return -EINVAL;
	}
	if (!supported) {
		api_error(resp, 409, "conflict",
			  "kernel has no MACsec support (CONFIG_MACSEC): there are no SAs to rotate");
		return -EINVAL;
	}
	if ((!tx && !peers) || (peers && !cJSON_IsArray(peers))) {
		api_error(resp, 400, "bad_request", "%s", rotate_doc);
		return -EINVAL;
	}
	if (only_keys(resp, req, "", top) || (tx && check_sa(resp, tx, "tx_sa", m->tx_sa.an)))
		return -EINVAL;
	cJSON_ArrayForEach(p, peers) {
		const cJSON *mac = cJSON_GetObjectItemCaseSensitive(p, "mac");
		const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");
		const struct ztos_macsec_peer *cp = find_peer(m, cJSON_GetStringValue(mac));

		snprintf(where, sizeof(where), "peers[%d]", i++);
		if (only_keys(resp, p, where, peer))
			return -EINVAL;
		if (!cp) {
			api_error(resp, 422, "invalid_config",
				  "%s: %s is not a configured macsec peer; add peers with POST "
				  "/api/v1/network/configure", where,
				  cJSON_IsString(mac) ? mac->valuestring : "(no \"mac\")");
			return -EINVAL;
		}
		if (port && (!cJSON_IsNumber(port) || port->valueint != cp->port)) {
			api_error(resp, 422, "invalid_config",
				  "%s: port does not match the peer's configured port %u", where,
				  cp->port);
			return -EINVAL;
		}
		snprintf(where, sizeof(where), "peers[%d].rx_sa", i - 1);
		if (check_sa(resp, cJSON_GetObjectItemCaseSensitive(p, "rx_sa"), where, cp->rx_sa.an))
			return -EINVAL;
	}
	return 0;
}

static void rotate_refused(struct api_response *resp, const struct cfg_errors *errs, int err)
{
	cJSON *details = cfg_errors_json(errs);

	if (err == -EBUSY)
		api_error(resp, 409, "conflict", "another configuration change is being applied; retry");
	else if (err == -EIO)
		api_error(resp, 422, "apply_failed", "the kernel refused the rotation: %s; nothing "
			  "was changed", errs->n ? errs->v[0].message : "?");
	else if (err == -EINVAL)
		api_error(resp, 422, "invalid_config", "%s: %s; nothing was changed",
			  errs->n ? errs->v[0].where : "?", errs->n ? errs->v[0].message : "?");
	else
		api_error(resp, 500, "internal", "the rotation failed: %s", strerror(-err));
	cJSON_AddItemToObject(cJSON_GetObjectItem(resp->json, "error"), "details", details);
}

void api_macsec_rotate(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct cfg_errors errs = { 0 };
	struct cfg_node *rotation = NULL;
	struct agent_snapshot *snap;
	cJSON *body = NULL, *changes = NULL;
	int err;

	/*
	 * The body as config first, as configure reads it (cJSON alone cuts a string at
	 * \u0000): what is merged is this, with its errors located as any configure's are.
	 */
	err = cfg_parse_json(req->body, req->body_len, &rotation, &errs);
	if (err) {
		api_error(resp, 400, "bad_request", "the body is not a valid JSON object: %s: %s",
			  errs.n ? errs.v[0].where : "?", errs.n ? errs.v[0].message : strerror(-err));
		goto out;
	}
	body = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(body)) {
		api_error(resp, 400, "bad_request", "the body is not a JSON object; %s", rotate_doc);
		goto out;
	}
	snap = agent_snapshot(a);
	err = check_rotation(a, snap->cfg, body, resp);
	agent_snapshot_put(snap);
	if (err)
		goto out;
	err = agent_rotate_macsec(a, rotation, &changes, &errs);
	if (err) {
		rotate_refused(resp, &errs, err);
		goto out;
	}
	resp->json = cJSON_CreateObject();
	cJSON_AddBoolToObject(resp->json, "rotated", true);
	cJSON_AddNumberToObject(resp->json, "generation", (double)agent_generation(a));
	cJSON_AddItemToObject(resp->json, "changes", changes);
	changes = NULL;
	cJSON_AddNumberToObject(resp->json, "retire_grace_ms", MACSEC_RETIRE_GRACE_MS);
	cJSON_AddNumberToObject(resp->json, "retire_max_s", MACSEC_RETIRE_MAX_S);
	cJSON_AddBoolToObject(resp->json, "persisted", false);
	cJSON_AddStringToObject(resp->json, "note",
				"the new SAs are the agent's desired state until the next reload or "
				"restart, which read the config file: write them there");
out:
	cJSON_Delete(changes);
	cJSON_Delete(body);
	cfg_node_free(rotation);
	cfg_errors_free(&errs);
}
