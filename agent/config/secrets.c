// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files that hold secrets (keys, the API token): checked for their mode and, for
 * keys, their length, so that a bad key fails at --check-config and not at apply.
 * Their content never reaches a message, and buffers that held it are wiped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

#define KEY_FILE_MAX 256	/* a key file is one line; more means the wrong file */

int check_readable(struct bctx *c, const struct cfg_node *v, const char *path)
{
	struct stat st;

	if (access(path, R_OK) || stat(path, &st))
		return b_err(c, v, "cannot read %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return b_err(c, v, "%s is not a regular file", path);
	return 0;
}

/*
 * One open, never following a link nor waiting on a FIFO, then the checks on what was
 * opened. A secret is its owner's alone: no mode bits for group or others (group_read: the
 * group may read it, as TLS keys often are root:ssl-cert 0640), and its owner is the
 * agent's user: another user who owns it can read it or put their own key in it.
 */
static int secret_open(const char *path, bool group_read, char *why, size_t len)
{
	mode_t allowed = group_read ? S_IRGRP : 0;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			snprintf(why, len, "%s is a symbolic link; name the file itself (secrets are read without following links)",
				 path);
		else
			snprintf(why, len, "cannot read %s: %s", path, strerror(-err));
		return err;
	}
	err = fstat(fd, &st) ? -errno : 0;
	if (err)
		snprintf(why, len, "cannot read %s: %s", path, strerror(-err));
	else if (!S_ISREG(st.st_mode) && (err = -EINVAL))
		snprintf(why, len, "%s is not a regular file", path);
	else if ((st.st_mode & 0077 & ~allowed) && (err = -EACCES))
		snprintf(why, len, "%s has mode %04o: %s can %s it, but it holds a secret; run: chmod %s %s",
			 path, (unsigned int)(st.st_mode & 07777),
			 st.st_mode & 0007 ? "every user" : "its group",
			 st.st_mode & (S_IRGRP | S_IROTH) & ~allowed ? "read" : "change",
			 group_read ? "640" : "600", path);
	else if (st.st_uid != geteuid() && (err = -EACCES))
		snprintf(why, len, "%s belongs to uid %u, not to the agent's user (uid %u), but it holds a secret; run: chown %u %s",
			 path, (unsigned int)st.st_uid, (unsigned int)geteuid(),
			 (unsigned int)geteuid(), path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

ssize_t cfg_secret_read(const char *path, bool group_read, char *buf, size_t cap, char *why,
			size_t len)
{
	size_t n = 0;
	ssize_t r = 0;
	int fd = secret_open(path, group_read, why, len);

	if (fd < 0)
		return fd;
	/* up to cap bytes: a secret that fills buf is not one we know */
	while (n < cap && ((r = read(fd, buf + n, cap - n)) > 0 || (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	if (r < 0) {
		r = -errno;
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
	} else if (n == cap) {
		r = -EFBIG;
		snprintf(why, len, "%s is larger than a key file can be (%zu bytes)", path, cap - 1);
	} else {
		r = (ssize_t)n;
	}
	close(fd);
	return r;
}

int cfg_dir_own(const char *path, mode_t mode, char *why, size_t len)
{
	struct stat st;

	if (!mkdir(path, mode))
		return 0;
	if (errno != EEXIST || lstat(path, &st)) {
		snprintf(why, len, "cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s is not a folder%s", path,
			 S_ISLNK(st.st_mode) ? " but a symbolic link; name the folder itself" : "");
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, len, "%s belongs to uid %u, not to the agent's user; run: chown %u %s",
			 path, (unsigned int)st.st_uid, (unsigned int)geteuid(), path);
		return -EACCES;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s has mode %04o: others can write to it; run: chmod go-w %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		return -EACCES;
	}
	return 0;
}

/* 0, -EINVAL when reported, or -ENOENT (unreported: the caller decides). */
int check_secret_mode(struct bctx *c, const struct cfg_node *v, const char *path,
		      bool group_read)
{
	char why[PATH_MAX + 256];
	int fd = secret_open(path, group_read, why, sizeof(why));

	if (fd == -ENOENT)
		return fd;
	if (fd < 0)
		return b_err(c, v, "%s", why);
	close(fd);
	return 0;
}

/*
 * A key file's error. Over the API (a node from no file) every failure reads the same: an
 * API client learns neither which files exist nor anything of what one holds.
 */
__attribute__((format(printf, 4, 5)))
static int key_err(struct bctx *c, const struct cfg_node *v, const char *path, const char *fmt,
		   ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	if (!v->file)
		return b_err(c, v, "%s cannot be used as a key file: give a regular file of the agent's user, mode 0600, holding one key (ztosd --check-config on a file says more)",
			     path);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return b_err(c, v, "%s", msg);
}

/* Check mode, then read and trim the file into buf; everything is reported. */
static int load_key_file(struct bctx *c, const struct cfg_node *v, const char *path, char *buf,
			 size_t cap, const char **key, size_t *len)
{
	char why[PATH_MAX + 256];
	ssize_t n = cfg_secret_read(path, false, buf, cap, why, sizeof(why));

	if (n < 0)
		return key_err(c, v, path, "%s", why);
	*len = (size_t)n;
	*key = buf;
	while (*len && strchr(" \t\r\n", buf[*len - 1]))
		(*len)--;
	while (*len && strchr(" \t\r\n", **key)) {
		(*key)++;
		(*len)--;
	}
	return 0;
}

int check_wg_key_file(struct bctx *c, const struct cfg_node *v, const char *path)
{
	char buf[KEY_FILE_MAX];
	uint8_t key[32];
	const char *text;
	size_t len;
	int err = load_key_file(c, v, path, buf, sizeof(buf), &text, &len);

	if (!err && cfg_base64_decode(text, len, key, sizeof(key)) != (int)sizeof(key))
		err = key_err(c, v, path, "%s does not hold a WireGuard private key: expected 44 base64 characters for 32 bytes, as 'wg genkey' writes",
			    path);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(key, sizeof(key));
	return err;
}

static const char *cipher_name(enum ztos_macsec_cipher cipher)
{
	return cipher == ZTOS_GCM_AES_256 ? "gcm-aes-256" : "gcm-aes-128";
}

int check_macsec_key_file(struct bctx *c, const struct cfg_node *v, const char *path)
{
	char buf[KEY_FILE_MAX];
	uint8_t key[32];
	const char *text;
	size_t len, need = c->cipher == ZTOS_GCM_AES_256 ? 32 : 16;
	int n, err = load_key_file(c, v, path, buf, sizeof(buf), &text, &len);

	if (err)
		goto cleanup;
	n = cfg_hex_decode(text, len, key, sizeof(key));
	if (n != 16 && n != 32)
		err = key_err(c, v, path, "%s does not hold a MACsec key: expected 32 hex digits (gcm-aes-128) or 64 (gcm-aes-256)",
			    path);
	else if (c->cipher_known && (size_t)n != need)
		err = key_err(c, v, path, "%s holds a %d-byte key but %s needs %zu bytes (%zu hex digits)", path,
			    n, cipher_name(c->cipher), need, need * 2);
cleanup:
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(key, sizeof(key));
	return err;
}

int get_wg_public_key(struct bctx *c, const struct cfg_node *v, uint8_t key[32])
{
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (cfg_base64_decode(s, strlen(s), key, 32) != 32)
		return b_err(c, v, "is not a WireGuard public key: expected 44 base64 characters for 32 bytes, as 'wg pubkey' writes");
	return 0;
}
