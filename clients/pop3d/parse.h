/*
 * parse.h - the pure parts of pop3d, with no I/O and no state beyond
 * what the caller holds: assembling command lines from received bytes,
 * parsing a line into a command, the RETR/TOP output encoder (CRLF line
 * endings and byte-stuffing, RFC 1939 section 3) with its size
 * counter, and the base64/SASL PLAIN decoding of AUTH PLAIN (RFC 4616,
 * RFC 5034).  Unit-tested in tests/unit/test_pop3.c.
 */
#ifndef POP3D_PARSE_H
#define POP3D_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A command line: RFC 2449 allows 255 octets for a command; AUTH's
 * base64 continuation lines are longer, so allow more, but bounded.
 */
#define POP3_LINE_MAX		2048	/* bytes, without CRLF */
#define POP3_ARG_MAX		2	/* arguments of any command */
#define POP3_VERB_MAX		4	/* every POP3 keyword is 3-4 chars */
#define POP3_NAME_MAX		255	/* a user name or password */

/* Line assembly. */
struct pop3_line {
	char	buf[POP3_LINE_MAX + 1];	/* NUL-terminated once complete */
	size_t	len;
	bool	toolong;	/* dropping bytes until the LF */
	bool	complete;	/* buf holds a line: start afresh */
};

enum pop3_line_status {
	POP3_LINE_MORE,		/* need more bytes */
	POP3_LINE_DONE,		/* buf holds a line, CR/LF stripped */
	POP3_LINE_TOOLONG,	/* a line over POP3_LINE_MAX ended */
};

void	pop3_line_reset(struct pop3_line *l);
/*
 * Consume bytes of in up to and including the first LF; *used says how
 * many.  A line holding a NUL is treated like an over-long one.
 */
enum pop3_line_status pop3_line_feed(struct pop3_line *l, const char *in,
	    size_t len, size_t *used);

/* Commands. */
enum pop3_verb {
	POP3_BAD = 0,		/* unknown keyword */
	POP3_USER, POP3_PASS, POP3_STAT, POP3_LIST, POP3_RETR, POP3_DELE,
	POP3_NOOP, POP3_RSET, POP3_QUIT, POP3_TOP, POP3_UIDL, POP3_CAPA,
	POP3_STLS, POP3_AUTH, POP3_APOP,
};

struct pop3_cmd {
	enum pop3_verb	 verb;
	int		 nargs;
	const char	*args[POP3_ARG_MAX];	/* into the line */
	const char	*rest;		/* PASS: everything after "PASS " */
};

/*
 * Parse line (modified in place: arguments are NUL-terminated).
 * Returns 0, or -1 for a syntax error (unknown keyword, too many or
 * too few arguments for the keyword); cmd->verb is set either way.
 */
int	pop3_parse(char *line, struct pop3_cmd *cmd);
const char *pop3_verb_name(enum pop3_verb verb);
/* A message number argument: 1..max, else 0. */
unsigned long pop3_msgno(const char *arg, unsigned long max);
/* A non-negative line count of TOP; -1 when malformed. */
long long pop3_count(const char *arg);

/*
 * The output encoder: message bytes in, wire bytes out.  A bare LF
 * becomes CRLF; a line starting with '.' gets another '.' when stuff
 * is set.  pop3_enc_size counts what would go out without stuffing
 * (the RFC 1939 size).
 */
struct pop3_enc {
	bool	stuff;
	bool	line_start;
	bool	after_cr;
	uint64_t out;		/* bytes produced so far */
};

/* The most output one input byte can make: ".." or "\r\n". */
#define POP3_ENC_EXPAND		2

void	pop3_enc_init(struct pop3_enc *e, bool stuff);
/*
 * Encode in into out (room for len * POP3_ENC_EXPAND bytes); returns
 * the bytes written.
 */
size_t	pop3_enc_feed(struct pop3_enc *e, const char *in, size_t len,
	    char *out);
/*
 * The end of a message: a CRLF if it did not end with one, then
 * ".\r\n" when terminator is set, into out (room for 5); returns bytes.
 */
size_t	pop3_enc_finish(struct pop3_enc *e, bool terminator, char *out);
/* Count only. */
void	pop3_enc_count(struct pop3_enc *e, const char *in, size_t len);

/*
 * Decode base64 in (no whitespace) into out; returns the length, or -1
 * when malformed or over outlen.
 */
long	pop3_b64_decode(const char *in, unsigned char *out, size_t outlen);
/*
 * SASL PLAIN: authzid NUL authcid NUL passwd.  authzid must be empty
 * or equal to authcid.  0 with user and pass set (each at most
 * POP3_NAME_MAX, NUL-terminated), else -1.
 */
int	pop3_sasl_plain(const unsigned char *msg, size_t len, char *user,
	    size_t userlen, char *pass, size_t passlen);

#endif
