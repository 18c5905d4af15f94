/*
 * pop3d.h - the POP3 front end's shared types: the running
 * configuration (reference-counted, replaced on SIGHUP), the session,
 * and the functions each file of pop3d provides.
 *
 * Concurrency: one thread per session, at most pop3_max_clients of
 * them; each session opens its own userdb handle and takes a Maildir
 * store (one NFS connection) from the process's pool for its time, so
 * sessions share nothing but the configuration snapshot, the TLS
 * context and the idle stores of the pool.
 */
#ifndef POP3D_H
#define POP3D_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "conf.h"
#include "maildir.h"
#include "parse.h"
#include "userdb.h"

#define POP3_GRACE_SECS		30	/* SIGTERM: sessions may finish */
#define POP3_AUTH_DELAY_MS	1000	/* after each failed login */
#define POP3_AUTH_MAX_FAILS	3	/* then the session is closed */
#define POP3_MAX_BAD_CMDS	10	/* syntax errors, then closed */
#define POP3_TLS_TIMEOUT	30	/* seconds for the handshake */
#define POP3_POLL_MS		1000	/* wake-up to notice shutdown */
#define POP3_IO_CHUNK		(16 * 1024)
#define POP3_LIST_MAX		100000	/* messages in one mailbox */
#define POP3_ADDR_MAX		64	/* a printed peer address */

/* The configuration in force; sessions hold a reference. */
struct pop3_cfg {
	atomic_int	 refs;
	struct conf	*conf;
	SSL_CTX		*tls;		/* NULL: no STLS */
	bool		 plaintext_anywhere;
};

struct pop3_cfg *cfg_acquire(void);
void	cfg_release(struct pop3_cfg **cfg);

/* Set by signal handling in main.c. */
extern atomic_bool pop3_shutdown;

/* One message of a session. */
struct pop3_msg {
	struct maildir_msg	*m;		/* in the session's list */
	uint64_t		 size;		/* CRLF size; valid if sized */
	bool			 sized;
	bool			 deleted;
	bool			 seen;		/* RETR'd: flag S at QUIT */
};

enum pop3_state {
	POP3_AUTHORIZATION,
	POP3_TRANSACTION,
	POP3_UPDATE,
};

struct pop3_lock;

struct pop3_session {
	unsigned long		 id;
	int			 fd;
	SSL			*ssl;
	struct pop3_cfg		*cfg;
	char			 peer[POP3_ADDR_MAX];
	bool			 loopback;
	enum pop3_state		 state;
	/* input */
	char			 in[POP3_IO_CHUNK];
	size_t			 inpos, inlen;
	struct pop3_line	 line;
	/* output */
	char			 out[POP3_IO_CHUNK * (POP3_ENC_EXPAND + 1)];
	size_t			 outlen;
	bool			 failed;	/* I/O error: stop */
	/* authorization */
	char			 user[POP3_NAME_MAX + 1];
	unsigned		 auth_fails;
	unsigned		 bad_cmds;
	/* transaction */
	struct maildir_store	*store;
	struct maildir		*md;
	struct pop3_lock	*lock;
	struct maildir_list	 list;
	struct pop3_msg		*msgs;
	size_t			 nmsgs;
};

/* session.c */
void	session_run(struct pop3_session *s);
int	session_write(struct pop3_session *s, const void *buf, size_t len);
int	session_reply(struct pop3_session *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	session_flush(struct pop3_session *s);
const char *session_read_line(struct pop3_session *s);
void	session_log(const struct pop3_session *s, enum log_level lvl,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* auth.c: USER/PASS, AUTH PLAIN, and opening the mailbox after. */
int	auth_init(void);
bool	auth_plaintext_ok(const struct pop3_session *s);
void	auth_user(struct pop3_session *s, const struct pop3_cmd *cmd);
void	auth_pass(struct pop3_session *s, const struct pop3_cmd *cmd);
void	auth_sasl(struct pop3_session *s, const struct pop3_cmd *cmd);

/* mailbox.c: the transaction and update states. */
int	mailbox_open(struct pop3_session *s, const struct userdb_user *u);
void	mailbox_command(struct pop3_session *s, const struct pop3_cmd *cmd);
void	mailbox_update(struct pop3_session *s);
void	mailbox_close(struct pop3_session *s);
void	mailbox_touch(struct pop3_session *s);

/* lock.c: one session per mailbox across the cluster. */
#define POP3_LOCK_NAME		"pop3d.lock"
#define POP3_LOCK_STALE		(15 * 60)	/* seconds unrefreshed */
#define POP3_LOCK_REFRESH	60		/* seconds between refreshes */
enum lock_result { LOCK_OK, LOCK_BUSY, LOCK_ERROR };
enum lock_result lock_take(struct maildir *md, const char *owner,
	    struct pop3_lock **out, char *err, size_t errlen);
void	lock_refresh(struct maildir *md, struct pop3_lock *l);
void	lock_release(struct maildir *md, struct pop3_lock **l);

/* tls.c */
int	tls_start(struct pop3_session *s);
void	tls_end(struct pop3_session *s);
ssize_t	tls_read(struct pop3_session *s, void *buf, size_t len);
ssize_t	tls_write(struct pop3_session *s, const void *buf, size_t len);

#endif
