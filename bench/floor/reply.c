/*
 * reply.c - what the responder says: decodes the head of a call (RFC
 * 5531 section 9) and copies a canned reply, made once at start, with
 * the call's xid.  NULL of any program succeeds with an empty body;
 * NFSv3 and MOUNT v3 (RFC 1813) get the fixed results a client needs to
 * mount and GETATTR: one directory handle (the root) and one file
 * handle (whatever LOOKUP or CREATE names), optional attributes left
 * out wherever the protocol allows it.
 */
#include <stdbool.h>
#include <string.h>

#include "responder.h"

#define RPC_VERS	2
#define CALL		0
#define REPLY		1
#define MSG_ACCEPTED	0
#define MSG_DENIED	1
#define LAST_FRAG	0x80000000u
#define AUTH_MAX	400		/* RFC 5531: opaque_auth body */
#define AUTH_UNIX	1
#define CALL_HEAD	24		/* xid .. proc */

enum { SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS };
enum { RPC_MISMATCH, AUTH_ERROR };
enum { AUTH_BADCRED = 1 };

#define NFS_PROG	100003
#define NFS_V3		3
#define MOUNT_PROG	100005
#define MOUNT_V3	3
#define NFS3_OK		0
#define NFS3ERR_EXIST	17
#define NF3REG		1
#define NF3DIR		2
#define NFS3_FHSIZE	64
#define NFS3_VERFSIZE	8
#define FSF3_ALL	0x1bu		/* LINK, SYMLINK, HOMOGENEOUS, CANSETTIME */
#define XFER_MAX	(1024u * 1024)
#define XFER_MULT	4096u
#define DIR_PREF	65536u
#define FAKE_TIME	1700000000u
#define FAKE_SPACE	(1ull << 40)

static const char root_fh[] = "rsp-root-handle!";	/* 16 bytes */
static const char file_fh[] = "rsp-file-handle!";

/* NFSv3 procedures (RFC 1813 section 3.3) the responder answers. */
enum {
	P3_NULL = 0, P3_GETATTR = 1, P3_SETATTR = 2, P3_LOOKUP = 3,
	P3_ACCESS = 4, P3_CREATE = 8, P3_MKDIR = 9, P3_REMOVE = 12,
	P3_RMDIR = 13, P3_READDIR = 16, P3_READDIRPLUS = 17, P3_FSSTAT = 18,
	P3_FSINFO = 19, P3_PATHCONF = 20, P3_COMMIT = 21, P3_COUNT = 22
};
/* MOUNT v3 procedures (RFC 1813 appendix I). */
enum { M3_NULL, M3_MNT, M3_DUMP, M3_UMNT, M3_UMNTALL, M3_EXPORT, M3_COUNT };

struct canned {
	uint8_t	 b[RSP_REPLY_MAX];
	size_t	 len;
};

static struct canned nfs3[P3_COUNT], mnt3[M3_COUNT];
static struct canned empty_ok, getattr_file, prog_unavail, proc_unavail,
	garbage, nfs_mismatch, mount_mismatch, rpc_mismatch, bad_cred;

/* ------------------------------------------------------------ XDR out */

static void
put32(struct canned *c, uint32_t v)
{
	if (c->len + 4 > sizeof(c->b))
		return;		/* templates are far smaller: never */
	c->b[c->len++] = (uint8_t)(v >> 24);
	c->b[c->len++] = (uint8_t)(v >> 16);
	c->b[c->len++] = (uint8_t)(v >> 8);
	c->b[c->len++] = (uint8_t)v;
}

static void
put64(struct canned *c, uint64_t v)
{
	put32(c, (uint32_t)(v >> 32));
	put32(c, (uint32_t)v);
}

static void
put_fixed(struct canned *c, const void *p, size_t n)
{
	if (c->len + n + 3 > sizeof(c->b))
		return;
	memcpy(c->b + c->len, p, n);
	c->len += n;
	while (c->len % 4 != 0)
		c->b[c->len++] = 0;
}

static void
put_opaque(struct canned *c, const void *p, size_t n)
{
	put32(c, (uint32_t)n);
	put_fixed(c, p, n);
}

