/*
 * nfsmount.c - the guest's mount helper: mount(2) of an NFS export with
 * the kernel's own text options, so that no mount.nfs and no rpcbind
 * is needed (port=, mountport= and nolock are given by the caller).
 *
 * usage: nfsmount [-r] SERVER:/PATH DIR OPTIONS
 *	-r	read-only mount (MS_RDONLY)
 * On failure it prints "nfsmount: errno=N (text)" and exits 1, so that
 * the guest's scripts can tell EACCES from any other refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int usage(void);
static int do_mount(const char *, const char *, const char *,
    unsigned long);

static int
usage(void)
{
	fprintf(stderr, "usage: nfsmount [-r] SERVER:/PATH DIR OPTIONS\n");
	return 2;
}

static int
do_mount(const char *src, const char *dir, const char *opts,
    unsigned long flags)
{
	if (mount(src, dir, "nfs", flags, opts) == -1) {
		int e = errno;

		printf("nfsmount: errno=%d (%s)\n", e, strerror(e));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long flags = 0;
	int c;

	while ((c = getopt(argc, argv, "r")) != -1) {
		if (c != 'r')
			return usage();
		flags |= MS_RDONLY;
	}
	if (argc - optind != 3)
		return usage();
	return do_mount(argv[optind], argv[optind + 1], argv[optind + 2],
	    flags);
}
