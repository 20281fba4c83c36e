// SPDX-License-Identifier: GPL-2.0-only
/* GET /api/v1/security/status: WireGuard and MACsec, as configured and as seen. Never keys. */
#include <arpa/inet.h>
#include <stdio.h>

#include "internal.h"
#include "netlink/wireguard.h"

static void add_hex(cJSON *o, const char *name, const uint8_t *b, size_t n)
{
	char out[2 * ZTOS_MACSEC_KEYID_MAX + 1] = "";

	for (size_t i = 0; i < n && i < ZTOS_MACSEC_KEYID_MAX; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	cJSON_AddStringToObject(o, name, out);
}

static cJSON *cidrs(const struct ztos_cidr *v, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 4];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_cidr_str(&v[i], buf, sizeof(buf))));
	return arr;
}

static cJSON *wireguard(const struct ztos_config *c)
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
	wg_status(c, o);	/* state, implementation, handshakes, bytes: from the device */
	return o;
}

static cJSON *sa_json(const struct ztos_macsec_sa *sa)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "an", sa->an);
	add_hex(o, "key_id", sa->key_id, sa->key_id_len);
	return o;
}

static cJSON *macsec(const struct ztos_config *c)
{
	const struct ztos_macsec *m = &c->macsec;
	cJSON *o = cJSON_CreateObject(), *peers;
	char mac[18];

	cJSON_AddBoolToObject(o, "configured", c->has_macsec);
	if (!c->has_macsec)
		return o;
	cJSON_AddStringToObject(o, "interface", m->interface);
	cJSON_AddStringToObject(o, "parent", m->parent);
	cJSON_AddStringToObject(o, "cipher", m->cipher == ZTOS_GCM_AES_256 ? "gcm-aes-256"
									 : "gcm-aes-128");
	cJSON_AddBoolToObject(o, "encrypt", m->encrypt);
	cJSON_AddNumberToObject(o, "replay_window", m->replay_window);
	cJSON_AddStringToObject(o, "state", "not loaded");
	cJSON_AddStringToObject(o, "reason", not_built_reason);
	cJSON_AddItemToObject(o, "tx_sa", sa_json(&m->tx_sa));
	peers = cJSON_AddArrayToObject(o, "peers");
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct ztos_macsec_peer *p = &m->peers[i];
		cJSON *po = cJSON_CreateObject();

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
			 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
		cJSON_AddStringToObject(po, "mac", mac);
		cJSON_AddNumberToObject(po, "port", p->port);
		cJSON_AddItemToObject(po, "rx_sa", sa_json(&p->rx_sa));
		cJSON_AddItemToArray(peers, po);
	}
	return o;
}

void api_security(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	cJSON *o = cJSON_CreateObject();

	pthread_rwlock_rdlock(&a->lock);
	cJSON_AddItemToObject(o, "wireguard", wireguard(a->cfg));
	cJSON_AddItemToObject(o, "macsec", macsec(a->cfg));
	pthread_rwlock_unlock(&a->lock);
	cJSON_AddItemToObject(o, "kernel_support", cJSON_Duplicate(a->kernel, true));
	resp->json = o;
}
