// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the API's request handling: the real server (agent/api/: framing
 * checks, authentication, routing, query values, bodies, the handlers, the dashboard's
 * files) in this process, on loopback TCP and on a unix socket, with an agent that has
 * its config and no subsystems (so nothing reaches the kernel: a configure changes the
 * desired state only). An input is what a client writes on one connection: its first
 * byte picks the listener, the rest is sent as it is, with "TOKEN" standing for the
 * agent's token. Oracles: the agent answers every connection with HTTP/1.1 status lines
 * only (or closes it), never 500, and is still there for the next.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

#include "agent.h"
#include "api/api.h"
#include "report/eventlog.h"
#include "report/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agent agent = {
	.lock = PTHREAD_RWLOCK_INITIALIZER,
	.configure_lock = PTHREAD_MUTEX_INITIALIZER,
};
static char dir[] = "/tmp/ztos-fuzz-http.XXXXXX", sock_path[128], token[65];
static int port;

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		p = ntohs(sa.sin_port);
	close(fd);
	return p;
}

static void setup_or_die(void)
{
	struct eventlog_opts eo = { 0 };
	struct cfg_errors errs = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	char path[256];
	FILE *f;

	if (!mkdtemp(dir) || (port = free_port()) < 0)
		__builtin_trap();
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", dir);
	snprintf(path, sizeof(path), "%s/ztos.yaml", dir);
	f = fopen(path, "w");
	if (!f)
		__builtin_trap();
	fprintf(f, "version: 1\nagent:\n  api: {listen: \"127.0.0.1:%d\", socket: %s, token_file: "
		"%s/token}\n  state_dir: %s/state\n  bpffs: /sys/fs/bpf/ztos-fuzz-http\n  log: "
		"{file: %s/events.json, syslog: false, max_size: 1M, keep: 1}\n", port,
		sock_path, dir, dir, dir);
	fclose(f);
	agent.config_path = strdup(path);
	agent.config_dir = strdup(dir);
	if (cfg_load_file(path, &tree, &cfg, &errs)) {
		cfg_errors_print(stderr, &errs);
		__builtin_trap();
	}
	agent_set_config(&agent, cfg, tree);
	agent.started_us = eventlog_now_us();
	eo.file = agent.cfg->log.file;
	eo.max_bytes = agent.cfg->log.max_bytes;
	eo.keep = agent.cfg->log.keep;
	if (eventlog_open(&eo) || api_start(&agent, &agent.api)) {
		fprintf(stderr, "fuzz_http: the agent's event log or API did not start\n");
		__builtin_trap();
	}
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "r");
	if (!f || !fgets(token, sizeof(token), f))
		__builtin_trap();
	fclose(f);
}

static void remove_dir(void)
{
	char cmd[128];

	api_stop(agent.api);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "fuzz_http: cannot remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LEVEL_WARN);
	setup_or_die();
	atexit(remove_dir);
	return 0;
}

static int connect_to(bool tcp)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", sock_path);
	if (fd < 0 || (tcp ? connect(fd, (struct sockaddr *)&in, sizeof(in))
			   : connect(fd, (struct sockaddr *)&un, sizeof(un)))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The request with every "TOKEN" replaced by the agent's token. */
static char *with_token(const uint8_t *data, size_t size, size_t *out_len)
{
	char *out = malloc(size * 13 + 1);	/* 5 bytes become 64 at most */
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		if (size - i >= 5 && !memcmp(data + i, "TOKEN", 5)) {
			memcpy(out + n, token, 64);
			n += 64;
			i += 4;
			continue;
		}
		out[n++] = (char)data[i];
	}
	*out_len = n;
	return out;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;	/* the agent closed: what it answered is what counts */
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * The answer, until the agent closes (it does once the request has ended) or goes quiet
 * (an event stream never ends): 2 s for the first byte, 100 ms between later ones.
 */
static size_t read_answer(int fd, char *buf, size_t max)
{
	size_t n = 0;

	while (n < max) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t got;

		if (poll(&p, 1, n ? 100 : 2000) <= 0)
			break;
		got = recv(fd, buf + n, max - n, 0);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	return n;
}

/* The answer is status lines of HTTP/1.x and what follows them, never a 500. */
static void check_answer(const char *buf, size_t len)
{
	const char *p = buf;

	if (!len)
		return;	/* closed without a word: allowed for what is no request at all */
	if (strncmp(buf, "HTTP/1.", 7))
		__builtin_trap();
	while (p) {
		if (strlen(p) >= 12 && !strncmp(p + 9, "500", 3))
			__builtin_trap();
		p = strstr(p + 1, "\r\nHTTP/1.");
		if (p)
			p += 2;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[1 << 16];
	size_t len, n;
	char *req;
	int fd;

	if (size < 1)
		return 0;
	req = with_token(data + 1, size - 1, &len);
	fd = req ? connect_to(!(data[0] & 1)) : -1;
	if (fd < 0) {
		free(req);
		__builtin_trap();	/* the agent no longer takes connections */
	}
	send_all(fd, req, len);
	/*
	 * The end of the request a moment later: libmicrohttpd (epoll, edge-triggered) that
	 * reads the last bytes and the FIN in one wakeup waits for more until its timeout.
	 */
	poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 1);
	shutdown(fd, SHUT_WR);
	n = read_answer(fd, answer, sizeof(answer) - 1);
	check_answer(answer, n);
	close(fd);
	free(req);
	return 0;
}
