// SPDX-License-Identifier: GPL-2.0-only
/*
 * GET / and the dashboard's other files. They are public: a browser cannot send the
 * bearer token with a navigation, and the files hold nothing but what the repository
 * does (web/dist). Everything the page shows comes from /api/v1/, which needs the token
 * as before. Public means: GET and HEAD of paths outside /api and /metrics; pages
 * (/flows, /alerts, ...) are index.html, the app routes them.
 */
#include <string.h>

#include "api/web.h"
#include "internal.h"

/* The page may only run its own script and talk to its own origin. */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
			  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";


/* The app's pages (web/src/router.js): each answers index.html, the app draws it. */
static bool is_page(const char *url)
{
	static const char *const pages[] = { "/network", "/security", "/flows", "/alerts",
					     "/topology", NULL };

	for (const char *const *p = pages; *p; p++)
		if (!strcmp(url, *p))
			return true;
	return false;
}

static const struct web_asset *lookup(const char *url)
{
	if (!strcmp(url, "/") || is_page(url))
		url = "/index.html";
	for (const struct web_asset *w = web_assets; w->path; w++)
		if (!strcmp(w->path, url))
			return w;
	return NULL;
}

/*
 * Only the dashboard's own files and page URLs are public: any other path takes the
 * token check like the API, so an unknown path tells a client without the token nothing
 * and costs the agent no more than any refused request.
 */
bool api_web_path(const char *url)
{
	return lookup(url) != NULL;
}

static bool accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return ae && strstr(ae, "gzip");
}

static void headers(struct MHD_Response *r, const struct web_asset *w)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				w->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, w->etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

void api_web(struct api_request *req, struct api_response *resp)
{
	const struct web_asset *w = lookup(req->path);
	const char *inm;
	bool gz;

	if (!w) {
		api_error(resp, 404, "not_found",
			  "no page or file %.400s in the dashboard; the API is under /api/v1/",
			  req->path);
		return;
	}
	inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
					  MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && !strcmp(inm, w->etag)) {
		resp->raw = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		resp->status = MHD_HTTP_NOT_MODIFIED;
	} else {
		gz = w->gz && accepts_gzip(req->conn);
		resp->raw = MHD_create_response_from_buffer(gz ? w->gz_len : w->len,
							    (void *)(gz ? w->gz : w->data),
							    MHD_RESPMEM_PERSISTENT);
		if (resp->raw && gz)
			MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_ENCODING,
						"gzip");
		resp->status = MHD_HTTP_OK;
	}
	if (!resp->raw) {
		api_error(resp, 500, "internal", "out of memory");
		return;
	}
	MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, w->content_type);
	headers(resp->raw, w);
}
