/*
 * mxd.h - the SMTP receiver of the mail cluster: shared types of its
 * modules (main.c start-up, listening and signals; env.c a config
 * generation; session.c the SMTP dialogue; deliver.c the Maildir
 * copies of one message; tls.c STARTTLS and the session's I/O).
 *
 * Concurrency: one thread per session, capped by smtp_max_clients
 * (and MXD_PER_ADDR_DEFAULT or -p per client address); each session
 * takes its Maildir stores from the process's pool (they are
 * single-threaded objects; the pool keeps them mounted between
 * sessions) and gives them back when it ends.
 */
#ifndef MXD_H
#define MXD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "conf.h"
#include "log.h"
#include "maildir.h"
#include "smtp_data.h"
#include "smtp_parse.h"
#include "userdb.h"

#define MXD_NAME		"mxd"
#define MXD_MAX_ERRORS		10	/* bad commands before 421 */
#define MXD_PER_ADDR_DEFAULT	20	/* sessions per client address */
#define MXD_GRACE_DEFAULT	30	/* seconds to finish after SIGTERM */
#define MXD_IBUF		16384	/* input buffer of a session */
#define MXD_OBUF		8192	/* pending replies (pipelining) */
#define MXD_TLS_TIMEOUT		60	/* seconds for the TLS handshake */
#define MXD_ID_LEN		16	/* hex digits of a session id */
#define MXD_HELO_MAX		255	/* the HELO/EHLO argument kept */
#define MXD_ADDR_MAX		64	/* a printed client address */
#define MXD_TICK_MS		1000	/* poll slice: notices SIGTERM */
#define MXD_LISTEN_BACKLOG	128

/* One generation of the configuration, shared by sessions. */
struct mxd_env {
	struct conf		*conf;
	SSL_CTX			*tls;		/* NULL: no STARTTLS */
	struct userdb_cdb	*udb;
	pthread_mutex_t		 udb_lock;	/* the handle is not MT */
	unsigned		 refs;		/* under env_lock (env.c) */
};

/* env.c */
/* Load file into a new env (refs 1): 0, or -1 with err. */
int	env_load(const char *file, struct mxd_env **out, char *err,
	    size_t errlen);
/* Make env the current one (takes over the caller's reference). */
void	env_install(struct mxd_env *env);
/* A reference to the current env; env_put when done. */
struct mxd_env *env_get(void);
void	env_put(struct mxd_env **env);
/* userdb lookup under the env's lock: USERDB_OK/_NOTFOUND/_ERROR. */
int	env_lookup(struct mxd_env *env, const char *name,
	    struct userdb_user **out, char *err, size_t errlen);

/* One accepted recipient. */
struct mxd_rcpt {
	char		 addr[SMTP_PATH_MAX + 1];	/* as given */
	char		 name[USERDB_MAX_NAME + 1];	/* userdb name */
	uint32_t	 uid;
	uint32_t	 gid;
	char		 home[CONF_MAX_PATH + 1];
};

/* The mail transaction: MAIL, RCPTs, DATA. */
struct mxd_tx {
	bool			 active;	/* MAIL given */
	struct smtp_path	 from;
	struct smtp_mail_params	 params;
	struct mxd_rcpt		*rcpts;
	size_t			 nrcpts;
	unsigned		 n;		/* messages in this session */
};

struct mxd_msg;

struct mxd_session {
	char			 id[MXD_ID_LEN + 1];
	int			 fd;
	SSL			*ssl;		/* after STARTTLS */
	struct mxd_env		*env;
	char			 addr[MXD_ADDR_MAX];	/* client, printed */
	char			 helo[MXD_HELO_MAX + 1];	/* "" before */
	bool			 esmtp;		/* EHLO rather than HELO */
	bool			 quit;		/* close after the flush */
	unsigned		 errors;
	char			 ibuf[MXD_IBUF];
	size_t			 ipos;
	size_t			 ilen;
	char			 obuf[MXD_OBUF];
	size_t			 olen;
	bool			 io_failed;	/* writes fail: give up */
	struct smtp_line	 line;
	struct mxd_tx		 tx;
	struct maildir_store	**stores;	/* per mount, taken lazily */
};

/* session.c */
/* Run a session on an accepted socket (the thread's body). */
void	session_run(int fd, const struct sockaddr_storage *ss,
	    struct mxd_env *env);
/* Set by main on SIGTERM: sessions close when idle. */
bool	session_stopping(void);
void	session_set_stopping(void);

/* deliver.c */
/*
 * Begin one copy per recipient of the session's transaction: NULL
 * (with the reason logged) when any cannot be started.
 */
struct mxd_msg *deliver_begin(struct mxd_session *s);
/* Write to every copy; a failure sticks and shows at commit. */
void	deliver_write(struct mxd_msg *m, const void *buf, size_t len);
/*
 * Commit every copy: MAILDIR_OK only if all are in new/; otherwise the
 * ones committed are removed again and the error class is returned.
 * Frees m.
 */
int	deliver_commit(struct mxd_session *s, struct mxd_msg **m);
void	deliver_abort(struct mxd_msg **m);
/* Give the session's stores back to the pool. */
void	deliver_close_stores(struct mxd_session *s);

/* tls.c */
/* Handshake on the session's socket: 0, or -1 (logged). */
int	tls_start(struct mxd_session *s);
void	tls_end(struct mxd_session *s);
/*
 * Read into buf: >0 octets, 0 end of file, -1 error, -2 timeout after
 * timeout_s seconds, -3 stopping (SIGTERM) while idle_ok.
 */
ssize_t	io_read(struct mxd_session *s, void *buf, size_t len,
	    unsigned timeout_s, bool idle_ok);
/* Write all of buf: 0, or -1. */
int	io_write(struct mxd_session *s, const void *buf, size_t len);

#endif
