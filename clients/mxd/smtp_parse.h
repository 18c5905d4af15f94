/*
 * smtp_parse.h - the pure parts of mxd's SMTP dialogue, with no I/O:
 * assembling command lines from received bytes, splitting a line into
 * a verb and its argument, and parsing the paths and parameters of
 * MAIL FROM and RCPT TO (RFC 5321 section 4.1.2, RFC 1870 SIZE, RFC
 * 6152 BODY).  Unit-tested in tests/unit/test_smtp.c.
 */
#ifndef MXD_SMTP_PARSE_H
#define MXD_SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * RFC 5321 4.5.3.1: a command line is 512 octets, but SIZE and BODY
 * parameters may make it longer; we allow a text line's 1000 octets,
 * CRLF included, for commands too.
 */
#define SMTP_LINE_MAX		1000	/* octets, CRLF included */
#define SMTP_LOCAL_MAX		64	/* local-part */
#define SMTP_DOMAIN_MAX		255	/* domain */
#define SMTP_PATH_MAX		256	/* path, brackets included */
#define SMTP_SIZE_DIGITS	20	/* SIZE=n */

/* Line assembly. */
struct smtp_line {
	char	buf[SMTP_LINE_MAX + 1];	/* NUL-terminated once complete */
	size_t	len;			/* octets of the line so far */
	bool	toolong;		/* dropping octets until the LF */
	bool	nul;			/* a NUL octet was seen */
	bool	complete;		/* buf holds a whole line */
};

enum smtp_line_status {
	SMTP_LINE_MORE,		/* need more bytes */
	SMTP_LINE_DONE,		/* buf holds the line, CRLF stripped */
	SMTP_LINE_TOOLONG,	/* a line over SMTP_LINE_MAX ended */
	SMTP_LINE_NUL,		/* a line with a NUL octet ended */
};

void	smtp_line_reset(struct smtp_line *l);
/*
 * Consume bytes of in up to and including the first LF; *used says
 * how many.  A line ends at LF (CRLF or a bare LF); the CR is
 * stripped.  The line is cleared by the next call after a non-MORE
 * status.
 */
enum smtp_line_status smtp_line_feed(struct smtp_line *l, const char *in,
	    size_t len, size_t *used);

/* Commands. */
enum smtp_verb {
	SMTP_V_UNKNOWN = 0,
	SMTP_V_HELO,
	SMTP_V_EHLO,
	SMTP_V_MAIL,
	SMTP_V_RCPT,
	SMTP_V_DATA,
	SMTP_V_RSET,
	SMTP_V_NOOP,
	SMTP_V_QUIT,
	SMTP_V_VRFY,
	SMTP_V_EXPN,
	SMTP_V_HELP,
	SMTP_V_STARTTLS,
};

struct smtp_cmd {
	enum smtp_verb	 verb;
	const char	*arg;	/* after the verb and blanks; "" if none */
};

/*
 * Split line (NUL-terminated, no CRLF) into verb and argument; verbs
 * are case-insensitive and end at a space or the end of the line.
 * "MAIL FROM:" and "RCPT TO:" keep "FROM:"/"TO:" in arg.
 */
void	smtp_cmd_parse(const char *line, struct smtp_cmd *cmd);
const char *smtp_verb_name(enum smtp_verb verb);

/* Paths and parameters. */
enum smtp_perr {
	SMTP_P_OK = 0,
	SMTP_P_SYNTAX,		/* 501 5.5.2 (no "FROM:" / "TO:") */
	SMTP_P_BADADDR,		/* 501 5.1.3 / 5.1.7 bad address syntax */
	SMTP_P_TOOLONG,		/* 501 5.1.3 over a length limit */
	SMTP_P_PARAM,		/* 555 5.5.4 unknown or bad parameter */
	SMTP_P_NULLPATH,	/* RCPT TO:<> */
};

enum smtp_body {
	SMTP_BODY_NONE = 0,
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
};

struct smtp_path {
	bool	null;				/* <> */
	char	local[SMTP_LOCAL_MAX + 1];	/* as sent, quotes kept */
	char	domain[SMTP_DOMAIN_MAX + 1];	/* "" for <postmaster> */
	char	addr[SMTP_PATH_MAX + 1];	/* local@domain, or "" */
};

struct smtp_mail_params {
	uint64_t	size;		/* SIZE=, 0 if not given */
	bool		has_size;
	enum smtp_body	body;
};

/*
 * MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME]; arg is the command's
 * argument ("FROM:<a@b> SIZE=10").  Blanks after the colon are
 * tolerated; source routes (<@a,@b:x@y>) are dropped.
 */
enum smtp_perr smtp_parse_mail(const char *arg, struct smtp_path *path,
	    struct smtp_mail_params *params);
/*
 * RCPT TO:<path>, no parameters; <postmaster> (any case) without a
 * domain is accepted with domain "".
 */
enum smtp_perr smtp_parse_rcpt(const char *arg, struct smtp_path *path);
/* A HELO/EHLO argument: a domain or an address literal. */
bool	smtp_valid_helo(const char *arg);

#endif
