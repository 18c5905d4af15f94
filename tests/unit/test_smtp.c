/*
 * test_smtp.c - mxd's pure SMTP modules: line assembly (whole and byte
 * by byte, CRLF and bare LF, over-long lines, NUL), verbs, MAIL/RCPT
 * paths and parameters, HELO arguments, and the DATA state machine:
 * end only at CRLF.CRLF (never "\n.\n" or "\n.\r\n"), dot-unstuffing,
 * the 1000-octet line limit, NUL and bare LF, and the bytes after the
 * end left for the next command; each fed whole and byte by byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/mxd/smtp_data.h"
#include "../../clients/mxd/smtp_parse.h"
#include "unit.h"

/* Feed text to a line assembler in pieces of step; the last status. */
static enum smtp_line_status
feed_line(struct smtp_line *l, const char *text, size_t step, size_t *eaten)
{
	enum smtp_line_status st = SMTP_LINE_MORE;
	size_t off = 0, n, used, len = strlen(text);

	while (off < len && st == SMTP_LINE_MORE) {
		n = len - off < step ? len - off : step;
		st = smtp_line_feed(l, text + off, n, &used);
		off += used;
	}
	*eaten = off;
	return st;
}

static void
test_line(void)
{
	static const size_t steps[] = { 1, 2, 7, 4096 };
	struct smtp_line l;
	char big[SMTP_LINE_MAX + 10];
	size_t i, eaten;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		smtp_line_reset(&l);
		CU_ASSERT_EQUAL(feed_line(&l, "EHLO a.example\r\nMAIL", steps[i],
		    &eaten), SMTP_LINE_DONE);
		CU_ASSERT_EQUAL(eaten, 16);
		CU_ASSERT_STRING_EQUAL(l.buf, "EHLO a.example");
		/* The next line starts afresh. */
		CU_ASSERT_EQUAL(feed_line(&l, "NOOP\n", steps[i], &eaten),
		    SMTP_LINE_DONE);
		CU_ASSERT_STRING_EQUAL(l.buf, "NOOP");
		CU_ASSERT_EQUAL(feed_line(&l, "NO\0OP\r\n", steps[i], &eaten),
		    SMTP_LINE_MORE);	/* strlen stops at the NUL */
	}
	/* NUL inside a line. */
	smtp_line_reset(&l);
	{
		size_t used;

		CU_ASSERT_EQUAL(smtp_line_feed(&l, "NO\0OP\r\n", 7, &used),
		    SMTP_LINE_NUL);
		CU_ASSERT_EQUAL(used, 7);
		CU_ASSERT_EQUAL(smtp_line_feed(&l, "QUIT\r\n", 6, &used),
		    SMTP_LINE_DONE);
		CU_ASSERT_STRING_EQUAL(l.buf, "QUIT");
	}
	/* 998 octets + CRLF is the most; 999 is too long. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(big, 'a', sizeof(big));
		memcpy(big + 998, "\r\n", 3);
		smtp_line_reset(&l);
		CU_ASSERT_EQUAL(feed_line(&l, big, steps[i], &eaten),
		    SMTP_LINE_DONE);
		CU_ASSERT_EQUAL(strlen(l.buf), 998);
		memset(big, 'a', sizeof(big));
		memcpy(big + 999, "\r\n", 3);
		CU_ASSERT_EQUAL(feed_line(&l, big, steps[i], &eaten),
		    SMTP_LINE_TOOLONG);
		CU_ASSERT_EQUAL(eaten, 1001);
		CU_ASSERT_EQUAL(feed_line(&l, "RSET\r\n", steps[i], &eaten),
		    SMTP_LINE_DONE);
		CU_ASSERT_STRING_EQUAL(l.buf, "RSET");
	}
}

static void
test_verbs(void)
{
	struct smtp_cmd c;

	smtp_cmd_parse("ehlo  x.example", &c);
	CU_ASSERT_EQUAL(c.verb, SMTP_V_EHLO);
	CU_ASSERT_STRING_EQUAL(c.arg, "x.example");
	smtp_cmd_parse("MAIL FROM:<a@b>", &c);
	CU_ASSERT_EQUAL(c.verb, SMTP_V_MAIL);
	CU_ASSERT_STRING_EQUAL(c.arg, "FROM:<a@b>");
	smtp_cmd_parse("StartTLS", &c);
	CU_ASSERT_EQUAL(c.verb, SMTP_V_STARTTLS);
	CU_ASSERT_STRING_EQUAL(c.arg, "");
	smtp_cmd_parse("DATAX", &c);
	CU_ASSERT_EQUAL(c.verb, SMTP_V_UNKNOWN);
	smtp_cmd_parse("", &c);
	CU_ASSERT_EQUAL(c.verb, SMTP_V_UNKNOWN);
	smtp_cmd_parse("QUIT", &c);
	CU_ASSERT_STRING_EQUAL(smtp_verb_name(c.verb), "QUIT");
}

static void
test_mail(void)
{
	struct smtp_path p;
	struct smtp_mail_params mp;
	char longlocal[100], buf[400];

	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a.b@c.example>", &p, &mp),
	    SMTP_P_OK);
	CU_ASSERT_STRING_EQUAL(p.addr, "a.b@c.example");
	CU_ASSERT_STRING_EQUAL(p.local, "a.b");
	CU_ASSERT_STRING_EQUAL(p.domain, "c.example");
	CU_ASSERT_FALSE(mp.has_size);
	CU_ASSERT_EQUAL(smtp_parse_mail("from: <> SIZE=1000 body=8BITMIME",
	    &p, &mp), SMTP_P_OK);
	CU_ASSERT_TRUE(p.null);
	CU_ASSERT_STRING_EQUAL(p.addr, "");
	CU_ASSERT_TRUE(mp.has_size);
	CU_ASSERT_EQUAL(mp.size, 1000);
	CU_ASSERT_EQUAL(mp.body, SMTP_BODY_8BITMIME);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<@r1,@r2:x@y.example>", &p,
	    &mp), SMTP_P_OK);
	CU_ASSERT_STRING_EQUAL(p.addr, "x@y.example");
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<\"a b\"@c.example>", &p, &mp),
	    SMTP_P_OK);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<x@[192.0.2.1]>", &p, &mp),
	    SMTP_P_OK);
	CU_ASSERT_EQUAL(smtp_parse_mail("TO:<a@b.example>", &p, &mp),
	    SMTP_P_SYNTAX);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:a@b.example", &p, &mp),
	    SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example", &p, &mp),
	    SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@-b.example>", &p, &mp),
	    SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a..b@c.example>", &p, &mp),
	    SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example>x", &p, &mp),
	    SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example> SIZE=x", &p,
	    &mp), SMTP_P_PARAM);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example> BODY=BINARYMIME",
	    &p, &mp), SMTP_P_PARAM);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example> AUTH=<>", &p,
	    &mp), SMTP_P_PARAM);
	CU_ASSERT_EQUAL(smtp_parse_mail("FROM:<a@b.example> SIZE=1 SIZE=2",
	    &p, &mp), SMTP_P_PARAM);
	CU_ASSERT_EQUAL(smtp_parse_mail(
	    "FROM:<a@b.example> SIZE=99999999999999999999", &p, &mp),
	    SMTP_P_PARAM);
	memset(longlocal, 'x', 65);
	longlocal[65] = '\0';
	(void)snprintf(buf, sizeof(buf), "FROM:<%s@b.example>", longlocal);
	CU_ASSERT_EQUAL(smtp_parse_mail(buf, &p, &mp), SMTP_P_TOOLONG);
}

static void
test_rcpt(void)
{
	struct smtp_path p;
	char buf[400], dom[300];

	CU_ASSERT_EQUAL(smtp_parse_rcpt("TO:<Tevie@Cluster.Example>", &p),
	    SMTP_P_OK);
	CU_ASSERT_STRING_EQUAL(p.local, "Tevie");
	CU_ASSERT_STRING_EQUAL(p.domain, "Cluster.Example");
	CU_ASSERT_EQUAL(smtp_parse_rcpt("to:<PostMaster>", &p), SMTP_P_OK);
	CU_ASSERT_STRING_EQUAL(p.domain, "");
	CU_ASSERT_STRING_EQUAL(p.local, "PostMaster");
	CU_ASSERT_EQUAL(smtp_parse_rcpt("TO:<tevie>", &p), SMTP_P_BADADDR);
	CU_ASSERT_EQUAL(smtp_parse_rcpt("TO:<>", &p), SMTP_P_NULLPATH);
	CU_ASSERT_EQUAL(smtp_parse_rcpt("TO:<a@b.example> NOTIFY=NEVER", &p),
	    SMTP_P_PARAM);
	CU_ASSERT_EQUAL(smtp_parse_rcpt("FROM:<a@b.example>", &p),
	    SMTP_P_SYNTAX);
	memset(dom, 'a', sizeof(dom));
	dom[sizeof(dom) - 1] = '\0';
	(void)snprintf(buf, sizeof(buf), "TO:<x@%s>", dom);
	CU_ASSERT_EQUAL(smtp_parse_rcpt(buf, &p), SMTP_P_TOOLONG);
	CU_ASSERT_TRUE(smtp_valid_helo("mx.example.org"));
	CU_ASSERT_TRUE(smtp_valid_helo("[127.0.0.1]"));
	CU_ASSERT_TRUE(smtp_valid_helo("localhost"));
	CU_ASSERT_FALSE(smtp_valid_helo("bad host"));
	CU_ASSERT_FALSE(smtp_valid_helo("a..b"));
	CU_ASSERT_FALSE(smtp_valid_helo(""));
}

/* The result of feeding a DATA stream in pieces of step. */
struct data_out {
	char	buf[8192];
	size_t	len;
	size_t	consumed;
	bool	done;
	struct smtp_data d;
};

