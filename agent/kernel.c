// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kernel.h"

struct feature {
	const char *name;	/* key in the answer */
	const char *module;	/* the kernel module that provides it */
	const char *genl;	/* its generic netlink family, NULL if it has none */
	const char *config;	/* the kernel option, for the operator's message */
	const char *label;
};

static const struct feature features[] = {
	{ "wireguard", "wireguard", "wireguard", "CONFIG_WIREGUARD", "WireGuard" },
	{ "macsec", "macsec", "macsec", "CONFIG_MACSEC", "MACsec" },
	{ "vrf", "vrf", NULL, "CONFIG_NET_VRF", "VRF" },
};

/*
 * A generic netlink family lookup also loads the module that provides the family,
 * as the first real use would: a "yes" here is a yes for that use.
 */
static bool genl_family(struct nl_sock *sk, const char *family)
{
	return sk && family && genl_ctrl_resolve(sk, family) >= 0;
}

/* Loaded, built in, or on disk for this kernel (modprobe would find it). */
static bool module_available(const char *module)
{
	char path[256], line[512], want[64];
	struct utsname u;
	struct stat st;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (!stat(path, &st))
		return true;
	if (uname(&u))
		return false;
	snprintf(want, sizeof(want), "/%s.ko", module);
	for (int i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", u.release,
			 i ? "modules.builtin" : "modules.dep");
		f = fopen(path, "re");
		while (f && !found && fgets(line, sizeof(line), f)) {
			char *end = strchr(line, ':');

			if (end)
				*end = '\0';
			line[strcspn(line, "\n")] = '\0';
			/* "kernel/drivers/net/vrf.ko.xz" and the like */
			char *base = strrchr(line, '/');

			found = base && !strncmp(base, want, strlen(want));
		}
		if (f)
			fclose(f);
	}
	return found;
}

cJSON *kernel_support(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	cJSON *o = cJSON_CreateObject();
	char reason[160];

	if (sk && genl_connect(sk)) {
		nl_socket_free(sk);
		sk = NULL;
	}
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		cJSON *e = cJSON_AddObjectToObject(o, f->name);

		if (genl_family(sk, f->genl)) {
			cJSON_AddBoolToObject(e, "supported", true);
			cJSON_AddStringToObject(e, "how", "generic netlink family present");
		} else if (module_available(f->module)) {
			cJSON_AddBoolToObject(e, "supported", true);
			cJSON_AddStringToObject(e, "how", "kernel module available");
		} else {
			snprintf(reason, sizeof(reason), "kernel has no %s support (%s)", f->label,
				 f->config);
			cJSON_AddBoolToObject(e, "supported", false);
			cJSON_AddStringToObject(e, "reason", reason);
		}
	}
	nl_socket_free(sk);
	return o;
}
