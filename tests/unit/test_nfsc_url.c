/*
 * test_nfsc_url.c - the NFS client's URLs: nfs://host[:port]/export
 * [?mountport=N] with names, IPv4 and bracketed IPv6 hosts, ports and
 * the mount port, %XX escapes, and every malformed form refused with
 * a reason; also the normalizing of paths under the export.
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"
#include "unit.h"

static int
parse(const char *url, struct nfsc_url *u, char *err, size_t errlen)
{
	err[0] = '\0';
	return nfsc_url_parse(url, u, err, errlen);
}

static void
test_plain(void)
{
	struct nfsc_url u;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("nfs://10.0.0.11/usr/mail1", &u, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "10.0.0.11");
	CU_ASSERT_EQUAL(u.port, 0);
	CU_ASSERT_EQUAL(u.mountport, 0);
	CU_ASSERT_STRING_EQUAL(u.export, "/usr/mail1");

	CU_ASSERT_EQUAL_FATAL(parse("nfs://fs-1.cluster.example/", &u, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "fs-1.cluster.example");
	CU_ASSERT_STRING_EQUAL(u.export, "/");

	CU_ASSERT_EQUAL_FATAL(parse("NFS://h/a/b//", &u, err, sizeof(err)),
	    0);
	CU_ASSERT_STRING_EQUAL(u.export, "/a/b");
}

static void
test_ports(void)
{
	struct nfsc_url u;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("nfs://10.0.0.12:2049/usr/mail2"
	    "?mountport=20048", &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "10.0.0.12");
	CU_ASSERT_EQUAL(u.port, 2049);
	CU_ASSERT_EQUAL(u.mountport, 20048);
	CU_ASSERT_STRING_EQUAL(u.export, "/usr/mail2");

	CU_ASSERT_EQUAL_FATAL(parse("nfs://h:65535/x", &u, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(u.port, 65535);
	CU_ASSERT_EQUAL(u.mountport, 0);

	CU_ASSERT_EQUAL_FATAL(parse("nfs://h/x?mountport=1", &u, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(u.port, 0);
	CU_ASSERT_EQUAL(u.mountport, 1);
}

static void
test_ipv6(void)
{
	struct nfsc_url u;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("nfs://[::1]/export", &u, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_EQUAL(u.port, 0);

	CU_ASSERT_EQUAL_FATAL(parse("nfs://[fe80::1:2]:2049/e?mountport=635",
	    &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "fe80::1:2");
	CU_ASSERT_EQUAL(u.port, 2049);
	CU_ASSERT_EQUAL(u.mountport, 635);
	CU_ASSERT_STRING_EQUAL(u.export, "/e");
}

static void
test_escapes(void)
{
	struct nfsc_url u;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(parse("nfs://h/mail%20one/%41", &u, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.export, "/mail one/A");
	CU_ASSERT_EQUAL(parse("nfs://h/a%2", &u, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "escape"));
	CU_ASSERT_EQUAL(parse("nfs://h/a%00b", &u, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(parse("nfs://h/a%zz", &u, err, sizeof(err)), -1);
}

/* Each bad URL fails, and the error contains the word given. */
static void
test_errors(void)
{
	static const struct {
		const char	*url;
		const char	*why;
	} bad[] = {
		{ "", "nfs://" },
		{ "http://h/x", "nfs://" },
		{ "nfs:/h/x", "nfs://" },
		{ "nfs:///x", "no host" },
		{ "nfs://h", "/export" },
		{ "nfs://h:2049", "/export" },
		{ "nfs://h:/x", "port" },
		{ "nfs://h:0/x", "port" },
		{ "nfs://h:65536/x", "port" },
		{ "nfs://h:99999999/x", "port" },
		{ "nfs://h:20a9/x", "port" },
		{ "nfs://h:-1/x", "port" },
		{ "nfs://[::1/x", "]" },
		{ "nfs://[]/x", "no host" },
		{ "nfs://[zz::1]/x", "IPv6" },
		{ "nfs://::1/x", "no host" },
		{ "nfs://h x/y", "/export" },
		{ "nfs://h/x?", "empty" },
		{ "nfs://h/x?mountport=", "unknown option" },
		{ "nfs://h/x?mountport=0", "mountport" },
		{ "nfs://h/x?mountport=70000", "mountport" },
		{ "nfs://h/x?mountport=1&mountport=2", "twice" },
		{ "nfs://h/x?port=1", "unknown option" },
		{ "nfs://h/x?mountport=1&", "empty" },
		{ "nfs://h/x#frag", "#" },
		{ "nfs://h/a\tb", "control" },
	};
	struct nfsc_url u;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse(bad[i].url, &u, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL) {
			CU_FAIL("error text");
			fprintf(stderr, "\n%s: '%s' lacks '%s'\n", bad[i].url,
			    err, bad[i].why);
		}
	}
	CU_ASSERT_EQUAL(nfsc_url_parse(NULL, &u, err, sizeof(err)), -1);
}

