/*
 * maildir.h - the Maildir store of the front ends: delivery, listing,
 * reading, flag changes, deletion and tmp/ cleanup of Maildirs that
 * live either on an NFS fileserver (spoken to through clients/nfs, no
 * kernel mount) or in a local directory (a node with a kernel mount).
 *
 * A store is one fileserver export or one local directory:
 *	nfs://host[:port]/export[?mountport=N]	(see nfsc_open)
 *	/absolute/path
 * A mailbox is (store, home path relative to the store such as
 * "12/34/tevie", uid, gid); its Maildir is <home>/Maildir, with tmp/,
 * new/ and cur/.  Every operation on a mailbox runs as its uid/gid:
 * over NFS that is the AUTH_SYS credential of every call, so the
 * fileserver's permission checks apply; on a local store a process
 * running as root switches the calling thread's fsuid, fsgid and
 * supplementary groups (to just gid) around each operation, and any
 * other process simply acts as itself.
 *
 * Delivery follows the Maildir spec: a unique name
 * time.M<usec>P<pid>Q<n>.<host>, created exclusively in tmp/, written,
 * made durable (fsync; over NFS FILE_SYNC writes, or COMMIT with a
 * write-verifier check and the data written again on a changed
 * verifier), then renamed into new/ as <name>,S=<size>,W=<crlf size>
 * (W: the size with every line end a CRLF and the last line ended, the
 * RFC 1939 size POP3 reports, so listing needs no reads).  Only then is
 * success reported; on any failure nothing is left in new/ and the tmp
 * file is removed where possible.
 *
 * Errors are values: every call returns MAILDIR_OK or a
 * MAILDIR_E* class (MAILDIR_ETEMP: try again later), and
 * maildir_error() says what failed.  A store and its mailboxes are
 * used by one thread at a time (open one store per thread, or take one
 * from the pool).
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAILDIR_SUBDIR		"Maildir"
#define MAILDIR_ERRLEN		256
#define MAILDIR_NAME_MAX	255	/* a file name in new/ or cur/ */
#define MAILDIR_PATH_MAX	1024	/* a path below the store root */
#define MAILDIR_HOST_MAX	64	/* the host part of unique names */
#define MAILDIR_UIDL_MAX	70	/* RFC 1939 */
#define MAILDIR_MSG_MAX		((uint64_t)1 << 30)	/* bytes */
#define MAILDIR_LIST_MAX	1000000	/* messages listed */
#define MAILDIR_TMP_MAX_AGE	(36 * 60 * 60)	/* seconds, per spec */
#define MAILDIR_CLEAN_MAX	10000	/* tmp/ files per call */

enum maildir_status {
	MAILDIR_OK = 0,
	MAILDIR_ETEMP,		/* I/O error, server unreachable: retry */
	MAILDIR_EPERM,		/* permission denied */
	MAILDIR_ENOENT,		/* no such mailbox or message */
	MAILDIR_EEXIST,
	MAILDIR_EINVAL,		/* a bad argument, path, name or URL */
	MAILDIR_ETOOBIG,	/* over one of the limits above */
	MAILDIR_ENOSPC,		/* file system full or over quota */
};

/* Message flags, as the letters after ":2," (kept in ASCII order). */
#define MAILDIR_F_DRAFT		0x01	/* D */
#define MAILDIR_F_FLAGGED	0x02	/* F */
#define MAILDIR_F_PASSED	0x04	/* P */
#define MAILDIR_F_REPLIED	0x08	/* R */
#define MAILDIR_F_SEEN		0x10	/* S */
#define MAILDIR_F_TRASHED	0x20	/* T */
#define MAILDIR_F_ALL		0x3f

struct maildir_store;
struct maildir;
struct maildir_delivery;

/* "MAILDIR_ETEMP", ... */
const char *maildir_strstatus(int status);

/* Stores. */
struct maildir_store *maildir_store_open(const char *url, char *err,
	    size_t errlen);
void	maildir_store_close(struct maildir_store **store);
const char *maildir_store_url(const struct maildir_store *store);
/*
 * The daemons' pool of open stores (pool.c), shared by their threads:
 * take a store for a session (an idle one of that URL, or a new one;
 * NULL with err filled), give it back after (it stays open for the next
 * taker; closed if the pool is full).  Drain closes every idle one.
 */
#define MAILDIR_POOL_IDLE	256	/* idle stores kept */
#define MAILDIR_POOL_IDLE_SECS	300	/* then closed, not reused */
struct maildir_store *maildir_pool_take(const char *url, char *err,
	    size_t errlen);
void	maildir_pool_give(struct maildir_store **store);
void	maildir_pool_drain(void);
/* Bytes free for users (FSSTAT abytes or statvfs f_bavail). */
int	maildir_store_avail(struct maildir_store *store, uint64_t *avail,
	    char *err, size_t errlen);

/*
 * Provisioning (mailctl useradd): as the store's root (the NFS export
 * must map the admin host's root to root, -maproot=root), create the
 * missing directories of path (mode 0755, owned by root), then path
 * itself, path/Maildir and its tmp/, new/ and cur/, each mode 0700 and
 * owned by uid:gid (existing ones are chowned and chmodded too).
 */
int	maildir_create(struct maildir_store *store, const char *path,
	    uint32_t uid, uint32_t gid, char *err, size_t errlen);

/*
 * A mailbox.  No I/O happens here: a missing Maildir shows up as
 * MAILDIR_ENOENT from the first operation.  NULL with err filled when
 * path is not a clean relative path (no "..", "." or empty parts).
 */
