// SPDX-License-Identifier: GPL-2.0-only
/*
 * WireGuard in user space, where the kernel has none: wireguard-go, started the way
 * wg-quick starts it and configured over its UAPI socket /var/run/wireguard/IFNAME.sock
 * with the cross-platform text protocol ("get=1" / "set=1", key=value lines, an empty
 * line to end, "errno=N" in answer). The socket path is the same in every network
 * namespace, so a socket served from another namespace is refused, never used.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <sodium.h>

#include "kernel/wg.h"

#define IO_TIMEOUT_S 30	/* a wireguard-go just started answers once its runtime is up */

void wg_uapi_path(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, WG_UAPI_DIR "/%s.sock", ifname);
}

static int uapi_connect(const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd, err;

	wg_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = errno == ECONNREFUSED ? -ENOENT : -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The inode of the socket listening on path, from this network namespace's own table
 * (/proc/net/unix lists only the sockets of the reader's namespace): 0 when none here,
 * which for a socket that answers means it is served from another namespace.
 */
static unsigned long listener_inode(const char *path)
{
	char line[512], sock[256];
	unsigned long ino, found = 0;
	unsigned int st;
	FILE *f = fopen("/proc/net/unix", "re");

	while (f && !found && fgets(line, sizeof(line), f)) {
		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %*s %x %lu %255s", &st, &ino, sock) == 3 &&
		    st == 1 && !strcmp(sock, path))
			found = ino;
	}
	if (f)
		fclose(f);
	return found;
}

/* The process holding socket inode ino: wireguard-go's daemon (not its parent, which
 * made the socket and exited, and whose pid SO_PEERCRED would give). 0: none. */
static pid_t inode_owner(unsigned long ino)
{
	char want[64], path[600], link[64];
	struct dirent *p, *fdent;
	pid_t pid = 0;
	DIR *proc = opendir("/proc"), *fds;

	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	while (proc && !pid && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && !pid && (fdent = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, fdent->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				if (!strcmp(link, want))
					pid = (pid_t)atoi(p->d_name);
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return pid;
}

static int open_checked(const char *ifname, struct ztos_err *e)
{
	char path[108];
	int fd;

	fd = uapi_connect(ifname);
	if (fd == -ENOENT)
		return -ENODEV;
	wg_uapi_path(ifname, path, sizeof(path));
	if (fd < 0)
		return ztos_errmsg(e, fd, "wireguard %s: connect to %s: %s", ifname, path, strerror(-fd));
	if (!listener_inode(path)) {
		close(fd);
		return ztos_errmsg(e, -EXDEV,
			       "wireguard %s: %s is served by a wireguard-go of another network namespace; UAPI socket names are global, so give this host another wireguard.interface",
			       ifname, path);
	}
	return fd;
}

int wg_uapi_pid(const char *ifname)
{
	char path[108];
	unsigned long ino;
	pid_t pid;
	int fd = uapi_connect(ifname);

	if (fd < 0)
		return fd;
	close(fd);
	wg_uapi_path(ifname, path, sizeof(path));
	ino = listener_inode(path);
	if (!ino)
		return -EXDEV;
	pid = inode_owner(ino);
	return pid ? (int)pid : -ESRCH;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send a request, read the answer to its empty line into *out (malloc'd, NUL ended). */
static int exchange(int fd, const char *req, size_t len, char **out)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int err;

	if (!buf)
		return -ENOMEM;
	err = write_all(fd, req, len);
	while (!err) {
		ssize_t r;

		if (cap - n < 1024) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : -EPIPE;
			break;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if ((n == 1 && buf[0] == '\n') || (n >= 2 && !strcmp(buf + n - 2, "\n\n")))
			break;
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

static int hex_key(const char *s, uint8_t key[WG_KEY_LEN])
{
	if (strlen(s) != 2 * WG_KEY_LEN)
		return -EINVAL;
	for (int i = 0; i < WG_KEY_LEN; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		key[i] = (uint8_t)b;
	}
	return 0;
}

static int parse_endpoint(const char *s, struct ztos_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t len;

	if (!colon)
		return -EINVAL;
	len = (size_t)(colon - s);
	if (s[0] == '[' && len >= 2 && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	ep->port = (uint16_t)atoi(colon + 1);
	if (inet_pton(AF_INET, host, &ep->addr.v4) == 1)
		ep->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, host, &ep->addr.v6) == 1)
		ep->addr.family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int parse_cidr(const char *s, struct ztos_cidr *c)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (!slash || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	c->prefixlen = (uint8_t)atoi(slash + 1);
	if (inet_pton(AF_INET, addr, &c->addr.v4) == 1)
		c->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &c->addr.v6) == 1)
		c->addr.family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* One "key=value" line of a get answer into d; 1 at "errno=". */
static int parse_line(char *line, struct wg_dev *d, int *uapi_errno)
{
	char *v = strchr(line, '=');
	struct wg_peer *p = d->n_peers ? &d->peers[d->n_peers - 1] : NULL;
	struct ztos_cidr c;

	if (!v)
		return -EBADMSG;
	*v++ = '\0';
	if (!strcmp(line, "errno")) {
		*uapi_errno = atoi(v);
		return 1;
	}
	if (!strcmp(line, "private_key")) {
		d->has_private_key = !hex_key(v, d->private_key);
		explicit_bzero(v, strlen(v));
	} else if (!strcmp(line, "listen_port")) {
		d->port = (uint16_t)atoi(v);
	} else if (!strcmp(line, "public_key")) {
		p = wg_dev_add_peer(d);
		if (!p)
			return -ENOMEM;
		return hex_key(v, p->key) ? -EBADMSG : 0;
	} else if (!p) {
		return 0;	/* a device key we do not use (fwmark) */
	} else if (!strcmp(line, "endpoint")) {
		p->has_endpoint = !parse_endpoint(v, &p->endpoint);
	} else if (!strcmp(line, "last_handshake_time_sec")) {
		p->handshake_sec = strtoll(v, NULL, 10);
	} else if (!strcmp(line, "rx_bytes")) {
		p->rx_bytes = strtoull(v, NULL, 10);
	} else if (!strcmp(line, "tx_bytes")) {
		p->tx_bytes = strtoull(v, NULL, 10);
	} else if (!strcmp(line, "persistent_keepalive_interval")) {
		p->keepalive = (uint16_t)atoi(v);
	} else if (!strcmp(line, "allowed_ip")) {
		if (parse_cidr(v, &c))
			return -EBADMSG;
		return wg_peer_add_ip(p, &c);
	}
	return 0;
}

static int uapi_get(const char *ifname, struct wg_dev *out, struct ztos_err *e)
{
	static const char req[] = "get=1\n\n";
	char *answer = NULL, *line, *save = NULL;
	int fd, err, uapi_errno = -1;

	memset(out, 0, sizeof(*out));
	fd = open_checked(ifname, e);
	if (fd < 0)
		return fd;
	err = exchange(fd, req, sizeof(req) - 1, &answer);
	close(fd);
	if (err)
		return ztos_errmsg(e, err, "wireguard %s: read the device (UAPI get): %s", ifname,
			       strerror(-err));
	for (line = strtok_r(answer, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save))
		err = parse_line(line, out, &uapi_errno);
	explicit_bzero(answer, strlen(answer));
	free(answer);
	/* wireguard-go does not say its public key: it is the private key's */
	if (out->has_private_key && crypto_scalarmult_base(out->public_key, out->private_key))
		out->has_private_key = false;
	if (err == 1 && uapi_errno)
		err = -abs(uapi_errno);
	else if (err == 1)
		err = 0;
	else if (!err)
		err = -EBADMSG;	/* no errno line: the answer was cut */
	if (err) {
		wg_dev_free(out);
		return ztos_errmsg(e, err, "wireguard %s: read the device (UAPI get): %s", ifname,
			       strerror(-err));
	}
	return 0;
}

struct req {
	char *s;
	size_t len, cap;
	int err;
};

static void req_add(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void req_add(struct req *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(r->s + r->len, r->cap - r->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			r->err = -EINVAL;
			return;
		}
		if (r->len + (size_t)n < r->cap) {
			r->len += (size_t)n;
			return;
		}
		/* grow, wiping what may hold the private key on the way */
		size_t ncap = r->cap * 2 + (size_t)n;
		char *ns = malloc(ncap);

		if (!ns) {
			r->err = -ENOMEM;
			return;
		}
		memcpy(ns, r->s, r->len);
		explicit_bzero(r->s, r->cap);
		free(r->s);
		r->s = ns;
		r->cap = ncap;
	}
}

static void req_hex(struct req *r, const char *key, const uint8_t k[WG_KEY_LEN])
{
	char hex[2 * WG_KEY_LEN + 1];

	for (int i = 0; i < WG_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	req_add(r, "%s=%s\n", key, hex);
	explicit_bzero(hex, sizeof(hex));
}

static void req_peer(struct req *r, const struct wg_peer_change *pc)
{
	const struct wg_peer *p = pc->p;
	char addr[INET6_ADDRSTRLEN];

	req_hex(r, "public_key", p->key);
	if (pc->op == WG_PEER_REMOVE) {
		req_add(r, "remove=true\n");
		return;
	}
	if (pc->op == WG_PEER_UPDATE)
		req_add(r, "update_only=true\n");
	if (pc->set_endpoint && p->has_endpoint) {
		ztos_addr_str(&p->endpoint.addr, addr, sizeof(addr));
		req_add(r, p->endpoint.addr.family == AF_INET6 ? "endpoint=[%s]:%u\n" : "endpoint=%s:%u\n",
			addr, p->endpoint.port);
	}
	if (pc->set_keepalive)
		req_add(r, "persistent_keepalive_interval=%u\n", p->keepalive);
	if (pc->replace_ips) {
		req_add(r, "replace_allowed_ips=true\n");
		for (size_t i = 0; i < p->n_ips; i++)
			req_add(r, "allowed_ip=%s/%u\n", ztos_addr_str(&p->ips[i].addr, addr, sizeof(addr)),
				p->ips[i].prefixlen);
	}
}

static int uapi_set(const char *ifname, const struct wg_change *c, struct ztos_err *e)
{
	struct req r = { .cap = 1024 };
	char *answer = NULL;
	int fd, err, uapi_errno = -1;

	r.s = malloc(r.cap);
	if (!r.s)
		return -ENOMEM;
	req_add(&r, "set=1\n");
	if (c->set_private_key)
		req_hex(&r, "private_key", c->private_key);
	if (c->set_port)
		req_add(&r, "listen_port=%u\n", c->port);
	if (c->replace_peers)
		req_add(&r, "replace_peers=true\n");
	for (size_t i = 0; i < c->n_peers; i++)
		req_peer(&r, &c->peers[i]);
	req_add(&r, "\n");
	err = r.err;
	fd = err ? err : open_checked(ifname, e);
	if (fd == -ENODEV)
		err = ztos_errmsg(e, -ENODEV, "wireguard %s: no wireguard-go serves it (no UAPI socket)",
			      ifname);
	else if (fd < 0)
		err = fd;
	if (!err) {
		err = exchange(fd, r.s, r.len, &answer);
		close(fd);
		if (err)
			ztos_errmsg(e, err, "wireguard %s: configure (UAPI set): %s", ifname, strerror(-err));
	}
	explicit_bzero(r.s, r.cap);
	free(r.s);
	if (!err && sscanf(answer, "errno=%d", &uapi_errno) != 1)
		err = ztos_errmsg(e, -EBADMSG, "wireguard %s: configure (UAPI set): unreadable answer",
			      ifname);
	else if (!err && uapi_errno)
		err = ztos_errmsg(e, -abs(uapi_errno), "wireguard %s: configure (UAPI set): wireguard-go refused it: %s",
			      ifname, strerror(abs(uapi_errno)));
	free(answer);
	return err;
}

const struct wg_backend wg_userspace = {
	.name = "wireguard-go",
	.get = uapi_get,
	.set = uapi_set,
};

/* The last line wireguard-go printed, for the operator. */
static void last_line(char *out, size_t len)
{
	char *end;

	while ((end = strrchr(out, '\n')) && end[1] == '\0')
		*end = '\0';
	end = strrchr(out, '\n');
	if (end)
		memmove(out, end + 1, strlen(end + 1) + 1);
	(void)len;
}

/*
 * The child between fork and exec: only async-signal-safe calls (the agent has threads,
 * and any of them may have held malloc's or stdio's lock at the fork). The message on
 * failure is put together by hand, errno as digits.
 */
static void __attribute__((noreturn)) exec_child(const char *path, char *const argv[],
						 char *const envp[], int out_fd)
{
	static const char msg[] = "cannot run it: errno ";
	char num[16];
	int i = sizeof(num), err;
	sigset_t none;

	/* Our signal mask and descriptors are no business of the daemon's. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	close_range(3, ~0U, 0);
	execve(path, argv, envp);
	err = errno;
	do
		num[--i] = (char)('0' + err % 10);
	while ((err /= 10) && i > 0);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) > 0 &&
	    write(STDERR_FILENO, num + i, sizeof(num) - (size_t)i) > 0)
		(void)!write(STDERR_FILENO, "\n", 1);
	_exit(127);
}

int wg_go_start(const char *path, const char *ifname, struct ztos_err *e)
{
	/* A clean environment: nothing of the agent's (its PATH, its secrets) goes along. */
	static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *const envp[] = { env_path, NULL };
	char *const argv[] = { (char *)path, (char *)ifname, NULL };
	char out[1024] = "";
	int pipefd[2], status, err;
	size_t n = 0;
	pid_t pid;

	/* wireguard-go takes no "--": a name like --version would be an option to it */
	if (ifname[0] == '-' || path[0] != '/')
		return ztos_errmsg(e, -EINVAL, "wireguard %s: refusing to run %s %s: %s", ifname, path,
			       ifname, path[0] != '/' ? "agent.wireguard_go is not an absolute path" :
			       "an interface name may not start with '-'");
	/* wireguard-go's socket there is what we configure the device through */
	err = cfg_dir_own(WG_UAPI_DIR, 0755, out, sizeof(out));
	if (err)
		return ztos_errmsg(e, err, "wireguard %s: %s", ifname, out);
	if (pipe2(pipefd, O_CLOEXEC))
		return ztos_errmsg(e, -errno, "wireguard %s: pipe: %s", ifname, strerror(errno));
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ztos_errmsg(e, err, "wireguard %s: fork for wireguard-go: %s", ifname,
			       strerror(-err));
	}
	if (pid == 0)
		exec_child(path, argv, envp, pipefd[1]);
	close(pipefd[1]);
	/* It forks its daemon once the device and the socket are there, then exits. */
	for (;;) {
		ssize_t r = read(pipefd[0], out + n, sizeof(out) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(out) - 1)
			n = 0;	/* keep the end, where the reason is */
	}
	out[n] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	last_line(out, sizeof(out));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return ztos_errmsg(e, -ENOENT, "wireguard %s: kernel has no WireGuard and %s cannot run: %s (install the Debian package wireguard-go, or set agent.wireguard_go)",
			       ifname, path, out);
	return ztos_errmsg(e, -EIO, "wireguard %s: %s %s failed (%s %d): %s", ifname, path, ifname,
		       WIFEXITED(status) ? "exit" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out);
}

/* Gone, or a zombie that its new parent has not reaped yet. */
static bool gone(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z';
}

int wg_go_stop(const char *ifname)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int pid = wg_uapi_pid(ifname);

	if (pid == -ENOENT)
		return 0;
	if (pid < 0)
		return pid;
	if (kill(pid, SIGTERM))
		return errno == ESRCH ? 0 : -errno;
	for (int i = 0; i < 250; i++) {
		if (gone(pid))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}
