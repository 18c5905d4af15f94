/*
 * user.c - the mailctl commands: useradd, userdel, passwd, show, list
 * and makedb.  Every change to the text file is made under its lock
 * and written atomically; useradd creates the Maildir before the line
 * is written, so a user in the file always has a home.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailctl.h"

#define UID_MAX_VALID	((uint32_t)0xfffffffd)	/* below nobody (-2) */

struct add_opts {
	uint32_t	 uid, gid;
	bool		 uid_set, gid_set, password;
	const char	*customer;
	const char	*store;
};

static int
fail(struct mailctl *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say what went wrong; 1, a command's "failed" status. */
static int
fail(struct mailctl *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return 1;
}

static int
parse_id(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 ||
	    v > UID_MAX_VALID)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
read_password(char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -1;		/* longer than the buffer */
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Hash a password read from stdin into hash (USERDB_HASH_SIZE). */
static int
stdin_hash(struct mailctl *m, char *hash, size_t len)
{
	char pw[USERDB_MAX_PASSWORD + 2];
	int rc;

	if (read_password(pw, sizeof(pw)) == -1)
		return fail(m, "%s", "no password (one line) on stdin");
	rc = userdb_hash_password(pw, NULL, hash, len, m->err,
	    sizeof(m->err));
	explicit_bzero(pw, sizeof(pw));
	return rc == -1 ? 1 : 0;
}

static int
parse_add(struct mailctl *m, int argc, char **argv, struct add_opts *o)
{
	static const struct option longopts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "customer", required_argument, NULL, 'C' },
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* 0: glibc starts over (main used getopt) */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
		case 'g':
			if (parse_id(optarg, ch == 'u' ? &o->uid : &o->gid) ==
			    -1)
				return fail(m, "%s: not a uid or gid", optarg);
			*(ch == 'u' ? &o->uid_set : &o->gid_set) = true;
			break;
		case 'p':
			o->password = true;
			break;
		case 'C':
			o->customer = optarg;
			break;
		case 's':
			o->store = optarg;
			break;
		default:
			return 2;
		}
	}
	return optind == argc - 1 ? 0 : 2;
}

/* The uid: the one asked for if free, else the next free one. */
static int
choose_uid(struct mailctl *m, struct add_opts *o)
{
	if (o->uid_set && userdb_find_uid(m->db, o->uid) != NULL)
		return fail(m, "uid %u is in use", o->uid);
	if (!o->uid_set)
		o->uid = userdb_next_uid(m->db, m->conf->first_uid);
	if (o->uid == 0)
		return fail(m, "%s", "no free uid");
	if (!o->gid_set)
		o->gid = o->uid;
	return 0;
}

int
cmd_useradd(struct mailctl *m, int argc, char **argv)
{
	char home[MAILCTL_PATHLEN], hash[USERDB_HASH_SIZE] = "";
	const struct conf_mount *mnt;
	struct add_opts o;
	const char *name;
	int rc;

	if ((rc = parse_add(m, argc, argv, &o)) != 0)
		return rc == 2 ? fail(m, "%s", "usage: useradd NAME [--uid N] "
		    "[--gid N] [--password-stdin] [--customer ID] "
		    "[--store PREFIX]") + 1 : rc;
	name = argv[argc - 1];
	if (!userdb_name_valid(name))
		return fail(m, "%s: not a valid user name", name);
	if (o.password && (rc = stdin_hash(m, hash, sizeof(hash))) != 0)
		return rc;
	if (db_open(m, true) == -1)
		return 1;
	if (userdb_find(m->db, name) != NULL)
		return fail(m, "%s: user exists", name);
	if ((rc = choose_uid(m, &o)) != 0)
		return rc;
	if ((mnt = store_pick(m, o.store)) == NULL)
		return 1;
	if (userdb_home_path(mnt->prefix, name, home, sizeof(home)) == -1)
		return fail(m, "%s: home path too long", name);
	if (store_create_home(m, mnt, home, o.uid, o.gid) == -1)
		return 1;
	if (userdb_add_user(m->db, name, o.uid, o.gid, home, m->err,
	    sizeof(m->err)) == -1 ||
	    (hash[0] != '\0' && userdb_set_field(m->db, name, "systempw",
	    hash, m->err, sizeof(m->err)) == -1) ||
	    (o.customer != NULL && userdb_set_field(m->db, name, "customer",
	    o.customer, m->err, sizeof(m->err)) == -1) ||
	    db_save(m) == -1)
		return 1;
	printf("%s uid=%u gid=%u home=%s\n", name, o.uid, o.gid, home);
	return 0;
}

