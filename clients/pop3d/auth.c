/*
 * auth.c - logging in: USER/PASS (RFC 1939) and AUTH PLAIN (RFC 5034,
 * RFC 4616), both checked against the crypt hash of the userdb's
 * compiled cdb, then the mailbox is opened (mailbox.c).
 *
 * Unknown users and wrong passwords look the same from outside: the
 * same reply, and for an unknown user the password is checked against
 * a dummy hash made at start-up (the default $y$ hash), so the crypt
 * work is the same.  Every failure is counted and delayed by
 * POP3_AUTH_DELAY_MS times the session's failure count; after
 * POP3_AUTH_MAX_FAILS the session is closed.
 *
 * Plain-text logins (all of these are) are allowed over TLS (after
 * STLS) and from a loopback address; pop3d -P allows them from
 * anywhere (the config file has no key for it yet).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pop3d.h"

#define AUTH_FAIL_REPLY	"-ERR [AUTH] invalid user name or password"
#define AUTH_B64_MAX	((POP3_NAME_MAX * 3 + 2) * 4 / 3 + 4)

static char dummy_hash[USERDB_HASH_SIZE];

int
auth_init(void)
{
	unsigned char rnd[16];
	char pw[sizeof(rnd) * 2 + 1], err[256];
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(pw + 2 * i, 3, "%02x", rnd[i]);
	if (userdb_hash_password(pw, NULL, dummy_hash, sizeof(dummy_hash),
	    err, sizeof(err)) == -1) {
		log_warnx("dummy hash: %s", err);
		return -1;
	}
	return 0;
}

/* pop3_plaintext in the config; pop3d -P is "always". */
bool
auth_plaintext_ok(const struct pop3_session *s)
{
	if (s->ssl != NULL || s->cfg->plaintext_anywhere)
		return true;
	switch (s->cfg->conf->pop3_plaintext) {
	case CONF_PLAIN_ALWAYS:
		return true;
	case CONF_PLAIN_LOOPBACK:
		return s->loopback;
	default:
		return false;
	}
}

static void
delay_failure(struct pop3_session *s)
{
	unsigned ms = POP3_AUTH_DELAY_MS * s->auth_fails;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1)
		continue;
}

/*
 * Check user and pass; on success open the mailbox.  Replies either
 * way.
 */
static void
login(struct pop3_session *s, const char *user, const char *pass)
{
	struct userdb_cdb *db = NULL;
	struct userdb_user *u = NULL;
	const char *hash;
	char err[512];
	int r;

	if (userdb_cdb_open(s->cfg->conf->userdb_db, &db, err,
	    sizeof(err)) == -1 ||
	    (r = userdb_cdb_lookup(db, user, &u, err, sizeof(err))) ==
	    USERDB_ERROR) {
		session_log(s, LOG_LVL_WARN, "userdb: %s", err);
		(void)session_reply(s, "-ERR [SYS/TEMP] user database "
		    "unavailable, try later");
		userdb_cdb_close(&db);
		return;
	}
	userdb_cdb_close(&db);
	hash = r == USERDB_OK && u->systempw != NULL ? u->systempw :
	    dummy_hash;
	r = userdb_check_password(hash, pass) == USERDB_OK &&
	    hash != dummy_hash ? USERDB_OK : USERDB_MISMATCH;
	if (r != USERDB_OK) {
		s->auth_fails++;
		session_log(s, LOG_LVL_INFO, "login failed for %s from %s "
		    "(%u)", user, s->peer, s->auth_fails);
		delay_failure(s);
		(void)session_reply(s, AUTH_FAIL_REPLY);
		userdb_user_free(&u);
		return;
	}
	(void)snprintf(s->user, sizeof(s->user), "%s", user);
	if (mailbox_open(s, u) == 0)
		session_log(s, LOG_LVL_INFO, "%s logged in from %s%s", user,
		    s->peer, s->ssl != NULL ? " (TLS)" : "");
	else
		s->user[0] = '\0';
	userdb_user_free(&u);
}

static bool
refuse_plaintext(struct pop3_session *s)
{
	if (auth_plaintext_ok(s))
		return false;
	(void)session_reply(s, "-ERR [AUTH] plain-text login needs STLS "
	    "first");
	return true;
}

void
auth_user(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (refuse_plaintext(s))
		return;
	if (strlen(cmd->args[0]) > POP3_NAME_MAX) {
		(void)session_reply(s, "-ERR user name too long");
		return;
	}
	(void)snprintf(s->user, sizeof(s->user), "%s", cmd->args[0]);
	(void)session_reply(s, "+OK send PASS");
}

void
auth_pass(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	char user[POP3_NAME_MAX + 1];

	if (refuse_plaintext(s))
		return;
	if (s->user[0] == '\0') {
		(void)session_reply(s, "-ERR USER first");
		return;
	}
	(void)snprintf(user, sizeof(user), "%s", s->user);
	s->user[0] = '\0';
	if (strlen(cmd->rest) > POP3_NAME_MAX) {
		s->auth_fails++;
		delay_failure(s);
		(void)session_reply(s, AUTH_FAIL_REPLY);
		return;
	}
	login(s, user, cmd->rest);
}

void
auth_sasl(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	unsigned char msg[POP3_NAME_MAX * 3 + 2];
	char user[POP3_NAME_MAX + 1], pass[POP3_NAME_MAX + 1];
	const char *resp;
	long n;

	if (cmd->nargs == 0) {
		(void)session_reply(s, "+OK mechanisms follow");
		if (auth_plaintext_ok(s))
			(void)session_reply(s, "PLAIN");
		(void)session_reply(s, ".");
		return;
	}
	if (strcasecmp(cmd->args[0], "PLAIN") != 0) {
		(void)session_reply(s, "-ERR unsupported mechanism");
		return;
	}
	if (refuse_plaintext(s))
		return;
	if (cmd->nargs == 2)
		resp = cmd->args[1];
	else {
		(void)session_write(s, "+ \r\n", 4);
		if ((resp = session_read_line(s)) == NULL)
			return;
	}
	if (strcmp(resp, "*") == 0) {
		(void)session_reply(s, "-ERR authentication cancelled");
		return;
	}
	if (strcmp(resp, "=") == 0)
		resp = "";
	if (strlen(resp) > AUTH_B64_MAX ||
	    (n = pop3_b64_decode(resp, msg, sizeof(msg))) < 0 ||
	    pop3_sasl_plain(msg, (size_t)n, user, sizeof(user), pass,
	    sizeof(pass)) == -1) {
		OPENSSL_cleanse(msg, sizeof(msg));
		(void)session_reply(s, "-ERR malformed AUTH PLAIN response");
		s->auth_fails++;
		return;
	}
	OPENSSL_cleanse(msg, sizeof(msg));
	login(s, user, pass);
	OPENSSL_cleanse(pass, sizeof(pass));
}