static void
test_limits(void)
{
	struct nfsc_url u;
	char url[NFSC_URLLEN + 64], err[256];
	size_t n;

	/* the longest host, the longest export */
	n = (size_t)snprintf(url, sizeof(url), "nfs://");
	memset(url + n, 'h', NFSC_HOSTLEN);
	snprintf(url + n + NFSC_HOSTLEN, sizeof(url) - n - NFSC_HOSTLEN,
	    "/x");
	CU_ASSERT_EQUAL(parse(url, &u, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(u.host), NFSC_HOSTLEN);
	memset(url + n, 'h', NFSC_HOSTLEN + 1);
	snprintf(url + n + NFSC_HOSTLEN + 1, sizeof(url) - n - NFSC_HOSTLEN
	    - 1, "/x");
	CU_ASSERT_EQUAL(parse(url, &u, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "host longer"));

	n = (size_t)snprintf(url, sizeof(url), "nfs://h");
	memset(url + n, '/', NFSC_EXPORTLEN);
	url[n + NFSC_EXPORTLEN] = '\0';
	CU_ASSERT_EQUAL(parse(url, &u, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(u.export, "/");
	url[n + NFSC_EXPORTLEN] = 'x';
	url[n + NFSC_EXPORTLEN + 1] = '\0';
	CU_ASSERT_EQUAL(parse(url, &u, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "export longer"));

	memset(url, 'a', sizeof(url) - 1);
	memcpy(url, "nfs://h/", 8);
	url[sizeof(url) - 1] = '\0';
	CU_ASSERT_EQUAL(parse(url, &u, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "URL longer"));
	/* a tiny error buffer is not overrun */
	CU_ASSERT_EQUAL(nfsc_url_parse("ftp://x", &u, err, 4), -1);
	CU_ASSERT_EQUAL(strlen(err), 3);
}

static void
test_path_norm(void)
{
	char out[NFSC_PATHLEN + 1], big[NFSC_PATHLEN + 16];

	CU_ASSERT_EQUAL(nfsc_path_norm("12/34/tevie", out, sizeof(out)),
	    NFS3_OK);
	CU_ASSERT_STRING_EQUAL(out, "12/34/tevie");
	CU_ASSERT_EQUAL(nfsc_path_norm("//12/./34//tevie/", out,
	    sizeof(out)), NFS3_OK);
	CU_ASSERT_STRING_EQUAL(out, "12/34/tevie");
	CU_ASSERT_EQUAL(nfsc_path_norm("/", out, sizeof(out)), NFS3_OK);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(nfsc_path_norm("", out, sizeof(out)), NFS3_OK);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(nfsc_path_norm("a/../b", out, sizeof(out)),
	    NFS3ERR_INVAL);
	CU_ASSERT_EQUAL(nfsc_path_norm("a/..", out, sizeof(out)),
	    NFS3ERR_INVAL);
	CU_ASSERT_EQUAL(nfsc_path_norm("a/...", out, sizeof(out)), NFS3_OK);
	CU_ASSERT_EQUAL(nfsc_path_norm(NULL, out, sizeof(out)), NFS3ERR_INVAL);
	CU_ASSERT_EQUAL(nfsc_path_norm("abcdef", out, 4), NFSC_ERR_TOOBIG);
	memset(big, 'a', NFSC_NAMELEN + 1);
	big[NFSC_NAMELEN + 1] = '\0';
	CU_ASSERT_EQUAL(nfsc_path_norm(big, out, sizeof(out)),
	    NFSC_ERR_TOOBIG);
	big[NFSC_NAMELEN] = '\0';
	CU_ASSERT_EQUAL(nfsc_path_norm(big, out, sizeof(out)), NFS3_OK);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 100; i < sizeof(big) - 1; i += 100)
		big[i] = '/';
	CU_ASSERT_EQUAL(nfsc_path_norm(big, out, sizeof(out)),
	    NFSC_ERR_TOOBIG);
}

static void
test_strstat(void)
{
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(NFS3_OK), "NFS3_OK");
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(NFS3ERR_NOENT), "NFS3ERR_NOENT");
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(NFS3ERR_JUKEBOX),
	    "NFS3ERR_JUKEBOX");
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(NFSC_ERR_RPC), "NFSC_ERR_RPC");
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(NFSC_ERR_URL), "NFSC_ERR_URL");
	CU_ASSERT_STRING_EQUAL(nfsc_strstat(12345), "NFS3ERR_12345");
}

static int
suite_nfsc_url(void)
{
	static const struct unit_test tests[] = {
		{ "plain URLs", test_plain },
		{ "ports and mountport", test_ports },
		{ "IPv6 hosts", test_ipv6 },
		{ "%XX escapes", test_escapes },
		{ "malformed URLs", test_errors },
		{ "length limits", test_limits },
		{ "path normalizing", test_path_norm },
		{ "status names", test_strstat },
		{ NULL, NULL },
	};

	return unit_add_suite("nfsc_url", tests);
}

UNIT_REGISTER(suite_nfsc_url);
