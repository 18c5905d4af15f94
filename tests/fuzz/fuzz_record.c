/*
 * fuzz_record.c - libFuzzer harness for TCP record reassembly
 * (nfsd/rpc/record.c).  The first input byte picks the size of the
 * reads the rest is split into; the same stream fed in one read must
 * give the same records and end in the same state.  Each record then
 * goes to the call header decoder, as a worker hands it on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "record.h"

#define FUZZ_MAX_REC	1024	/* small, so that REC_TOOBIG is reached */

/* What one way of feeding the stream saw. */
struct seen {
	size_t		nrec;
	uint64_t	hash;		/* FNV-1a over lengths and bytes */
	int		toobig;
	int		partial;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void
take(struct rec_reader *r, struct seen *s)
{
	struct rpc_call_hdr hdr;
	uint8_t *rec;
	size_t len;

	rec = rec_take(r, &len);
	if (len > FUZZ_MAX_REC || rec_partial(r))
		abort();
	s->nrec++;
	s->hash = fnv(fnv(s->hash, (uint8_t *)&len, sizeof(len)), rec, len);
	if (rpc_call_decode(rec, len, &hdr) == RPC_DECODE_OK &&
	    hdr.args_off > len)
		abort();
	free(rec);
}

/* Feed in reads of at most step bytes, each consumed as conn.c does. */
static void
feed(const uint8_t *in, size_t n, size_t step, struct seen *s)
{
	struct rec_reader r;
	size_t off = 0, end, used;

	memset(s, 0, sizeof(*s));
	s->hash = 0xcbf29ce484222325ULL;
	rec_init(&r, FUZZ_MAX_REC);
	for (; off < n && !s->toobig; off = end) {
		end = n - off < step ? n : off + step;
		while (off < end && !s->toobig) {
			switch (rec_feed(&r, in + off, end - off, &used)) {
			case REC_DONE:
				take(&r, s);
				break;
			case REC_TOOBIG:
				s->toobig = 1;
				break;
			case REC_AGAIN:
				break;
			}
			if (used > end - off)
				abort();
			off += used;
		}
	}
	s->partial = !s->toobig && rec_partial(&r);
	rec_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole, split;

	if (size < 1)
		return 0;
	feed(data + 1, size - 1, size, &whole);
	feed(data + 1, size - 1, 1 + data[0] % 16, &split);
	if (whole.nrec != split.nrec || whole.hash != split.hash ||
	    whole.toobig != split.toobig || whole.partial != split.partial)
		abort();
	return 0;
}
