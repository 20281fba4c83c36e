// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CLI's settings file: where the agent is when neither the command line nor the
 * environment says, so that `ztos flows` reaches an agent on another address (the demo's,
 * one behind a TLS port) without options. "key = value" lines, "#" comments:
 *
 *   api = http://127.0.0.1:8480       or  socket = /run/ztos/api.sock
 *   token = 64 hex digits             or  token_file = /etc/ztos/token
 *   cacert = /etc/ztos/ca.pem
 *
 * The token of the file goes only to the agent the file names: an --api, --socket or
 * ZTOS_API given elsewhere makes ztos ignore the whole file.
 */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ztos.h"

static const char *const keys[] = { "api", "socket", "token", "token_file", "cacert" };

/* $ZTOS_CLI_CONFIG (empty: none), else $XDG_CONFIG_HOME/ztos/cli.conf, else ~/.config/… */
static int settings_path(struct strbuf *sb)
{
	const char *env = getenv("ZTOS_CLI_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (env) {
		if (!*env)
			return -ENOENT;
		sb_printf(sb, "%s", env);
	} else if (xdg && *xdg == '/') {
		sb_printf(sb, "%s/ztos/cli.conf", xdg);
	} else if (home && *home == '/') {
		sb_printf(sb, "%s/.config/ztos/cli.conf", home);
	} else {
		return -ENOENT;
	}
	return sb->err;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	return s;
}

static int __printf(4, 5) settings_error(const struct ztos_ctx *ctx, const char *path,
					 unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%u: ", ctx->cmd, path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EBADMSG;
}

/* One "key = value" line into vals (indexed as keys[]). */
static int settings_line(const struct ztos_ctx *ctx, const char *path, unsigned int n,
			 char *line, char **vals)
{
	char *eq, *key, *val;
	size_t i;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return settings_error(ctx, path, n, "'%s' is not 'key = value'", line);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return settings_error(ctx, path, n,
				      "unknown key '%s' (api, socket, token, token_file, cacert)",
				      key);
	if (!*val)
		return settings_error(ctx, path, n, "'%s' has no value", key);
	free(vals[i]);
	vals[i] = strdup(val);
	return vals[i] ? 0 : -ENOMEM;
}

/* A file that holds a token is its owner's alone, as the agent's token file is. */
static int check_private(const struct ztos_ctx *ctx, const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		fprintf(stderr, "%s: %s holds a token and is not yours alone: chmod 600 %s "
			"(and own it)\n", ctx->cmd, path, path);
		return -EPERM;
	}
	return 0;
}

static int settings_read(struct ztos_ctx *ctx, const char *path, char **vals)
{
	unsigned int n = 0;
	char *line = NULL;
	size_t cap = 0;
	int fd, ret = 0;
	FILE *f;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -ENOENT;
		ret = -errno;
		fprintf(stderr, "%s: cannot read %s: %s\n", ctx->cmd, path, strerror(-ret));
		return ret;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!ret && getline(&line, &cap, f) >= 0)
		ret = settings_line(ctx, path, ++n, line, vals);
	if (!ret && vals[2])
		ret = check_private(ctx, path, fileno(f));
	free(line);
	fclose(f);
	return ret;
}

int settings_load(struct ztos_ctx *ctx)
{
	char *vals[sizeof(keys) / sizeof(keys[0])] = {};
	struct strbuf path = {};
	int ret;

	ret = settings_path(&path);
	if (!ret)
		ret = settings_read(ctx, sb_str(&path), vals);
	if (!ret && vals[0] && vals[1]) {
		fprintf(stderr, "%s: %s: give api or socket, not both\n", ctx->cmd, sb_str(&path));
		ret = -EBADMSG;
	}
	if (ret) {
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
			free(vals[i]);
		sb_free(&path);
		return ret == -ENOENT ? 0 : ret;
	}
	/* Kept for the process's lifetime: main() ends after the one command. */
	ctx->api = vals[0];
	ctx->socket = vals[1];
	if (vals[0] || vals[1]) {
		ctx->settings_token = vals[2];
		ctx->settings_token_file = vals[3];
	}
	if (!ctx->cacert)
		ctx->cacert = vals[4];
	ctx->settings = path.s;
	return 0;
}