static void
feed_data(const char *in, size_t len, size_t step, struct data_out *r)
{
	char out[sizeof(r->buf) + SMTP_DATA_SLACK];
	size_t off = 0, n, used, olen;

	memset(r, 0, sizeof(*r));
	smtp_data_init(&r->d);
	while (off < len && !smtp_data_done(&r->d)) {
		n = len - off < step ? len - off : step;
		used = smtp_data_feed(&r->d, in + off, n, out, &olen);
		CU_ASSERT_TRUE_FATAL(olen <= n + SMTP_DATA_SLACK);
		CU_ASSERT_TRUE_FATAL(r->len + olen <= sizeof(r->buf));
		memcpy(r->buf + r->len, out, olen);
		r->len += olen;
		off += used;
	}
	r->consumed = off;
	r->done = smtp_data_done(&r->d);
}

struct data_case {
	const char	*in;
	const char	*out;		/* content, NULL: not ended */
	size_t		 rest;		/* octets left after the end */
	bool		 toolong, nul, bare_lf;
};

static void
run_case(const struct data_case *c, size_t inlen)
{
	static const size_t steps[] = { 1, 2, 3, 5, 8192 };
	struct data_out r;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		feed_data(c->in, inlen, steps[i], &r);
		if (c->out == NULL) {
			CU_ASSERT_FALSE(r.done);
			CU_ASSERT_EQUAL(r.consumed, inlen);
		} else {
			if (!r.done || r.len != strlen(c->out) ||
			    memcmp(r.buf, c->out, r.len) != 0)
				fprintf(stderr, "\ncase %s step %zu: got "
				    "\"%.*s\" done %d\n", c->in, steps[i],
				    (int)r.len, r.buf, r.done);
			CU_ASSERT_TRUE(r.done);
			CU_ASSERT_EQUAL(r.len, strlen(c->out));
			CU_ASSERT_EQUAL(memcmp(r.buf, c->out, r.len), 0);
			CU_ASSERT_EQUAL(inlen - r.consumed, c->rest);
			CU_ASSERT_EQUAL(r.d.size, r.len);
		}
		CU_ASSERT_EQUAL(r.d.toolong, c->toolong);
		CU_ASSERT_EQUAL(r.d.nul, c->nul);
		CU_ASSERT_EQUAL(r.d.bare_lf, c->bare_lf);
	}
}