/* The one NAME argument of a command, after its options. */
static const char *
one_name(int argc, char **argv, int first)
{
	return first == argc - 1 ? argv[first] : NULL;
}

int
cmd_userdel(struct mailctl *m, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "purge", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct userdb_user *u;
	struct userdb_user *copy;
	const char *name;
	unsigned removed = 0;
	bool purge = false;
	int ch;

	optind = 0;	/* 0: glibc starts over (main used getopt) */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (ch == 'p')
			purge = true;
		else
			return 2;
	if ((name = one_name(argc, argv, optind)) == NULL)
		return fail(m, "%s", "usage: userdel NAME [--purge]") + 1;
	if (db_open(m, true) == -1)
		return 1;
	if ((u = userdb_find(m->db, name)) == NULL)
		return fail(m, "%s: no such user", name);
	if ((copy = userdb_user_dup(u)) == NULL)
		return fail(m, "%s", strerror(errno));
	if (userdb_remove(m->db, name) == -1 || db_save(m) == -1) {
		userdb_user_free(&copy);
		return 1;
	}
	if (purge && store_purge(m, copy->home, copy->uid, copy->gid,
	    &removed) == -1) {
		userdb_user_free(&copy);
		return 1;
	}
	printf("%s removed%s", name, purge ? "" : "\n");
	if (purge)
		printf(", %u messages of %s deleted\n", removed, copy->home);
	userdb_user_free(&copy);
	return 0;
}

int
cmd_passwd(struct mailctl *m, int argc, char **argv)
{
	char hash[USERDB_HASH_SIZE];
	const char *name;
	int rc;

	if ((name = one_name(argc, argv, 1)) == NULL)
		return fail(m, "%s", "usage: passwd NAME (password on stdin)") +
		    1;
	if ((rc = stdin_hash(m, hash, sizeof(hash))) != 0)
		return rc;
	if (db_open(m, true) == -1)
		return 1;
	if (userdb_find(m->db, name) == NULL)
		return fail(m, "%s: no such user", name);
	if (userdb_set_field(m->db, name, "systempw", hash, m->err,
	    sizeof(m->err)) == -1 || db_save(m) == -1)
		return 1;
	printf("%s: password changed\n", name);
	return 0;
}

static void
print_user(const struct userdb_user *u)
{
	char line[USERDB_MAX_LINE + 1];

	if (userdb_format_user(u, line, sizeof(line)) >= 0)
		printf("%s\n", line);
}

int
cmd_show(struct mailctl *m, int argc, char **argv)
{
	const struct userdb_user *u;
	const char *name;

	if ((name = one_name(argc, argv, 1)) == NULL)
		return fail(m, "%s", "usage: show NAME") + 1;
	if (db_open(m, false) == -1)
		return 1;
	if ((u = userdb_find(m->db, name)) == NULL)
		return fail(m, "%s: no such user", name);
	print_user(u);
	return 0;
}

int
cmd_list(struct mailctl *m, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "customer", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct userdb_user *u;
	const char *customer = NULL;
	size_t i;
	int ch;

	optind = 0;	/* 0: glibc starts over (main used getopt) */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (ch == 'C')
			customer = optarg;
		else
			return 2;
	if (optind != argc)
		return fail(m, "%s", "usage: list [--customer ID]") + 1;
	if (db_open(m, false) == -1)
		return 1;
	for (i = 0; i < m->db->nentries; i++) {
		if (m->db->entries[i].raw != NULL)
			continue;
		u = &m->db->entries[i].user;
		if (customer == NULL || (u->customer != NULL &&
		    strcmp(u->customer, customer) == 0))
			printf("%s\t%u\t%s\t%s\n", u->name, u->uid, u->home,
			    u->customer != NULL ? u->customer : "-");
	}
	return 0;
}

int
cmd_makedb(struct mailctl *m, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail(m, "%s", "usage: makedb") + 1;
	if (m->conf->userdb == NULL || m->conf->userdb_db == NULL)
		return fail(m, "%s: makedb needs userdb and userdb_db lines",
		    m->conf->file);
	if (userdb_compile_file(m->conf->userdb, m->conf->userdb_db, m->err,
	    sizeof(m->err)) == -1)
		return 1;
	printf("%s compiled into %s\n", m->conf->userdb, m->conf->userdb_db);
	return 0;
}
