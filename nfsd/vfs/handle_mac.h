/*
 * handle_mac.h - authenticating file handles (handle_mac.c); used by
 * handle.c (and its unit test) only.
 */
#ifndef VFS_HANDLE_MAC_H
#define VFS_HANDLE_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handle.h"

/* HMAC-SHA256 of data under key, truncated to HANDLE_MAC_LEN bytes. */
int	handle_mac(const struct handle_key *key, const uint8_t *data,
	    size_t len, uint8_t mac[HANDLE_MAC_LEN]);
/* Was this exact handle authenticated (or made) here lately? */
bool	handle_seen(const struct handle_key *key, const uint8_t *fh,
	    size_t len);
/* Remember a handle known to be authentic. */
void	handle_remember(const struct handle_key *key, const uint8_t *fh,
	    size_t len);
/* How many handle_seen found in the memory the threads share. */
uint64_t handle_seen_shared_hits(void);

#endif
