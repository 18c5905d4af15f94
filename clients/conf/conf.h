/*
 * conf.h - the front ends' one configuration file (default
 * /etc/mailcluster.conf), read by mxd, pop3d and mailctl alike.
 *
 * The file is "key value" lines; '#' starts a comment anywhere on a
 * line; blank lines are ignored; words are separated by blanks.  Every
 * key must be one of the table below, or the file is refused with
 * "FILE:LINE: key: message".  A program says which keys it uses (a
 * mask of CONF_K(CONF_...) bits): the values of the other known keys
 * are accepted and ignored by it, not even checked.  Scalar keys may
 * be given once; local_domains and mount may repeat.
 *
 * | key                 | value                           | default          |
 * |---------------------|---------------------------------|------------------|
 * | hostname            | this node's name (in Received:, | gethostname()    |
 * |                     | greetings, Maildir unique names)|                  |
 * | local_domains       | domains mail is accepted for,   | none             |
 * |                     | space or comma separated        |                  |
 * | userdb              | the userdb text file            | /etc/userdb      |
 * | userdb_db           | its compiled cdb (makedb)       | /etc/userdb.cdb  |
 * | mount PREFIX URL    | home prefix -> fileserver export| none             |
 * |                     | nfs://host[:port]/path[?opts] or|                  |
 * |                     | a local absolute directory      |                  |
 * | smtp_listen         | ADDR:PORT ... ([v6]:PORT)       | 0.0.0.0:25       |
 * | pop3_listen         | ADDR:PORT ...                   | 0.0.0.0:110      |
 * | tls_cert            | PEM certificate chain (STARTTLS)| none: no TLS     |
 * | tls_key             | its private key                 | none             |
 * | max_message_size    | bytes, K/M/G suffix (SMTP SIZE) | 10M              |
 * | smtp_max_recipients | RCPTs in one transaction        | 100 (RFC 5321)   |
 * | smtp_max_clients    | concurrent SMTP connections     | 1000             |
 * | smtp_idle_timeout   | seconds waiting for a command   | 300 (RFC 5321)   |
 * | pop3_max_clients    | concurrent POP3 connections     | 1000             |
 * | pop3_idle_timeout   | seconds before autologout       | 600 (RFC 1939)   |
 * | first_uid           | mailctl useradd's lowest uid    | 2000             |
 * | log_level           | error, warn, info or debug      | info             |
 * | pop3_plaintext      | where POP3 takes clear passwords:| loopback         |
 * |                     | tls (after STLS only), loopback |                  |
 * |                     | (or from 127/8, ::1), always     |                  |
 */
#ifndef CLIENTS_CONF_H
#define CLIENTS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CONF_DEFAULT_FILE	"/etc/mailcluster.conf"
#define CONF_MAX_FILE		(1024 * 1024)	/* bytes in the file */
#define CONF_MAX_LINE		4096		/* bytes in one line */
#define CONF_MAX_PATH		1024		/* a file or home path */
#define CONF_MAX_HOST		253		/* a DNS name */
#define CONF_MAX_URL		1024		/* a mount URL */
#define CONF_MAX_DOMAINS	256		/* local_domains, in all */
#define CONF_MAX_MOUNTS		256		/* mount lines */
#define CONF_MAX_LISTEN		8		/* addresses per *_listen */

/* The keys; CONF_K(key) is its bit in a program's mask. */
enum conf_key {
	CONF_HOSTNAME,
	CONF_LOCAL_DOMAINS,
	CONF_USERDB,
	CONF_USERDB_DB,
	CONF_MOUNT,
	CONF_SMTP_LISTEN,
	CONF_POP3_LISTEN,
	CONF_TLS_CERT,
	CONF_TLS_KEY,
	CONF_MAX_MESSAGE_SIZE,
	CONF_SMTP_MAX_RECIPIENTS,
	CONF_SMTP_MAX_CLIENTS,
	CONF_SMTP_IDLE_TIMEOUT,
	CONF_POP3_MAX_CLIENTS,
	CONF_POP3_IDLE_TIMEOUT,
	CONF_FIRST_UID,
	CONF_LOG_LEVEL,
	CONF_POP3_PLAINTEXT,
	CONF_NKEYS
};

#define CONF_K(key)		(1u << (key))
#define CONF_USES_ALL		((1u << CONF_NKEYS) - 1)
/* What each program reads (a suggestion; a program may pass its own). */
#define CONF_USES_COMMON	(CONF_K(CONF_HOSTNAME) | CONF_K(CONF_USERDB) | \
	    CONF_K(CONF_USERDB_DB) | CONF_K(CONF_MOUNT) | \
	    CONF_K(CONF_LOG_LEVEL))
