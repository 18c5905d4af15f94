/*
 * test_pop3.c - pop3d's pure parts (clients/pop3d/parse.c): command
 * line assembly fed whole and byte by byte (CRLF, bare LF, over-long
 * lines, NUL), command parsing (keywords in any case, argument counts,
 * PASS with spaces, message numbers), the RETR/TOP encoder (bare LF to
 * CRLF, byte-stuffing, the terminator, the RFC 1939 size count) fed
 * whole and byte by byte, and AUTH PLAIN's base64 and SASL message.
 *
 * pop3d's objects are not in the unit-test link, so parse.c (which
 * has no dependencies) is compiled into this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/pop3d/parse.h"
#include "unit.h"

#define OUT_MAX		4096

/* Feed all of in, step bytes at a time; collect the lines. */
static int
feed_lines(const char *in, size_t len, size_t step, char lines[][64],
    int *status, int max)
{
	struct pop3_line l;
	size_t pos = 0, used, n;
	int count = 0;

	pop3_line_reset(&l);
	while (pos < len && count < max) {
		n = len - pos < step ? len - pos : step;
		enum pop3_line_status st = pop3_line_feed(&l, in + pos, n,
		    &used);
		CU_ASSERT(used <= n);
		pos += used;
		if (st == POP3_LINE_MORE)
			continue;
		status[count] = st;
		snprintf(lines[count], 64, "%.63s", l.buf);
		count++;
	}
	return count;
}

static void
test_lines(void)
{
	static const char in[] = "USER tevie\r\nPASS a b\nSTAT\r\n\r\npartial";
	static const size_t steps[] = { 1, 2, 3, 7, sizeof(in) };
	char lines[8][64];
	int status[8];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int n = feed_lines(in, sizeof(in) - 1, steps[i], lines,
		    status, 8);

		CU_ASSERT_EQUAL(n, 4);
		CU_ASSERT_STRING_EQUAL(lines[0], "USER tevie");
		CU_ASSERT_STRING_EQUAL(lines[1], "PASS a b");
		CU_ASSERT_STRING_EQUAL(lines[2], "STAT");
		CU_ASSERT_STRING_EQUAL(lines[3], "");
		CU_ASSERT_EQUAL(status[0], POP3_LINE_DONE);
	}
}

static void
test_long_lines(void)
{
	size_t len = POP3_LINE_MAX + 100, step;
	char *in = malloc(len + 16);
	char lines[4][64];
	int status[4], n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	memset(in, 'x', len);
	memcpy(in + len, "\r\nNOOP\r\n", 8);
	for (step = 1; step <= 4096; step *= 8) {
		n = feed_lines(in, len + 8, step, lines, status, 4);
		CU_ASSERT_EQUAL(n, 2);
		CU_ASSERT_EQUAL(status[0], POP3_LINE_TOOLONG);
		CU_ASSERT_EQUAL(status[1], POP3_LINE_DONE);
		CU_ASSERT_STRING_EQUAL(lines[1], "NOOP");
	}
	/* Exactly POP3_LINE_MAX bytes fit. */
	n = feed_lines(in + 100, POP3_LINE_MAX + 8, 1, lines, status, 4);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(status[0], POP3_LINE_DONE);
	/* A NUL spoils the line. */
	n = feed_lines("US\0ER x\r\nQUIT\r\n", 15, 1, lines, status, 4);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(status[0], POP3_LINE_TOOLONG);
	CU_ASSERT_STRING_EQUAL(lines[1], "QUIT");
	free(in);
}

static int
parse(const char *text, struct pop3_cmd *cmd, char *buf)
{
	strcpy(buf, text);
	return pop3_parse(buf, cmd);
}

