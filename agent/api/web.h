/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dashboard's files (web/dist), built into ztosd: scripts/embed-web.py writes the
 * table at build time, web.c serves it at `/`. Built in, not read from disk: the files
 * always match this binary's API, and no request ever reaches the file system.
 */
#ifndef ZTOS_API_WEB_H
#define ZTOS_API_WEB_H

#include <stdbool.h>
#include <stddef.h>

struct web_asset {
	const char *path;		/* "/index.html", "/assets/app-HASH.js" */
	const char *content_type;
	bool immutable;			/* the name carries a content hash */
	const char *etag;
	const unsigned char *data;
	size_t len;
	const unsigned char *gz;	/* gzip -9 of data, or NULL when not smaller */
	size_t gz_len;
};

/* Ends with an entry whose path is NULL. */
extern const struct web_asset web_assets[];

/* Whether a URL is the dashboard's (public) rather than the API's (token). */
bool api_web_path(const char *url);

#endif