#define CONF_USES_MXD		(CONF_USES_COMMON | \
	    CONF_K(CONF_LOCAL_DOMAINS) | CONF_K(CONF_SMTP_LISTEN) | \
	    CONF_K(CONF_TLS_CERT) | CONF_K(CONF_TLS_KEY) | \
	    CONF_K(CONF_MAX_MESSAGE_SIZE) | CONF_K(CONF_SMTP_MAX_RECIPIENTS) | \
	    CONF_K(CONF_SMTP_MAX_CLIENTS) | CONF_K(CONF_SMTP_IDLE_TIMEOUT))
#define CONF_USES_POP3D		(CONF_USES_COMMON | \
	    CONF_K(CONF_POP3_LISTEN) | CONF_K(CONF_TLS_CERT) | \
	    CONF_K(CONF_TLS_KEY) | CONF_K(CONF_POP3_MAX_CLIENTS) | \
	    CONF_K(CONF_POP3_IDLE_TIMEOUT) | CONF_K(CONF_POP3_PLAINTEXT))
#define CONF_USES_MAILCTL	(CONF_USES_COMMON | CONF_K(CONF_FIRST_UID))

/* Where POP3 may take passwords in the clear (pop3_plaintext). */
enum conf_plaintext {
	CONF_PLAIN_LOOPBACK,	/* after STLS, or from a loopback address */
	CONF_PLAIN_TLS,		/* only after STLS */
	CONF_PLAIN_ALWAYS,	/* anywhere (a trusted private network) */
};

/* One address to listen on: numeric host (no brackets) and port. */
struct conf_listen {
	char		host[CONF_MAX_HOST + 1];
	uint16_t	port;
};

/* One mount line: home prefix (canonical, no trailing '/') and URL. */
struct conf_mount {
	char		*prefix;
	char		*url;
	bool		 local;		/* url is a local directory */
	int		 line;
};

struct conf {
	char			*file;		/* as given to conf_load */
	unsigned		 uses;		/* the program's key mask */
	char			*hostname;
	char			**domains;	/* lowercase */
	size_t			 ndomains;
	char			*userdb;
	char			*userdb_db;
	struct conf_mount	*mounts;
	size_t			 nmounts;
	struct conf_listen	 smtp_listen[CONF_MAX_LISTEN];
	size_t			 nsmtp_listen;
	struct conf_listen	 pop3_listen[CONF_MAX_LISTEN];
	size_t			 npop3_listen;
	char			*tls_cert;	/* NULL: no TLS */
	char			*tls_key;
	uint64_t		 max_message_size;
	unsigned		 smtp_max_recipients;
	unsigned		 smtp_max_clients;
	unsigned		 smtp_idle_timeout;	/* seconds */
	unsigned		 pop3_max_clients;
	unsigned		 pop3_idle_timeout;	/* seconds */
	uint32_t		 first_uid;
	enum log_level		 log_level;
	enum conf_plaintext	 pop3_plaintext;
};

/*
 * Read file with the keys in uses; on success *out holds the settings
 * (defaults for what the file does not set) and 0 is returned.  On
 * error returns -1 and writes "FILE:LINE: key: message" (or "FILE:
 * message" for a file that cannot be read) into err.
 */
int	conf_load(const char *file, unsigned uses, struct conf **out,
	    char *err, size_t errlen);
/* The same on len bytes of text; name stands for the file in errors. */
int	conf_parse_text(const char *name, const char *text, size_t len,
	    unsigned uses, struct conf **out, char *err, size_t errlen);
void	conf_free(struct conf **conf);

/* The name of a key ("max_message_size"), or NULL. */
const char *conf_key_name(enum conf_key key);
/* Whether host is one of the local domains (case-insensitive). */
bool	conf_is_local_domain(const struct conf *conf, const char *host);

/*
 * The mount whose prefix is home or a directory above it, the longest
 * such prefix winning ("/mail1" holds "/mail1/12/34/tevie" but not
 * "/mail10/x").  *rel is set to the part of home below the prefix
 * ("12/34/tevie", "" for the prefix itself).  home must be canonical:
 * absolute, no "//", no "." or ".." components, no trailing '/'.
 * Returns NULL, with the reason in err, when home is not canonical or
 * under no mount.
 */
const struct conf_mount *conf_mount_find(const struct conf *conf,
	    const char *home, const char **rel, char *err, size_t errlen);
/* The mount line with exactly this prefix ("/mail1"), or NULL. */
const struct conf_mount *conf_mount_by_prefix(const struct conf *conf,
	    const char *prefix);
/* Whether path is canonical in the sense of conf_mount_find. */
bool	conf_path_canonical(const char *path);

#endif