static void
put_fh(struct canned *c, const char *fh)
{
	put_opaque(c, fh, strlen(fh));
}

/* fattr3 (RFC 1813 section 2.6) of the root directory or the file. */
static void
put_fattr(struct canned *c, int type)
{
	put32(c, (uint32_t)type);
	put32(c, type == NF3DIR ? 0755 : 0644);
	put32(c, type == NF3DIR ? 2 : 1);		/* nlink */
	put32(c, 0);					/* uid */
	put32(c, 0);					/* gid */
	put64(c, type == NF3DIR ? XFER_MULT : 0);	/* size */
	put64(c, type == NF3DIR ? XFER_MULT : 0);	/* used */
	put32(c, 0);					/* rdev */
	put32(c, 0);
	put64(c, 1);					/* fsid */
	put64(c, type == NF3DIR ? 1 : 2);		/* fileid */
	for (int i = 0; i < 3; i++) {			/* a, m, ctime */
		put32(c, FAKE_TIME);
		put32(c, 0);
	}
}

static void
put_no_wcc(struct canned *c)
{
	put32(c, 0);		/* pre_op_attr: attributes_follow FALSE */
	put32(c, 0);		/* post_op_attr: FALSE */
}

/* Record mark (patched at the end), xid (per call), accepted reply. */
static void
head_accepted(struct canned *c, uint32_t accept_stat)
{
	c->len = 0;
	put32(c, 0);
	put32(c, 0);
	put32(c, REPLY);
	put32(c, MSG_ACCEPTED);
	put32(c, 0);		/* verifier AUTH_NONE, empty */
	put32(c, 0);
	put32(c, accept_stat);
}

static void
seal(struct canned *c)
{
	uint32_t mark = LAST_FRAG | (uint32_t)(c->len - 4);

	c->b[0] = (uint8_t)(mark >> 24);
	c->b[1] = (uint8_t)(mark >> 16);
	c->b[2] = (uint8_t)(mark >> 8);
	c->b[3] = (uint8_t)mark;
}

/* ------------------------------------------------------------ templates */

static void
make_errors(void)
{
	head_accepted(&empty_ok, SUCCESS);
	seal(&empty_ok);
	head_accepted(&prog_unavail, PROG_UNAVAIL);
	seal(&prog_unavail);
	head_accepted(&proc_unavail, PROC_UNAVAIL);
	seal(&proc_unavail);
	head_accepted(&garbage, GARBAGE_ARGS);
	seal(&garbage);
	head_accepted(&nfs_mismatch, PROG_MISMATCH);
	put32(&nfs_mismatch, NFS_V3);
	put32(&nfs_mismatch, NFS_V3);
	seal(&nfs_mismatch);
	head_accepted(&mount_mismatch, PROG_MISMATCH);
	put32(&mount_mismatch, MOUNT_V3);
	put32(&mount_mismatch, MOUNT_V3);
	seal(&mount_mismatch);
	rpc_mismatch.len = 0;
	put32(&rpc_mismatch, 0);
	put32(&rpc_mismatch, 0);
	put32(&rpc_mismatch, REPLY);
	put32(&rpc_mismatch, MSG_DENIED);
	put32(&rpc_mismatch, RPC_MISMATCH);
	put32(&rpc_mismatch, RPC_VERS);
	put32(&rpc_mismatch, RPC_VERS);
	seal(&rpc_mismatch);
	bad_cred.len = 0;
	put32(&bad_cred, 0);
	put32(&bad_cred, 0);
	put32(&bad_cred, REPLY);
	put32(&bad_cred, MSG_DENIED);
	put32(&bad_cred, AUTH_ERROR);
	put32(&bad_cred, AUTH_BADCRED);
	seal(&bad_cred);
}

/* An NFSv3 result that starts with NFS3_OK (or status). */
static struct canned *
nfs_ok(unsigned proc, uint32_t status)
{
	head_accepted(&nfs3[proc], SUCCESS);
	put32(&nfs3[proc], status);
	return &nfs3[proc];
}

