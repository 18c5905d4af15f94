/*
 * handle.h - the NFS file handle format (at most 64 bytes):
 *
 *   0      version (HANDLE_VERSION)
 *   1      length L of the kernel handle
 *   2..5   export id, big endian
 *   6..9   kernel handle type, big endian
 *   10..   the kernel's handle from name_to_handle_at (L bytes)
 *   then   HANDLE_MAC_LEN bytes of HMAC-SHA256 over all of the above
 *
 * The key lives in the state directory, so handles survive restarts
 * and cannot be forged or altered by a client.
 */
#ifndef VFS_HANDLE_H
#define VFS_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#define HANDLE_VERSION		1
#define HANDLE_MAX		64		/* NFS3_FHSIZE */
#define HANDLE_HDR_LEN		10
#define HANDLE_MAC_LEN		16
#define HANDLE_KERNEL_MAX	(HANDLE_MAX - HANDLE_HDR_LEN - HANDLE_MAC_LEN)
#define HANDLE_KEY_LEN		32
#define HANDLE_KEY_FILE		"handle.key"

struct handle_key {
	uint8_t		bytes[HANDLE_KEY_LEN];
};

/* A decoded handle. */
struct handle {
	uint32_t	export_id;
	int32_t		type;			/* kernel handle_type */
	uint8_t		len;			/* kernel handle bytes */
	uint8_t		kernel[HANDLE_KERNEL_MAX];
};

/* Load the key from dir, creating it (mode 0600) the first time. */
int	handle_key_load(const char *dir, struct handle_key *key);
/* Encode h into out; returns the length, or -1 if it cannot fit. */
int	handle_encode(const struct handle_key *key, const struct handle *h,
	    uint8_t out[HANDLE_MAX]);
/* Decode and authenticate; -1 for anything malformed or altered. */
int	handle_decode(const struct handle_key *key, const uint8_t *in,
	    size_t len, struct handle *h);
/* The handle of path (not following a final symlink). */
int	handle_from_path(const char *path, uint32_t export_id,
	    struct handle *h);

#endif
