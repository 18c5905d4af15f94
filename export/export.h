/*
 * export.h - the exports table: FreeBSD exports(5) parsing and
 * client address matching.  Public to nfsd/ (MOUNT, per-request ACL).
 */
#ifndef EXPORT_EXPORT_H
#define EXPORT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define EXPORT_MAX_GIDS		16	/* AUTH_SYS limit, RFC 5531 */
#define EXPORT_MAX_LINE		8192	/* one logical line, after joining */
#define EXPORT_MAX_PATH		1024	/* MNTPATHLEN, RFC 1813 */
#define EXPORT_NOBODY		((uint32_t)-2)	/* FreeBSD default maproot */

/* A credential as -maproot/-mapall give it: uid, gid, supplementary gids. */
struct export_cred {
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	ngids;
	uint32_t	gids[EXPORT_MAX_GIDS];
};

enum export_target_kind {
	EXPORT_TARGET_WORLD,	/* no hosts and no -network on the line */
	EXPORT_TARGET_HOST,	/* one address (a host name may give several) */
	EXPORT_TARGET_NET,	/* -network with -mask or /prefix */
};

/* One client target of a line. */
struct export_target {
	enum export_target_kind	kind;
	int			family;		/* AF_INET or AF_INET6 */
	uint8_t			addr[16];	/* network byte order */
	unsigned		prefix;		/* bits; 32/128 for a host */
	char			*name;		/* as showmount -e prints it */
};

/* The options of one line. */
struct export_opts {
	bool			ro;		/* -ro, -o */
	bool			alldirs;	/* -alldirs */
	bool			resvport;	/* -resvport: source port < 1024 */
	bool			mapall_set;	/* -mapall given */
	bool			fsid_set;	/* -fsid given */
	uint64_t		fsid;
	struct export_cred	maproot;	/* default nobody (-2:-2) */
	struct export_cred	mapall;
};

/* One line of the file for a path: its options and its targets. */
struct export_group {
	struct export_opts	 opts;
	struct export_target	*targets;
	size_t			 ntargets;
	int			 line;		/* first line of the entry */
};

/* One exported directory, with every line that names it. */
struct export {
	char			*path;		/* absolute, canonical */
	uint32_t		 id;		/* stable: derived from the path */
	dev_t			 dev;		/* st_dev of the path */
	uint64_t		 fsid;		/* -fsid=N, else the id */
	int			 fsid_line;	/* where -fsid was given, or 0 */
	struct export_group	*groups;
	size_t			 ngroups;
};

/* The exports, sorted by id (export_by_id searches them). */
struct export_table {
	struct export		*exports;
	size_t			 nexports;
};

/*
 * Parse an exports file.  On error returns -1 and writes a message of
 * the form "FILE:LINE: WORD: what is wrong" into err.
 */
int	export_parse_file(const char *file, struct export_table **out,
	    char *err, size_t errlen);
/* The same on text in memory; name is used in error messages. */
int	export_parse_text(const char *name, const char *text,
	    struct export_table **out, char *err, size_t errlen);
void	export_table_free(struct export_table **table);

/* The export whose path is exactly path, or NULL. */
const struct export *export_find(const struct export_table *table,
	    const char *path);
/* The export with that id, or NULL. */
const struct export *export_by_id(const struct export_table *table,
	    uint32_t id);
/*
 * The export that contains path (itself or an ancestor), or NULL.
 * path must be canonical (no symlinks, no "..").
 */
const struct export *export_containing(const struct export_table *table,
	    const char *path);

/*
 * The group of exp that admits the client at sa, most specific target
 * first (host, then longest network prefix, then world), or NULL when
 * the client is not allowed.  IPv4-mapped IPv6 addresses match IPv4
 * targets.
 */
const struct export_group *export_match(const struct export *exp,
	    const struct sockaddr *sa, socklen_t salen);

/* The stable export id for a canonical path (truncated SHA-256). */
uint32_t export_path_id(const char *path);

/* Whether path is dir or inside it: "/a/b/c" is, "/a/bc" is not in "/a/b". */
bool	export_path_within(const char *dir, const char *path);

/*
 * Parse a -maproot/-mapall value, user[:group[:group...]].  On error
 * returns -1 and writes what is wrong (no file or line) into err.
 */
int	export_cred_parse(const char *spec, struct export_cred *cred,
	    char *err, size_t errlen);

#endif