struct maildir *maildir_open(struct maildir_store *store, const char *path,
	    uint32_t uid, uint32_t gid, char *err, size_t errlen);
void	maildir_close(struct maildir **md);
/* What the last failed call on md was about. */
const char *maildir_error(const struct maildir *md);

/*
 * Unique names.  The host part defaults to gethostname(); a front end
 * sets its configured name (every delivering host needs its own).  '/'
 * and ':' become \057 and \072, as the spec says.
 */
int	maildir_set_hostname(const char *host);
/* time.M<usec>P<pid>Q<n>.<host>, with the next Q of this process. */
int	maildir_uniq(char *buf, size_t len);
/* The same from its parts (for tests and reproducible names). */
int	maildir_uniq_format(char *buf, size_t len, time_t sec, long usec,
	    long pid, unsigned long q, const char *host);
/* The ,S=<size> in name (before any ':'); false if there is none. */
bool	maildir_name_size(const char *name, uint64_t *size);
/* The ,W=<crlf size> in name (before any ':'); false if there is none. */
bool	maildir_name_vsize(const char *name, uint64_t *vsize);

/*
 * Flags: parse the "2,FLAGS" info of name ("uniq:2,FRS"; no info is no
 * flags); unknown letters are ignored, an info not starting with "2,"
 * is MAILDIR_EINVAL.  Format writes "2,<letters>" in ASCII order.
 */
int	maildir_flags_parse(const char *name, unsigned *flags);
int	maildir_flags_format(unsigned flags, char *buf, size_t len);
/*
 * The POP3 UIDL of name: its unique part, before ':', when that is 1 to
 * 70 characters in 0x21..0x7e, otherwise the hex SHA-256 of it.
 */
int	maildir_uidl(const char *name, char *buf, size_t len);

/* Delivery: begin, write the message in chunks, then commit or abort. */
struct maildir_delivery *maildir_deliver_begin(struct maildir *md);
int	maildir_deliver_write(struct maildir_delivery *d, const void *buf,
	    size_t len);
/*
 * Make the message durable and move it into new/; name (may be NULL)
 * receives its final name.  Frees d, whatever the outcome.
 */
int	maildir_deliver_commit(struct maildir_delivery **d, char *name,
	    size_t namelen);
/* Remove the tmp file and free d. */
void	maildir_deliver_abort(struct maildir_delivery **d);
/* All of it in one call. */
int	maildir_deliver(struct maildir *md, const void *buf, size_t len,
	    char *name, size_t namelen);

/* Listing new/ and cur/. */
enum maildir_sub {
	MAILDIR_NEW,
	MAILDIR_CUR,
};

struct maildir_msg {
	char		*name;		/* file name in sub */
	enum maildir_sub sub;
	uint64_t	 size;		/* from ,S= or the attributes */
	uint64_t	 vsize;		/* from ,W=: the CRLF size */
	bool		 vsized;	/* the name had ,W= */
	unsigned	 flags;
	time_t		 mtime;		/* 0 when not known */
};

struct maildir_list {
	struct maildir_msg *msgs;	/* oldest first (by name time) */
	size_t		 n;
};

/* At most max messages (0: MAILDIR_LIST_MAX), else MAILDIR_ETOOBIG. */
int	maildir_list(struct maildir *md, struct maildir_list *list,
	    size_t max);
void	maildir_list_free(struct maildir_list *list);

/*
 * Reading calls cb with successive pieces of the message (bounded
 * buffers, never all of it at once); a non-zero return from cb stops
 * the read and is returned.  A message moved away meanwhile (to cur/
 * by another front end) is found again by its unique part.
 */
typedef int (*maildir_read_cb)(const void *buf, size_t len, void *arg);
int	maildir_read(struct maildir *md, const struct maildir_msg *msg,
	    maildir_read_cb cb, void *arg);
/* POP3 TOP: the header, the empty line, then lines body lines. */
int	maildir_top(struct maildir *md, const struct maildir_msg *msg,
	    unsigned long lines, maildir_read_cb cb, void *arg);

/*
 * The TOP filter on its own: feed it the message in pieces; each call
 * says how much of the piece to pass on, and sets done after the last
 * wanted line.  Lines end at '\n' (a CRLF ends at its LF).
 */
struct maildir_topf {
	unsigned long	body_lines;	/* still to pass */
	bool		in_body;
	bool		line_start;	/* at the start of a line */
	bool		line_blank;	/* so far empty or "\r" */
	bool		done;
};
void	maildir_topf_init(struct maildir_topf *t, unsigned long lines);
size_t	maildir_topf_feed(struct maildir_topf *t, const char *buf,
	    size_t len);

/*
 * Set the flags of msg, moving it to cur/ as <uniq>:2,<flags>
 * (MAILDIR_F_SEEN marks it seen); msg->name, sub and flags follow.
 */
int	maildir_set_flags(struct maildir *md, struct maildir_msg *msg,
	    unsigned flags);
/*
 * Remove msg, wherever its unique part now lives; a message that is
 * gone already is not an error.
 */
int	maildir_delete(struct maildir *md, const struct maildir_msg *msg);

/*
 * Remove the tmp/ files last modified more than MAILDIR_TMP_MAX_AGE
 * before now (at most MAILDIR_CLEAN_MAX of them per call).
 */
int	maildir_clean_tmp(struct maildir *md, time_t now, unsigned *removed);

#endif
