/*
 * name.c - Maildir file names: unique names for delivery
 * (time.M<usec>P<pid>Q<n>.<host>), their ,S=<size>, the ":2,FLAGS"
 * info, POP3 UIDLs, and the checks on paths and names the rest of the
 * store relies on.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "backend.h"

#define HOST_DEFAULT	"localhost"
#define SIZE_TAG	",S="
#define VSIZE_TAG	",W="
#define INFO_V2		"2,"

static char hostname[MAILDIR_HOST_MAX * 4 + 1];	/* after escaping */
static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static atomic_ulong deliveries;

/* The flag letters in ASCII order, with their bits. */
static const struct {
	char		letter;
	unsigned	bit;
} flag_letters[] = {
	{ 'D', MAILDIR_F_DRAFT },
	{ 'F', MAILDIR_F_FLAGGED },
	{ 'P', MAILDIR_F_PASSED },
	{ 'R', MAILDIR_F_REPLIED },
	{ 'S', MAILDIR_F_SEEN },
	{ 'T', MAILDIR_F_TRASHED },
};

/* '/' and ':' may not appear in a name: \057 and \072 instead. */
static int
escape_host(const char *host, char *buf, size_t len)
{
	size_t n = 0, i;
	const char *rep;
	char one[2];

	if (host[0] == '\0' || strlen(host) > MAILDIR_HOST_MAX)
		return -1;
	for (i = 0; host[i] != '\0'; i++) {
		if (host[i] == '/')
			rep = "\\057";
		else if (host[i] == ':')
			rep = "\\072";
		else if ((unsigned char)host[i] <= ' ' ||
		    (unsigned char)host[i] >= 0x7f)
			return -1;
		else {
			one[0] = host[i];
			one[1] = '\0';
			rep = one;
		}
		if (n + strlen(rep) >= len)
			return -1;
		memcpy(buf + n, rep, strlen(rep));
		n += strlen(rep);
	}
	buf[n] = '\0';
	return 0;
}

static void
init_hostname(void)
{
	char h[256];

	if (hostname[0] != '\0')
		return;
	if (gethostname(h, sizeof(h)) == -1 ||
	    escape_host(h, hostname, sizeof(hostname)) == -1)
		(void)escape_host(HOST_DEFAULT, hostname, sizeof(hostname));
}

int
maildir_set_hostname(const char *host)
{
	char buf[sizeof(hostname)];

	if (escape_host(host, buf, sizeof(buf)) == -1)
		return MAILDIR_EINVAL;
	memcpy(hostname, buf, sizeof(hostname));
	return MAILDIR_OK;
}

int
maildir_uniq_format(char *buf, size_t len, time_t sec, long usec, long pid,
    unsigned long q, const char *host)
{
	int r;

	r = snprintf(buf, len, "%lld.M%ldP%ldQ%lu.%s", (long long)sec, usec,
	    pid, q, host);
	if (r < 0 || (size_t)r >= len)
		return MAILDIR_ETOOBIG;
	return MAILDIR_OK;
}

int
maildir_uniq(char *buf, size_t len)
{
	struct timespec ts;

	pthread_once(&host_once, init_hostname);
	clock_gettime(CLOCK_REALTIME, &ts);
	return maildir_uniq_format(buf, len, ts.tv_sec, ts.tv_nsec / 1000,
	    (long)getpid(), atomic_fetch_add(&deliveries, 1) + 1, hostname);
}

/* The number after tag (",S=", ",W=") in name, before any ':'. */
static bool
name_number(const char *name, const char *tag, uint64_t *out)
{
	const char *p, *colon;
	char *end;
	unsigned long long v;

	colon = strchr(name, ':');
	for (p = strstr(name, tag); p != NULL; p = strstr(p + 1, tag)) {
		if (colon != NULL && p > colon)
			break;
		p += strlen(tag);
		if (*p < '0' || *p > '9')
			continue;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || (*end != '\0' && *end != ',' && *end != ':'))
			continue;
		*out = v;
		return true;
	}
	return false;
}

bool
maildir_name_size(const char *name, uint64_t *size)
{
	return name_number(name, SIZE_TAG, size);
}

bool
maildir_name_vsize(const char *name, uint64_t *vsize)
{
	return name_number(name, VSIZE_TAG, vsize);
}

int
maildir_flags_parse(const char *name, unsigned *flags)
{
	const char *info;
	size_t i;

	*flags = 0;
	if ((info = strchr(name, ':')) == NULL)
		return MAILDIR_OK;
	info++;
	if (strncmp(info, INFO_V2, strlen(INFO_V2)) != 0)
		return MAILDIR_EINVAL;
	for (info += strlen(INFO_V2); *info != '\0'; info++)
		for (i = 0; i < sizeof(flag_letters) / sizeof(flag_letters[0]);
		    i++)
			if (*info == flag_letters[i].letter)
				*flags |= flag_letters[i].bit;
	return MAILDIR_OK;
}

int
maildir_flags_format(unsigned flags, char *buf, size_t len)
{
	size_t n, i;

	n = strlen(INFO_V2);
	if (len < n + 1)
		return MAILDIR_ETOOBIG;
	memcpy(buf, INFO_V2, n);
	for (i = 0; i < sizeof(flag_letters) / sizeof(flag_letters[0]); i++) {
		if ((flags & flag_letters[i].bit) == 0)
			continue;
		if (n + 1 >= len)
			return MAILDIR_ETOOBIG;
		buf[n++] = flag_letters[i].letter;
	}
	buf[n] = '\0';
	return MAILDIR_OK;
}

int
md_uniq_of(const char *name, char *buf, size_t len)
{
	size_t n;

	n = strcspn(name, ":");
	if (n == 0 || n >= len)
		return MAILDIR_EINVAL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return MAILDIR_OK;
}

static bool
uidl_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int
maildir_uidl(const char *name, char *buf, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t n, i;

	n = strcspn(name, ":");
	if (n == 0)
		return MAILDIR_EINVAL;
	if (n <= MAILDIR_UIDL_MAX && uidl_printable(name, n)) {
		if (n >= len)
			return MAILDIR_ETOOBIG;
		memcpy(buf, name, n);
		buf[n] = '\0';
		return MAILDIR_OK;
	}
	if (len < 2 * sizeof(md) + 1)
		return MAILDIR_ETOOBIG;
	SHA256((const unsigned char *)name, n, md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(buf + 2 * i, 3, "%02x", md[i]);
	return MAILDIR_OK;
}

/* One file name: no '/', not "." or "..", not empty, bounded. */
bool
md_name_ok(const char *name)
{
	size_t n;

	n = strlen(name);
	if (n == 0 || n > MAILDIR_NAME_MAX || strchr(name, '/') != NULL)
		return false;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* A relative path of clean names; "" is the store root. */
bool
md_path_ok(const char *path)
{
	char buf[MAILDIR_PATH_MAX];
	char *p, *part;

	if (strlen(path) >= sizeof(buf) || path[0] == '/')
		return false;
	if (path[0] == '\0')
		return true;
	memcpy(buf, path, strlen(path) + 1);
	for (p = buf; (part = strsep(&p, "/")) != NULL;)
		if (!md_name_ok(part))
			return false;
	return true;
}

int
md_join(char *buf, size_t len, const char *dir, const char *name,
    struct md_err *e)
{
	int r;

	if (dir[0] == '\0')
		r = snprintf(buf, len, "%s", name);
	else
		r = snprintf(buf, len, "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= len)
		return md_seterr(e, MAILDIR_ETOOBIG, "path too long: %s/%s",
		    dir, name);
	return MAILDIR_OK;
}