static void
test_data(void)
{
	static const struct data_case cases[] = {
		{ ".\r\n", "", 0, false, false, false },
		{ "a\r\n.\r\n", "a\r\n", 0, false, false, false },
		{ "a\r\nb\r\n.\r\nMAIL", "a\r\nb\r\n", 4, false, false,
		    false },
		/* dot-unstuffing */
		{ "..a\r\n..\r\n.\r\n", ".a\r\n.\r\n", 0, false, false,
		    false },
		{ ".x\r\n.\r\n", "x\r\n", 0, false, false, false },
		/* smuggling: bare LF never ends a line */
		{ "a\n.\n", NULL, 0, false, false, true },
		{ "a\n.\r\n", NULL, 0, false, false, true },
		{ "a\r\n.\n", NULL, 0, false, false, true },
		{ "a\n.\n\r\n.\r\n", "a\n.\n\r\n", 0, false, false, true },
		{ "a\r.\r\n.\r\n", "a\r.\r\n", 0, false, false, false },
		{ "a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", 0, false, false,
		    false },
		{ "\r\r\n.\r\n", "\r\r\n", 0, false, false, false },
		{ "a\r\n. \r\n.\r\n", "a\r\n \r\n", 0, false, false, false },
	};
	static char nul[] = "a\0b\r\n.\r\n";
	struct data_case c;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], strlen(cases[i].in));
	c = (struct data_case){ nul, NULL, 0, false, true, false };
	{
		struct data_out r;

		feed_data(nul, sizeof(nul) - 1, 1, &r);
		CU_ASSERT_TRUE(r.done);
		CU_ASSERT_TRUE(r.d.nul);
		CU_ASSERT_EQUAL(r.len, 5);
		feed_data(nul, sizeof(nul) - 1, 100, &r);
		CU_ASSERT_TRUE(r.d.nul && r.done);
	}
	(void)c;
	/* 998 + CRLF passes, 999 + CRLF is too long. */
	big = malloc(2100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'x', 998);
	strcpy(big + 998, "\r\n.\r\n");
	c = (struct data_case){ big, NULL, 0, false, false, false };
	{
		struct data_out r;

		feed_data(big, strlen(big), 1, &r);
		CU_ASSERT_TRUE(r.done && !r.d.toolong);
		memset(big, 'x', 999);
		strcpy(big + 999, "\r\n.\r\n");
		feed_data(big, strlen(big), 7, &r);
		CU_ASSERT_TRUE(r.done && r.d.toolong);
		/* A stuffed dot counts as sent. */
		big[0] = '.';
		memset(big + 1, 'x', 998);
		strcpy(big + 999, "\r\n.\r\n");
		feed_data(big, strlen(big), 4096, &r);
		CU_ASSERT_TRUE(r.done && r.d.toolong);
	}
	free(big);
}

static int
suite_smtp(void)
{
	static const struct unit_test tests[] = {
		{ "line assembly", test_line },
		{ "verbs", test_verbs },
		{ "MAIL FROM", test_mail },
		{ "RCPT TO and HELO", test_rcpt },
		{ "DATA state machine", test_data },
		{ NULL, NULL },
	};

	return unit_add_suite("smtp", tests);
}

UNIT_REGISTER(suite_smtp);
