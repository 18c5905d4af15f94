/*
 * drc.h - the duplicate request cache: the replies of recent
 * non-idempotent calls, so that a retransmission gets the same answer
 * instead of the call being executed twice (RFC 1813 section 4.4 and
 * Juszczak, "Improving the Performance and Correctness of an NFS
 * Server").  Internal to nfsd/rpc/.
 */
#ifndef RPC_DRC_H
#define RPC_DRC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DRC_ENTRIES_DEFAULT	8192
#define DRC_BYTES_DEFAULT	(4 * 1024 * 1024)
#define DRC_MAX_REPLY		1024	/* larger replies are not kept */
#define DRC_SUM_BYTES		256	/* argument bytes summed */

/* What identifies a call across retransmissions. */
struct drc_key {
	uint8_t		addr[16];	/* client address, without port */
	uint8_t		family;
	uint8_t		udp;
	uint32_t	xid;
	uint32_t	prog;
	uint32_t	vers;
	uint32_t	proc;
	uint64_t	sum;		/* of the arguments */
	uint64_t	hash;		/* of all the above, made once */
};

enum drc_state {
	DRC_NEW,	/* not seen: execute, then drc_finish */
	DRC_HIT,	/* answered before: the reply was copied out */
	DRC_BUSY,	/* the original is still executing: drop this one */
};

struct drc;
struct drc_entry;

struct drc *drc_create(size_t max_entries, size_t max_bytes);
void	drc_free(struct drc **drc);
/* The key of a call from sa with these header fields and arguments. */
void	drc_key_make(struct drc_key *k, const struct sockaddr *sa, int udp,
	    uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
	    const uint8_t *args, size_t argslen);
enum drc_state drc_begin(struct drc *drc, const struct drc_key *k,
	    uint8_t *out, size_t outcap, size_t *outlen,
	    struct drc_entry **ent);
/* Keep the reply of a DRC_NEW call; reply NULL: nothing was sent. */
void	drc_finish(struct drc *drc, struct drc_entry *ent,
	    const uint8_t *reply, size_t len);

struct drc_stats {
	uint64_t	hits;
	uint64_t	busy;
	uint64_t	misses;
	size_t		entries;
	size_t		bytes;
};
void	drc_stats(struct drc *drc, struct drc_stats *out);

#endif