static void
test_parse(void)
{
	struct pop3_cmd c;
	char buf[256];

	CU_ASSERT_EQUAL(parse("user tevie", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_USER);
	CU_ASSERT_EQUAL(c.nargs, 1);
	CU_ASSERT_STRING_EQUAL(c.args[0], "tevie");
	CU_ASSERT_EQUAL(parse("PASS secret with spaces ", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_PASS);
	CU_ASSERT_STRING_EQUAL(c.rest, "secret with spaces ");
	CU_ASSERT_EQUAL(parse("PASS", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("Stat", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_STAT);
	CU_ASSERT_EQUAL(parse("STAT 1", &c, buf), -1);
	CU_ASSERT_EQUAL(c.verb, POP3_STAT);
	CU_ASSERT_EQUAL(parse("LIST", &c, buf), 0);
	CU_ASSERT_EQUAL(c.nargs, 0);
	CU_ASSERT_EQUAL(parse("LIST 3", &c, buf), 0);
	CU_ASSERT_STRING_EQUAL(c.args[0], "3");
	CU_ASSERT_EQUAL(parse("LIST 3 4", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("TOP 1 10", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_TOP);
	CU_ASSERT_STRING_EQUAL(c.args[1], "10");
	CU_ASSERT_EQUAL(parse("TOP 1", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("RETR", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("AUTH PLAIN dGVzdA==", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_AUTH);
	CU_ASSERT_EQUAL(c.nargs, 2);
	CU_ASSERT_EQUAL(parse("XYZZY", &c, buf), -1);
	CU_ASSERT_EQUAL(c.verb, POP3_BAD);
	CU_ASSERT_EQUAL(parse("", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("QUITX", &c, buf), -1);
	CU_ASSERT_EQUAL(parse("capa", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_CAPA);
	CU_ASSERT_EQUAL(parse("STLS", &c, buf), 0);
	CU_ASSERT_EQUAL(c.verb, POP3_STLS);
}

static void
test_numbers(void)
{
	CU_ASSERT_EQUAL(pop3_msgno("1", 3), 1);
	CU_ASSERT_EQUAL(pop3_msgno("3", 3), 3);
	CU_ASSERT_EQUAL(pop3_msgno("4", 3), 0);
	CU_ASSERT_EQUAL(pop3_msgno("0", 3), 0);
	CU_ASSERT_EQUAL(pop3_msgno("-1", 3), 0);
	CU_ASSERT_EQUAL(pop3_msgno("+1", 3), 0);
	CU_ASSERT_EQUAL(pop3_msgno("1x", 3), 0);
	CU_ASSERT_EQUAL(pop3_msgno("99999999999999999999", 3), 0);
	CU_ASSERT_EQUAL(pop3_count("0"), 0);
	CU_ASSERT_EQUAL(pop3_count("10"), 10);
	CU_ASSERT_EQUAL(pop3_count(""), -1);
	CU_ASSERT_EQUAL(pop3_count("a"), -1);
}

/* Encode in, step bytes at a time; out NUL-terminated; its length. */
static size_t
encode(const char *in, size_t len, size_t step, bool stuff, bool term,
    char *out)
{
	struct pop3_enc e;
	size_t pos = 0, o = 0, n;

	pop3_enc_init(&e, stuff);
	while (pos < len) {
		n = len - pos < step ? len - pos : step;
		o += pop3_enc_feed(&e, in + pos, n, out + o);
		pos += n;
	}
	o += pop3_enc_finish(&e, term, out + o);
	out[o] = '\0';
	CU_ASSERT_EQUAL(e.out, o);
	return o;
}

static uint64_t
count(const char *in, size_t len, size_t step)
{
	struct pop3_enc e;
	size_t pos = 0, n;
	char tail[8];

	pop3_enc_init(&e, false);
	while (pos < len) {
		n = len - pos < step ? len - pos : step;
		pop3_enc_count(&e, in + pos, n);
		pos += n;
	}
	(void)pop3_enc_finish(&e, false, tail);
	return e.out;
}

static void
test_encode(void)
{
	static const struct {
		const char *in, *stuffed, *plain;
	} cases[] = {
		{ "a\nb\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n" },
		{ "a\r\nb\r\n", "a\r\nb\r\n.\r\n", "a\r\nb\r\n" },
		{ ".\n..x\n", "..\r\n...x\r\n.\r\n", ".\r\n..x\r\n" },
		{ "x\n.y", "x\r\n..y\r\n.\r\n", "x\r\n.y\r\n" },
		{ "a.b\r\n.\r\n", "a.b\r\n..\r\n.\r\n", "a.b\r\n.\r\n" },
		{ "", ".\r\n", "" },
		{ "cr\rin\n", "cr\rin\r\n.\r\n", "cr\rin\r\n" },
		{ "end\r", "end\r\n.\r\n", "end\r\n" },
	};
	static const size_t steps[] = { 1, 2, 3, 64 };
	char out[OUT_MAX];
	size_t i, j, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			len = strlen(cases[i].in);
			encode(cases[i].in, len, steps[j], true, true, out);
			CU_ASSERT_STRING_EQUAL(out, cases[i].stuffed);
			encode(cases[i].in, len, steps[j], false, false, out);
			CU_ASSERT_STRING_EQUAL(out, cases[i].plain);
			/* The size is what RETR sends, unstuffed. */
			CU_ASSERT_EQUAL(count(cases[i].in, len, steps[j]),
			    strlen(cases[i].plain));
		}
}

static void
test_b64(void)
{
	unsigned char out[64];

	CU_ASSERT_EQUAL(pop3_b64_decode("", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zm9v", out, sizeof(out)), 3);
	CU_ASSERT_EQUAL(memcmp(out, "foo", 3), 0);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zm8=", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(memcmp(out, "fo", 2), 0);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zg==", out, sizeof(out)), 1);
	CU_ASSERT_EQUAL(out[0], 'f');
	CU_ASSERT_EQUAL(pop3_b64_decode("Zg=", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(pop3_b64_decode("Z=g=", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zg==Zg==", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zm9v!!!!", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(pop3_b64_decode("Zm9vYmFy", out, 5), -1);
}

static void
test_sasl_plain(void)
{
	char user[POP3_NAME_MAX + 1], pass[POP3_NAME_MAX + 1];

	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "\0tevie\0s3cret", 13, user, sizeof(user), pass, sizeof(pass)),
	    0);
	CU_ASSERT_STRING_EQUAL(user, "tevie");
	CU_ASSERT_STRING_EQUAL(pass, "s3cret");
	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "tevie\0tevie\0pw", 14, user, sizeof(user), pass, sizeof(pass)),
	    0);
	/* Acting as someone else is not allowed. */
	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "root\0tevie\0pw", 13, user, sizeof(user), pass, sizeof(pass)),
	    -1);
	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "\0\0pw", 4, user, sizeof(user), pass, sizeof(pass)), -1);
	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "\0tevie", 6, user, sizeof(user), pass, sizeof(pass)), -1);
	CU_ASSERT_EQUAL(pop3_sasl_plain((const unsigned char *)
	    "\0tevie\0p\0w", 10, user, sizeof(user), pass, sizeof(pass)),
	    -1);
}

static int
suite_pop3(void)
{
	static const struct unit_test tests[] = {
		{ "line assembly, whole and byte by byte", test_lines },
		{ "over-long lines and NUL", test_long_lines },
		{ "command parsing", test_parse },
		{ "message numbers and counts", test_numbers },
		{ "CRLF, byte-stuffing and sizes", test_encode },
		{ "base64", test_b64 },
		{ "SASL PLAIN message", test_sasl_plain },
		{ NULL, NULL },
	};

	return unit_add_suite("pop3", tests);
}

UNIT_REGISTER(suite_pop3);
