/*
 * record.h - RFC 5531 section 11 record marking for RPC over TCP.
 */
#ifndef RPC_RECORD_H
#define RPC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_LAST_FRAG	0x80000000u
#define REC_LEN_MASK	0x7fffffffu
#define REC_MARK_SIZE	4

enum rec_status {
	REC_AGAIN = 0,		/* input consumed, record not complete */
	REC_DONE,		/* a whole record is in the reader */
	REC_TOOBIG,		/* the record would exceed the maximum */
};

/* Reassembles fragments into one record, bounded by max. */
struct rec_reader {
	uint8_t		*buf;		/* the record so far */
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* largest record accepted */
	uint32_t	 frag_left;	/* bytes of the current fragment due */
	bool		 in_frag;	/* inside a fragment body */
	bool		 last;		/* the current fragment is the last */
	uint8_t		 mark[REC_MARK_SIZE];
	size_t		 mark_have;
};

void	rec_init(struct rec_reader *r, size_t max);
void	rec_reset(struct rec_reader *r);
void	rec_free(struct rec_reader *r);
/*
 * Consume input until a record completes or the input is used up;
 * *used is how much was consumed.  After REC_DONE the record is
 * r->buf/r->len until rec_take or the next rec_feed.
 */
enum rec_status rec_feed(struct rec_reader *r, const uint8_t *in, size_t n,
	    size_t *used);
/*
 * Reading a fragment's body straight into the record, without the
 * copy rec_feed makes: rec_body_room gives where the body's next
 * bytes go and how many are due (NULL outside a body), rec_body_fill
 * says n of them were written there and returns REC_DONE when that
 * completed the record.  A peer's bytes past the fragment are never
 * asked for, so nothing is left over.
 */
uint8_t	*rec_body_room(struct rec_reader *r, size_t *room);
enum rec_status rec_body_fill(struct rec_reader *r, size_t n);
/* Hand the completed record's buffer to the caller, who frees it. */
uint8_t	*rec_take(struct rec_reader *r, size_t *len);
/* True when bytes of a record have been seen but it is not complete. */
bool	rec_partial(const struct rec_reader *r);
/* Write a last-fragment mark for a record of len bytes. */
void	rec_mark(uint8_t out[REC_MARK_SIZE], size_t len);

#endif
