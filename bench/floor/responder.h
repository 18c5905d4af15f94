/*
 * responder.h - the transport floor: an epoll server that answers every
 * ONC RPC call (RFC 5531) on one TCP port with the cheapest valid reply,
 * and enough canned NFSv3 and MOUNT v3 (RFC 1813) results for a client
 * such as libnfs to "mount" it.  A measuring instrument, never shipped.
 */
#ifndef RESPONDER_H
#define RESPONDER_H

#include <stddef.h>
#include <stdint.h>

#define RSP_MAX_THREADS	64
#define RSP_MAX_CONNS	4096		/* all threads together */
#define RSP_IN_CAP	16384		/* bytes read ahead per connection */
#define RSP_OUT_CAP	16384		/* replies queued per connection */
#define RSP_MSG_CAP	2048		/* bytes of a call kept (its head) */
#define RSP_REPLY_MAX	512		/* the longest reply, record mark too */
#define RSP_RECORD_MAX	(64u * 1024 * 1024)	/* a call's total size */

/*
 * Encode the reply to one call message (msg: its first len bytes, at
 * most RSP_MSG_CAP) into out, record mark included.  Returns the
 * reply's length, 0 for no reply (not a call), or -1 if the connection
 * should close.
 */
int	 reply_build(const uint8_t *msg, size_t len,
	    uint8_t out[RSP_REPLY_MAX]);
void	 reply_init(void);

/* loop.c */
struct loop;
int	 loops_start(int listen_fd, unsigned nthreads);
void	 loops_stop(void);
uint64_t loops_calls(void);

#endif
