/*
 * record.c - reassembly of RPC records from TCP record-marking
 * fragments (RFC 5531 section 11).  Input may arrive in any split,
 * down to one byte at a time; a record over the maximum is refused
 * before anything is allocated for it.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "record.h"

#define REC_INITIAL_CAP	4096

void
rec_init(struct rec_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
rec_reset(struct rec_reader *r)
{
	r->len = 0;
	r->frag_left = 0;
	r->in_frag = false;
	r->last = false;
	r->mark_have = 0;
}

void
rec_free(struct rec_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	rec_reset(r);
}

bool
rec_partial(const struct rec_reader *r)
{
	/* A finished record (last fragment done) is not partial. */
	return r->in_frag || r->mark_have > 0 || (r->len > 0 && !r->last);
}

void
rec_mark(uint8_t out[REC_MARK_SIZE], size_t len)
{
	uint32_t v = REC_LAST_FRAG | ((uint32_t)len & REC_LEN_MASK);

	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

/* Make room for a fragment of n more bytes; -1 when over the limit. */
static int
rec_reserve(struct rec_reader *r, size_t n)
{
	size_t want, cap;
	uint8_t *nbuf;

	if (n > r->max || r->len > r->max - n)
		return -1;
	want = r->len + n;
	if (want <= r->cap)
		return 0;
	cap = r->cap ? r->cap : REC_INITIAL_CAP;
	while (cap < want)
		cap *= 2;
	if (cap > r->max)
		cap = r->max;
	if ((nbuf = realloc(r->buf, cap)) == NULL)
		return -1;
	r->buf = nbuf;
	r->cap = cap;
	return 0;
}

/* A complete 4-byte mark has arrived: start its fragment. */
static enum rec_status
rec_start_frag(struct rec_reader *r)
{
	uint32_t v;

	v = (uint32_t)r->mark[0] << 24 | (uint32_t)r->mark[1] << 16 |
	    (uint32_t)r->mark[2] << 8 | r->mark[3];
	r->mark_have = 0;
	r->last = (v & REC_LAST_FRAG) != 0;
	r->frag_left = v & REC_LEN_MASK;
	if (rec_reserve(r, r->frag_left) == -1)
		return REC_TOOBIG;
	r->in_frag = true;
	return REC_AGAIN;
}

enum rec_status
rec_feed(struct rec_reader *r, const uint8_t *in, size_t n, size_t *used)
{
	size_t off = 0, take;

	/* A record handed out by REC_DONE is finished with now. */
	if (!r->in_frag && r->mark_have == 0 && r->last) {
		r->len = 0;
		r->last = false;
	}
	while (off < n || (r->in_frag && r->frag_left == 0)) {
		if (!r->in_frag) {
			take = REC_MARK_SIZE - r->mark_have;
			if (take > n - off)
				take = n - off;
			memcpy(r->mark + r->mark_have, in + off, take);
			r->mark_have += take;
			off += take;
			if (r->mark_have < REC_MARK_SIZE)
				break;
			if (rec_start_frag(r) == REC_TOOBIG) {
				*used = off;
				return REC_TOOBIG;
			}
			continue;
		}
		take = r->frag_left;
		if (take > n - off)
			take = n - off;
		if (take > 0)	/* an empty fragment may come before any buffer */
			memcpy(r->buf + r->len, in + off, take);
		r->len += take;
		r->frag_left -= (uint32_t)take;
		off += take;
		if (r->frag_left > 0)
			break;
		r->in_frag = false;
		if (r->last) {
			*used = off;
			return REC_DONE;
		}
	}
	*used = off;
	return REC_AGAIN;
}

uint8_t *
rec_body_room(struct rec_reader *r, size_t *room)
{
	if (!r->in_frag || r->frag_left == 0)
		return NULL;
	*room = r->frag_left;
	return r->buf + r->len;
}

enum rec_status
rec_body_fill(struct rec_reader *r, size_t n)
{
	if (!r->in_frag || n > r->frag_left)
		fatalx("rec_body_fill: %zu bytes past the fragment", n);
	r->len += n;
	r->frag_left -= (uint32_t)n;
	if (r->frag_left > 0)
		return REC_AGAIN;
	r->in_frag = false;
	return r->last ? REC_DONE : REC_AGAIN;
}

uint8_t *
rec_take(struct rec_reader *r, size_t *len)
{
	uint8_t *buf = r->buf;

	*len = r->len;
	r->buf = NULL;
	r->cap = 0;
	rec_reset(r);
	return buf;
}