static void
make_nfs_fs(void)
{
	struct canned *c;

	c = nfs_ok(P3_FSSTAT, NFS3_OK);
	put32(c, 0);
	put64(c, FAKE_SPACE);		/* tbytes, fbytes, abytes */
	put64(c, FAKE_SPACE);
	put64(c, FAKE_SPACE);
	put64(c, 1000000);		/* tfiles, ffiles, afiles */
	put64(c, 1000000);
	put64(c, 1000000);
	put32(c, 0);			/* invarsec */
	c = nfs_ok(P3_FSINFO, NFS3_OK);
	put32(c, 0);
	put32(c, XFER_MAX);		/* rtmax, rtpref, rtmult */
	put32(c, XFER_MAX);
	put32(c, XFER_MULT);
	put32(c, XFER_MAX);		/* wtmax, wtpref, wtmult */
	put32(c, XFER_MAX);
	put32(c, XFER_MULT);
	put32(c, DIR_PREF);
	put64(c, ~0ull);		/* maxfilesize */
	put32(c, 0);			/* time_delta: 1 ns */
	put32(c, 1);
	put32(c, FSF3_ALL);
	c = nfs_ok(P3_PATHCONF, NFS3_OK);
	put32(c, 0);
	put32(c, 32000);		/* linkmax */
	put32(c, 255);			/* name_max */
	put32(c, 1);			/* no_trunc */
	put32(c, 1);			/* chown_restricted */
	put32(c, 0);			/* case_insensitive */
	put32(c, 1);			/* case_preserving */
}

static void
make_nfs_names(void)
{
	struct canned *c;
	static const uint8_t verf[NFS3_VERFSIZE];

	c = nfs_ok(P3_LOOKUP, NFS3_OK);
	put_fh(c, file_fh);
	put32(c, 1);			/* obj_attributes */
	put_fattr(c, NF3REG);
	put32(c, 0);			/* dir_attributes */
	c = nfs_ok(P3_CREATE, NFS3_OK);
	put32(c, 1);			/* post_op_fh3 */
	put_fh(c, file_fh);
	put32(c, 0);
	put_no_wcc(c);
	c = nfs_ok(P3_MKDIR, NFS3ERR_EXIST);
	put_no_wcc(c);
	put_no_wcc(nfs_ok(P3_SETATTR, NFS3_OK));
	put_no_wcc(nfs_ok(P3_REMOVE, NFS3_OK));
	put_no_wcc(nfs_ok(P3_RMDIR, NFS3_OK));
	c = nfs_ok(P3_COMMIT, NFS3_OK);
	put_no_wcc(c);
	put_fixed(c, verf, sizeof(verf));
	for (unsigned p = P3_READDIR; p <= P3_READDIRPLUS; p++) {
		c = nfs_ok(p, NFS3_OK);
		put32(c, 0);		/* dir_attributes */
		put_fixed(c, verf, sizeof(verf));
		put32(c, 0);		/* no entries */
		put32(c, 1);		/* eof */
	}
}

static void
make_nfs(void)
{
	struct canned *c;

	head_accepted(&nfs3[P3_NULL], SUCCESS);
	c = nfs_ok(P3_GETATTR, NFS3_OK);
	put_fattr(c, NF3DIR);
	head_accepted(&getattr_file, SUCCESS);
	put32(&getattr_file, NFS3_OK);
	put_fattr(&getattr_file, NF3REG);
	seal(&getattr_file);
	c = nfs_ok(P3_ACCESS, NFS3_OK);
	put32(c, 0);			/* obj_attributes */
	put32(c, 0);			/* access: patched per call */
	make_nfs_fs();
	make_nfs_names();
	for (unsigned p = 0; p < P3_COUNT; p++)
		if (nfs3[p].len > 0)
			seal(&nfs3[p]);
}

