// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "kernel/nl.h"
#include "kernel/probe.h"

struct feature {
	const char *name;	/* key in the answer */
	const char *module;	/* the kernel module that provides it */
	const char *genl;	/* its generic netlink family, NULL if it has none */
	const char *config;	/* the kernel option, for the operator's message */
	const char *label;
	const char *fallback;	/* a user-space program that stands in for it, or NULL */
};

static const struct feature features[] = {
	{ "wireguard", "wireguard", "wireguard", "CONFIG_WIREGUARD", "WireGuard", "wireguard-go" },
	{ "macsec", "macsec", "macsec", "CONFIG_MACSEC", "MACsec", NULL },
	{ "vrf", "vrf", NULL, "CONFIG_NET_VRF", "VRF", NULL },
};

/*
 * A generic netlink family lookup also loads the module that provides the family,
 * as the first real use would: a "yes" here is a yes for that use.
 */
static bool genl_family(struct ztnl *nl, const char *family)
{
	return nl && family && ztnl_genl_family(nl, family) >= 0;
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

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (!access(buf, X_OK))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

cJSON *kernel_support(void)
{
	struct ztnl *nl = NULL;
	cJSON *o = cJSON_CreateObject();
	char reason[160];

	if (ztnl_open(NETLINK_GENERIC, &nl))
		nl = NULL;
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		cJSON *e = cJSON_AddObjectToObject(o, f->name);

		if (genl_family(nl, f->genl)) {
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
			if (f->fallback && in_path(f->fallback))
				cJSON_AddStringToObject(e, "fallback", f->fallback);
		}
	}
	ztnl_close(nl);
	return o;
}
