/*
 * main.c - mailctl, the provisioning tool of the mail cluster: users
 * in the userdb text file and their Maildirs on the fileservers.
 *
 *	mailctl [-c CONF] useradd NAME [--uid N] [--gid N]
 *		[--password-stdin] [--customer ID] [--store PREFIX]
 *	mailctl [-c CONF] userdel NAME [--purge]
 *	mailctl [-c CONF] passwd NAME		(the password on stdin)
 *	mailctl [-c CONF] show NAME
 *	mailctl [-c CONF] list [--customer ID]
 *	mailctl [-c CONF] makedb
 *	mailctl [-c CONF] -t			(check the config file)
 *
 * Exit status: 0 done, 1 failed (the reason on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mailctl.h"

#define DEFAULT_CONF	"/etc/mailcluster.conf"

static const struct command {
	const char	*name;
	int		(*run)(struct mailctl *, int, char **);
} commands[] = {
	{ "useradd",	cmd_useradd },
	{ "userdel",	cmd_userdel },
	{ "passwd",	cmd_passwd },
	{ "show",	cmd_show },
	{ "list",	cmd_list },
	{ "makedb",	cmd_makedb },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mailctl [-c conf] useradd NAME [--uid N] [--gid N] [--password-stdin]\n"
"                         [--customer ID] [--store PREFIX]\n"
"       mailctl [-c conf] userdel NAME [--purge]\n"
"       mailctl [-c conf] passwd NAME          (password on stdin)\n"
"       mailctl [-c conf] show NAME\n"
"       mailctl [-c conf] list [--customer ID]\n"
"       mailctl [-c conf] makedb\n"
"       mailctl [-c conf] -t\n"
"  -c conf   the cluster config (%s)\n", DEFAULT_CONF);
}

int
main(int argc, char **argv)
{
	const char *file = DEFAULT_CONF;
	struct mailctl m;
	bool check = false;
	size_t i;
	int ch, rc;

	log_init("mailctl", true, LOG_LVL_WARN);
	while ((ch = getopt(argc, argv, "+c:th")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	memset(&m, 0, sizeof(m));
	m.lockfd = -1;
	if (conf_load(file, check ? CONF_USES_ALL : CONF_USES_MAILCTL,
	    &m.conf, m.err, sizeof(m.err)) == -1) {
		fprintf(stderr, "mailctl: %s\n", m.err);
		return 1;
	}
	if (check) {
		printf("mailctl: %s: ok\n", file);
		conf_free(&m.conf);
		return 0;
	}
	if (optind >= argc) {
		usage(stderr);
		conf_free(&m.conf);
		return 2;
	}
	rc = -1;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			rc = commands[i].run(&m, argc - optind, argv + optind);
	if (rc == -1) {
		fprintf(stderr, "mailctl: %s: unknown command\n", argv[optind]);
		usage(stderr);
		rc = 2;
	} else if (rc != 0 && m.err[0] != '\0')
		fprintf(stderr, "mailctl: %s\n", m.err);
	else if (rc == 2)
		usage(stderr);
	db_close(&m);
	conf_free(&m.conf);
	return rc;
}