static void
make_mount(void)
{
	struct canned *c;

	head_accepted(&mnt3[M3_NULL], SUCCESS);
	c = &mnt3[M3_MNT];
	head_accepted(c, SUCCESS);
	put32(c, 0);			/* MNT3_OK */
	put_fh(c, root_fh);
	put32(c, 1);			/* one flavour: AUTH_UNIX */
	put32(c, AUTH_UNIX);
	head_accepted(&mnt3[M3_DUMP], SUCCESS);
	put32(&mnt3[M3_DUMP], 0);	/* empty list */
	head_accepted(&mnt3[M3_UMNT], SUCCESS);
	head_accepted(&mnt3[M3_UMNTALL], SUCCESS);
	head_accepted(&mnt3[M3_EXPORT], SUCCESS);
	put32(&mnt3[M3_EXPORT], 0);
	for (unsigned p = 0; p < M3_COUNT; p++)
		seal(&mnt3[p]);
}

void
reply_init(void)
{
	make_errors();
	make_nfs();
	make_mount();
}

/* ------------------------------------------------------------ decoding */

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Skip an opaque_auth at *off; false if it is malformed or cut off. */
static bool
skip_auth(const uint8_t *msg, size_t len, size_t *off)
{
	uint32_t n;

	if (*off + 8 > len)
		return false;
	n = get32(msg + *off + 4);
	if (n > AUTH_MAX || *off + 8 + ((n + 3) & ~3u) > len)
		return false;
	*off += 8 + ((n + 3) & ~3u);
	return true;
}

/* The handle argument at args: is it the file's? */
static bool
fh_is_file(const uint8_t *msg, size_t len, size_t args)
{
	uint32_t n;

	if (args + 4 > len)
		return false;
	n = get32(msg + args);
	return n == sizeof(file_fh) - 1 && n <= NFS3_FHSIZE &&
	    args + 4 + n <= len && memcmp(msg + args + 4, file_fh, n) == 0;
}

/* ACCESS args: a handle, then the bits asked for (all granted). */
static uint32_t
access_asked(const uint8_t *msg, size_t len, size_t args)
{
	uint32_t n;

	if (args + 4 > len || (n = get32(msg + args)) > NFS3_FHSIZE)
		return 0;
	args += 4 + ((n + 3) & ~3u);
	return args + 4 <= len ? get32(msg + args) & 0x3f : 0;
}

static const struct canned *
pick_nfs(uint32_t vers, uint32_t proc, const uint8_t *msg, size_t len,
    size_t args)
{
	if (vers != NFS_V3)
		return &nfs_mismatch;
	if (proc >= P3_COUNT || nfs3[proc].len == 0)
		return &proc_unavail;
	if (proc == P3_GETATTR && fh_is_file(msg, len, args))
		return &getattr_file;
	return &nfs3[proc];
}

static const struct canned *
pick(const uint8_t *msg, size_t len, size_t args)
{
	uint32_t prog = get32(msg + 12), vers = get32(msg + 16);
	uint32_t proc = get32(msg + 20);

	if (prog == NFS_PROG)
		return pick_nfs(vers, proc, msg, len, args);
	if (prog == MOUNT_PROG) {
		if (vers != MOUNT_V3)
			return &mount_mismatch;
		return proc < M3_COUNT ? &mnt3[proc] : &proc_unavail;
	}
	return proc == 0 ? &empty_ok : &prog_unavail;
}

int
reply_build(const uint8_t *msg, size_t len, uint8_t out[RSP_REPLY_MAX])
{
	const struct canned *c;
	size_t args = CALL_HEAD;

	if (len < 8)
		return -1;		/* not even an xid and a type */
	if (get32(msg + 4) != CALL)
		return 0;		/* a reply: not for us, ignored */
	if (len < CALL_HEAD)
		c = &garbage;
	else if (get32(msg + 8) != RPC_VERS)
		c = &rpc_mismatch;
	else if (!skip_auth(msg, len, &args) || !skip_auth(msg, len, &args))
		c = &bad_cred;
	else
		c = pick(msg, len, args);
	memcpy(out, c->b, c->len);
	memcpy(out + 4, msg, 4);	/* the call's xid */
	if (c == &nfs3[P3_ACCESS]) {
		uint32_t a = access_asked(msg, len, args);

		out[c->len - 4] = (uint8_t)(a >> 24);
		out[c->len - 3] = (uint8_t)(a >> 16);
		out[c->len - 2] = (uint8_t)(a >> 8);
		out[c->len - 1] = (uint8_t)a;
	}
	return (int)c->len;
}
