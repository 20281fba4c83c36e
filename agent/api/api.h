/* SPDX-License-Identifier: GPL-2.0-only */
/* The REST API (v1): libmicrohttpd on TCP (bearer token, optional TLS) and a unix socket. */
#ifndef ZTOS_API_H
#define ZTOS_API_H

#include <stdio.h>

struct agent;
struct api;

int api_start(struct agent *a, struct api **out);
void api_stop(struct api *api);
/* "METHOD PATH" lines: what the server routes (the tests compare it with openapi.yaml). */
void api_list_routes(FILE *f);

#endif
