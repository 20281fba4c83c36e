// SPDX-License-Identifier: GPL-2.0-only
/*
 * Putting a config into FRR: vtysh -C checks a file, vtysh -b gives freshly started
 * daemons their file, frr-reload.py turns the running config into a file's by only
 * the difference. When FRR refuses, its own words and the line they concern are what
 * the caller reports.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subsys/frr/frr_impl.h"

#define RELOAD_TIMEOUT_MS 60000	/* a thousand VNI blocks take frr-reload.py a while */

/* frr-reload.py's own log lines: "2026-12-06 19:24:36,312  INFO: ..." */
static bool log_line(const char *s)
{
	return strlen(s) > 24 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
	       s[10] == ' ' && s[13] == ':' && s[19] == ',';
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* The next line of *p into line (trailing blanks cut); false at the end. */
static bool next_line(const char **p, char *line, size_t len)
{
	const char *nl;
	size_t n;

	if (!*p || !**p)
		return false;
	nl = strchr(*p, '\n');
	n = nl ? (size_t)(nl - *p) : strlen(*p);
	snprintf(line, len, "%.*s", (int)n, *p);
	trim(line);
	*p = nl ? nl + 1 : NULL;
	return true;
}

/* "line 2: MESSAGE[13]: CONFIG LINE" (vtysh -C, -f) into its parts. */
static bool vtysh_line(const char *s, char *msg, size_t mlen, char *cfg, size_t clen)
{
	const char *p = s, *bracket, *colon = NULL;

	if (strncmp(p, "line ", 5))
		return false;
	p += 5;
	while (isdigit((unsigned char)*p))
		p++;
	if (strncmp(p, ": ", 2))
		return false;
	p += 2;
	bracket = strchr(p, '[');
	if (bracket) {
		const char *q = bracket + 1;

		while (isdigit((unsigned char)*q))
			q++;
		/* "MSG[4]: LINE" (vtysh), "MSG[13] to bgpd, line: LINE" (frr-reload.py) */
		if (*q == ']' && q[1] == ':')
			colon = q + 2;
		else if (*q == ']' && strstr(q, ", line:"))
			colon = strstr(q, ", line:") + 7;
	}
	if (!colon) {
		snprintf(msg, mlen, "%s", p);
		cfg[0] = '\0';
		return true;
	}
	snprintf(msg, mlen, "%.*s", (int)(bracket - p), p);
	while (*colon == ' ')
		colon++;
	snprintf(cfg, clen, "%s", colon);
	trim(cfg);
	return true;
}

int frr_refusal(const char *out, char *err, size_t len)
{
	char pct[256] = "", msg[256] = "", cfg[256] = "", line[1024];
	const char *p = out;

	while (next_line(&p, line, sizeof(line))) {
		if (log_line(line))
			continue;
		if (line[0] == '%' && !pct[0])
			snprintf(pct, sizeof(pct), "%s", line + (line[1] == ' ' ? 2 : 1));
		else if (!cfg[0])
			vtysh_line(line, msg, sizeof(msg), cfg, sizeof(cfg));
	}
	if (msg[0] == '%')
		memmove(msg, msg + (msg[1] == ' ' ? 2 : 1), strlen(msg));
	trim(msg);
	if (!pct[0] && !msg[0])
		return 0;
	if (cfg[0])
		snprintf(err, len, "FRR refused \"%s\": %s", cfg, pct[0] ? pct : msg);
	else
		snprintf(err, len, "FRR refused the config: %s", pct[0] ? pct : msg);
	return -EIO;
}

/* FRR's words, or the tool's exit when it said nothing of use. */
static int refused(const char *what, int rc, const char *out, char *err, size_t len)
{
	char last[256] = "", line[256];
	const char *p = out;

	if (frr_refusal(out ? out : "", err, len))
		return -EIO;
	/* the last line that is not a log line says most */
	while (next_line(&p, line, sizeof(line)))
		if (*line && !log_line(line))
			snprintf(last, sizeof(last), "%s", line);
	if (rc < 0)
		snprintf(err, len, "%s: %s", what, strerror(-rc));
	else
		snprintf(err, len, "%s exited %d%s%s", what, rc, last[0] ? ": " : "", last);
	return -EIO;
}

/*
 * vtysh -f prints nothing when every line went in, and exits 0 even when a daemon
 * refused one ("This command is only supported under EVPN VRF"): what it says is
 * the refusal.
 */
static int said(const char *out, char *err, size_t len)
{
	char line[256];
	const char *p = out;

	while (next_line(&p, line, sizeof(line)) && !line[0])
		;
	snprintf(err, len, "FRR refused the config: %s", line);
	return -EIO;
}

/*
 * vtysh [-N NAME] [OPT] -f FILE: -C -f checks a file, -f alone gives its commands to
 * the daemons. It says nothing when all went in; a refused line prints "line N: ...".
 */
static int vtysh_file(const struct frr_paths *p, const char *what, const char *opt,
		      const char *file, char *err, size_t len)
{
	char *argv[8];
	char *out = NULL;
	int argc = 0, rc;

	argv[argc++] = "/usr/bin/vtysh";
	if (!p->default_instance) {
		argv[argc++] = "-N";
		argv[argc++] = (char *)p->name;
	}
	if (opt)
		argv[argc++] = (char *)opt;
	argv[argc++] = "-f";
	argv[argc++] = (char *)file;
	argv[argc] = NULL;
	rc = frr_run(argv, RELOAD_TIMEOUT_MS, &out);
	if (rc || (out && frr_refusal(out, err, len)))
		rc = refused(what, rc, out, err, len);
	else if (!opt && out && out[strspn(out, " \n")])
		rc = said(out, err, len);
	free(out);
	return rc;
}

int frr_validate(const struct frr_paths *p, const char *file, char *err, size_t len)
{
	return vtysh_file(p, "vtysh -C", "-C", file, err, len);
}

static int reload_run(const struct frr_paths *p, const char *mode, const char *file, char **out)
{
	char tool[FRR_PATH + 16];
	char *argv[] = { tool, (char *)mode, "-N", (char *)p->name, "--stdout", (char *)file, NULL };
	char *argv_default[] = { tool, (char *)mode, "--stdout", (char *)file, NULL };

	snprintf(tool, sizeof(tool), "%s/frr-reload.py", p->bin_dir);
	return frr_run(p->default_instance ? argv_default : argv, RELOAD_TIMEOUT_MS, out);
}

int frr_reload(const struct frr_paths *p, const char *file, char *err, size_t len)
{
	char *out = NULL;
	int rc = reload_run(p, "--reload", file, &out);

	if (rc)
		rc = refused("frr-reload.py --reload", rc, out, err, len);
	free(out);
	return rc;
}

int frr_parse_reload_test(const char *out, cJSON **del, cJSON **add)
{
	cJSON *cur = NULL;
	char line[1024];
	const char *p = out;

	*del = cJSON_CreateArray();
	*add = cJSON_CreateArray();
	if (!*del || !*add)
		return -ENOMEM;
	while (next_line(&p, line, sizeof(line))) {
		if (!strcmp(line, "Lines To Delete"))
			cur = *del;
		else if (!strcmp(line, "Lines To Add"))
			cur = *add;
		else if (!*line || log_line(line) || strspn(line, "=") == strlen(line))
			continue;
		else if (cur)
			cJSON_AddItemToArray(cur, cJSON_CreateString(line));
	}
	return 0;
}

int frr_reload_test(const struct frr_paths *p, const char *file, cJSON **del, cJSON **add,
		    char *err, size_t len)
{
	char *out = NULL;
	int rc = reload_run(p, "--test", file, &out);

	*del = *add = NULL;
	if (rc)
		rc = refused("frr-reload.py --test", rc, out, err, len);
	else
		rc = frr_parse_reload_test(out, del, add);
	free(out);
	return rc;
}

int frr_apply_file(const struct frr_paths *p, const char *file, char *err, size_t len)
{
	return vtysh_file(p, "vtysh -f", NULL, file, err, len);
}

static bool structural(const char *line)
{
	static const char *const skip[] = { "!", "exit", "exit-address-family", "exit-vni",
					    "exit-vrf", "end", NULL };

	for (size_t i = 0; skip[i]; i++)
		if (!strcmp(line, skip[i]))
			return true;
	return !*line;
}

int frr_text_lines(const char *text, cJSON **lines)
{
	char line[1024];
	const char *q = text;

	*lines = cJSON_CreateArray();
	if (!*lines)
		return -ENOMEM;
	while (next_line(&q, line, sizeof(line))) {
		if (!structural(line + strspn(line, " ")))
			cJSON_AddItemToArray(*lines, cJSON_CreateString(line));
	}
	return 0;
}

int frr_dry_run_lines(const struct frr_paths *p, const char *text, cJSON **del, cJSON **add,
		      char *err, size_t len)
{
	char file[FRR_PATH + 32];
	size_t n = strlen(text);
	int fd, ret;

	*del = *add = NULL;
	/* vtysh -N needs the instance's folders even before FRR first starts. */
	ret = frr_dirs_make(p, err, len);
	if (ret)
		return ret;
	snprintf(file, sizeof(file), "%s/frr-dry-run.conf", p->state_dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		snprintf(err, len, "write %s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	ret = frr_validate(p, file, err, len);
	if (!ret && frr_daemon_find(p, FRR_ZEBRA).pid && frr_daemon_find(p, FRR_BGPD).pid)
		ret = frr_reload_test(p, file, del, add, err, len);
	else if (!ret)
		ret = frr_text_lines(text, add) ?: ((*del = cJSON_CreateArray()) ? 0 : -ENOMEM);
	unlink(file);
	return ret;
}
