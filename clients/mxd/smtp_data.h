/*
 * smtp_data.h - the DATA reader of mxd: a byte-at-a-time state
 * machine that finds the end of the message (only CRLF "." CRLF, RFC
 * 5321 4.1.1.4; a bare LF never ends a line here, so "\n.\n" and
 * "\n.\r\n" are content, not the end: no SMTP smuggling), removes the
 * dot-stuffing (4.5.2), and notes what makes the message unacceptable
 * (lines over 1000 octets with CRLF, NUL octets, bare LF) for the
 * reply at its end.  Content passes through unchanged otherwise, CRLF
 * kept.  Pure: no I/O, no allocation.  Unit-tested in test_smtp.c.
 */
#ifndef MXD_SMTP_DATA_H
#define MXD_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMTP_TEXT_LINE_MAX	1000	/* octets, CRLF included */

enum smtp_data_state {
	SMTP_D_BOL,		/* at the start of a line */
	SMTP_D_LINE,		/* inside a line */
	SMTP_D_CR,		/* a CR inside a line */
	SMTP_D_DOT,		/* a '.' at the start of a line (dropped) */
	SMTP_D_DOTCR,		/* "." CR at the start of a line */
	SMTP_D_END,		/* CRLF "." CRLF seen */
};

struct smtp_data {
	enum smtp_data_state state;
	size_t		 linelen;	/* octets of this line, as sent */
	uint64_t	 size;		/* octets of content passed on */
	bool		 toolong;	/* a line over SMTP_TEXT_LINE_MAX */
	bool		 nul;		/* a NUL octet */
	bool		 bare_lf;	/* an LF without its CR */
};

/* The most output octets one call makes beyond its input length. */
#define SMTP_DATA_SLACK		1

void	smtp_data_init(struct smtp_data *d);
/*
 * Feed len octets of in; the content (unstuffed) goes to out, which has
 * room for len + SMTP_DATA_SLACK octets, *outlen says how much.  Returns
 * the octets of in consumed: all of them, or fewer when the end of data
 * was reached (the rest is the next commands).  smtp_data_done tells
 * whether the end was seen.
 */
size_t	smtp_data_feed(struct smtp_data *d, const char *in, size_t len,
	    char *out, size_t *outlen);
bool	smtp_data_done(const struct smtp_data *d);

#endif
