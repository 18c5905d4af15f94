/*
 * handle.c - building, authenticating and reading file handles, and
 * the key they are authenticated with.  See handle.h for the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "handle.h"
#include "handle_mac.h"
#include "log.h"

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
read_key(int fd, struct handle_key *key)
{
	ssize_t n = read(fd, key->bytes, sizeof(key->bytes));

	return n == (ssize_t)sizeof(key->bytes) ? 0 : -1;
}

/* Write a new key durably: a temporary file, fsync, then link. */
static int
create_key(int dirfd, struct handle_key *key)
{
	const char *tmp = HANDLE_KEY_FILE ".new";
	int fd;

	if (RAND_bytes(key->bytes, sizeof(key->bytes)) != 1)
		return -1;
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	if (write(fd, key->bytes, sizeof(key->bytes)) !=
	    (ssize_t)sizeof(key->bytes) || fsync(fd) == -1) {
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	/* link, not rename: a key made by someone else meanwhile wins. */
	if (linkat(dirfd, tmp, dirfd, HANDLE_KEY_FILE, 0) == -1) {
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	(void)unlinkat(dirfd, tmp, 0);
	return fsync(dirfd);
}

int
handle_key_load(const char *dir, struct handle_key *key)
{
	struct stat st;
	int dirfd, fd, rc = -1;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("state directory %s", dir);
		return -1;
	}
	fd = openat(dirfd, HANDLE_KEY_FILE, O_RDONLY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if (create_key(dirfd, key) == 0) {
			log_info("created handle key %s/%s", dir,
			    HANDLE_KEY_FILE);
			rc = 0;
		} else
			log_warn("cannot create %s/%s", dir,
			    HANDLE_KEY_FILE);
		close(dirfd);
		return rc;
	}
	if (fd == -1)
		log_warn("%s/%s", dir, HANDLE_KEY_FILE);
	else if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0)
		log_warnx("%s/%s: must be a file of mode 0600", dir,
		    HANDLE_KEY_FILE);
	else if (read_key(fd, key) == -1)
		log_warnx("%s/%s: not a %d-byte key", dir, HANDLE_KEY_FILE,
		    HANDLE_KEY_LEN);
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	close(dirfd);
	return rc;
}

int
handle_encode(const struct handle_key *key, const struct handle *h,
    uint8_t out[HANDLE_MAX])
{
	size_t len;

	if (h->len > HANDLE_KERNEL_MAX)
		return -1;
	out[0] = HANDLE_VERSION;
	out[1] = h->len;
	put_u32(out + 2, h->export_id);
	put_u32(out + 6, (uint32_t)h->type);
	memcpy(out + HANDLE_HDR_LEN, h->kernel, h->len);
	len = HANDLE_HDR_LEN + h->len;
	if (handle_mac(key, out, len, out + len) == -1)
		return -1;
	handle_remember(key, out, len + HANDLE_MAC_LEN);
	return (int)(len + HANDLE_MAC_LEN);
}

int
handle_decode(const struct handle_key *key, const uint8_t *in, size_t len,
    struct handle *h)
{
	uint8_t mac[HANDLE_MAC_LEN];
	size_t klen;

	if (len < HANDLE_HDR_LEN + HANDLE_MAC_LEN || len > HANDLE_MAX ||
	    in[0] != HANDLE_VERSION)
		return -1;
	klen = in[1];
	if (HANDLE_HDR_LEN + klen + HANDLE_MAC_LEN != len)
		return -1;
	if (!handle_seen(key, in, len)) {
		if (handle_mac(key, in, HANDLE_HDR_LEN + klen, mac) == -1 ||
		    CRYPTO_memcmp(mac, in + HANDLE_HDR_LEN + klen,
		    HANDLE_MAC_LEN) != 0)
			return -1;
		handle_remember(key, in, len);
	}
	h->export_id = get_u32(in + 2);
	h->type = (int32_t)get_u32(in + 6);
	h->len = (uint8_t)klen;
	memcpy(h->kernel, in + HANDLE_HDR_LEN, klen);
	return 0;
}

int
handle_from_path(const char *path, uint32_t export_id, struct handle *h)
{
	union {
		struct file_handle	fh;
		uint8_t			buf[sizeof(struct file_handle) +
					    MAX_HANDLE_SZ];
	} u;
	int mount_id;

	u.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &u.fh, &mount_id, 0) == -1)
		return -1;
	if (u.fh.handle_bytes > HANDLE_KERNEL_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	memset(h, 0, sizeof(*h));
	h->export_id = export_id;
	h->type = u.fh.handle_type;
	h->len = (uint8_t)u.fh.handle_bytes;
	memcpy(h->kernel, u.fh.f_handle, u.fh.handle_bytes);
	return 0;
}
