#!/usr/bin/env python3
"""
test_creds.py - every NFS request runs with its caller's credentials,
as the kernel sees them, checked with raw AUTH_SYS calls:
  - root is squashed to nobody by default: it cannot read root's 0600
    file or create in root's 0755 directory;
  - a user reads its own 0600 file, another user gets NFS3ERR_ACCES,
    and ACCESS grants that other user neither READ nor MODIFY;
  - supplementary groups from the credential count (a 0640 file of
    group 5000 is readable with 5000 among the gids, not without);
  - a user creates files of mode 0444 and 0000 (GUARDED) and with
    EXCLUSIVE in a 0777 directory: each is the user's, has the mode
    asked for, and the reply carries its handle and attributes;
  - -maproot=root keeps root root; -mapall maps everyone;
  - eight users hammering in parallel each get exactly their own
    rights: credentials never leak between worker threads;
  - a listing a user began in its 0700 directory (nfsd keeps the open
    directory between the calls) cannot be gone on with by another
    user from the same cookie: NFS3ERR_ACCES, and the owner goes on.
"""

import os
import threading

import itest
from itest import check, check_eq, log
import rpc

GETATTR, LOOKUP, ACCESS, READ, CREATE, READDIRPLUS = 1, 3, 4, 6, 8, 17
OK, ACCES = 0, 13
ACCESS3_READ, ACCESS3_MODIFY = 0x1, 0x4
NOBODY = 0xfffffffe

itest.require_namespace()
W = itest.Workdir()
E = W.mkfs("exp")
os.chmod(E, 0o755)


def mkfile(name, uid, gid, mode, text="data\n"):
    p = os.path.join(E, name)
    with open(p, "w") as fp:
        fp.write(text)
    os.chown(p, uid, gid)
    os.chmod(p, mode)


mkfile("pub", 0, 0, 0o644)
mkfile("rootonly", 0, 0, 0o600)
mkfile("mine", 1000, 1000, 0o600)
mkfile("grp", 1234, 5000, 0o640)
USERS = [2000 + i for i in range(8)]
for u in USERS:
    mkfile("u%d" % u, u, u, 0o600, "user %d\n" % u)


def skip_post_op(u):
    if u.bool():
        u.fopaque(84)


def call(c, proc, args, uid, gid, gids=()):
    r = c.call(rpc.NFS_PROG, 3, proc, args,
               rpc.auth_sys(uid=uid, gid=gid, gids=gids))
    if not r.ok:
        raise rpc.RpcError("%d: %r" % (proc, r))
    return rpc.Unpacker(r.body)


def lookup(c, dirfh, name, uid=0, gid=0):
    u = call(c, LOOKUP, rpc.Packer().opaque(dirfh).string(name).get(),
             uid, gid)
    st = u.uint()
    return u.opaque() if st == OK else None


def read(c, fh, uid, gid, gids=()):
    u = call(c, READ, rpc.Packer().opaque(fh).hyper(0).uint(100).get(),
             uid, gid, gids)
    st = u.uint()
    skip_post_op(u)
    if st != OK:
        return st, None
    u.uint()
    u.bool()
    return st, u.opaque()


def access(c, fh, uid, gid):
    u = call(c, ACCESS, rpc.Packer().opaque(fh).uint(0x3f).get(), uid,
             gid)
    st = u.uint()
    skip_post_op(u)
    return st, (u.uint() if st == OK else 0)


def create(c, dirfh, name, uid, gid):
    args = rpc.Packer().opaque(dirfh).string(name).uint(1)   # GUARDED
    for _ in range(4):                  # mode, uid, gid, size: not set
        args.bool(False)
    args.uint(0).uint(0)                # atime, mtime: DONT_CHANGE
    return call(c, CREATE, args.get(), uid, gid).uint()


def create_as(c, dirfh, name, uid, gid, mode=None, verf=None):
    """CREATE GUARDED with mode, or EXCLUSIVE with verf, as uid:gid:
    (status, handle or None, (mode, uid, fileid) or None)."""
    args = rpc.Packer().opaque(dirfh).string(name)
    if verf is not None:
        args.uint(2).fopaque(verf)
    else:
        args.uint(1).bool(mode is not None)
        if mode is not None:
            args.uint(mode)
        for _ in range(3):              # uid, gid, size: not set
            args.bool(False)
        args.uint(0).uint(0)            # atime, mtime: DONT_CHANGE
    u = call(c, CREATE, args.get(), uid, gid)
    st = u.uint()
    if st != OK:
        return st, None, None
    fh = u.opaque() if u.bool() else None
    attr = None
    if u.bool():
        a = rpc.Unpacker(u.fopaque(84))
        a.uint()                        # type
        fmode, _, fuid = a.uint(), a.uint(), a.uint()
        a.fopaque(4 + 8 + 8 + 8 + 8)    # gid, size, used, rdev, fsid
        attr = (fmode & 0o7777, fuid, a.hyper())
    return st, fh, attr


def getattr_fileid(c, fh, uid, gid):
    u = call(c, GETATTR, rpc.Packer().opaque(fh).get(), uid, gid)
    if u.uint() != OK:
        return None
    a = rpc.Unpacker(u.fopaque(84))
    a.fopaque(4 * 5 + 8 * 4)            # up to fsid
    return a.hyper()


def mount(path):
    with rpc.TcpClient(port=itest.MOUNT_PORT) as m:
        st, fh, _ = rpc.mnt(m, path)
    check_eq(st, 0, "MNT %s" % path)
    return fh


def serve(opts):
    ex = W.write("exports", "%s %s -network 127.0.0.0/8\n" % (E, opts))
    nfsd = itest.Nfsd(W, ex).start()
    return nfsd, mount(E), rpc.TcpClient(port=itest.NFS_PORT)


log("== default: root squashed to nobody")
nfsd, root, c = serve("")
fh = {n: lookup(c, root, n) for n in ("pub", "rootonly", "mine", "grp")}
check_eq(read(c, fh["pub"], 0, 0)[0], OK, "root reads a 0644 file")
check_eq(read(c, fh["rootonly"], 0, 0)[0], ACCES,
         "squashed root reads root's 0600 file")
check_eq(create(c, root, "new", 0, 0), ACCES,
         "squashed root creates in root's 0755 directory")
check_eq(read(c, fh["mine"], 1000, 1000), (OK, b"data\n"),
         "uid 1000 reads its 0600 file")
check_eq(read(c, fh["mine"], 1001, 1001)[0], ACCES,
         "uid 1001 reads uid 1000's 0600 file")
st, bits = access(c, fh["mine"], 1001, 1001)
check_eq((st, bits & (ACCESS3_READ | ACCESS3_MODIFY)), (OK, 0),
         "ACCESS grants uid 1001 nothing on it")
st, bits = access(c, fh["mine"], 1000, 1000)
check_eq(bits & (ACCESS3_READ | ACCESS3_MODIFY),
         ACCESS3_READ | ACCESS3_MODIFY, "ACCESS grants the owner R and M")
check_eq(read(c, fh["grp"], 1000, 1000, [5000])[0], OK,
         "supplementary group 5000 reads a 0640 group-5000 file")
check_eq(read(c, fh["grp"], 1000, 1000, [5001])[0], ACCES,
         "without group 5000 it may not")
check_eq(read(c, fh["grp"], 1000, 5000)[0], OK, "primary group 5000 may")

log("== a user creates what it may not then open")
os.mkdir(os.path.join(E, "drop"))
os.chmod(os.path.join(E, "drop"), 0o777)
drop = lookup(c, root, "drop")
for name, mode, verf in (("ro", 0o444, None), ("none", 0, None),
                         ("ex", None, b"verif-01")):
    what = "uid 1000 CREATE %s" % ("EXCLUSIVE" if verf else
                                   "GUARDED mode %04o" % mode)
    st, nfh, attr = create_as(c, drop, name, 1000, 1000, mode, verf)
    check_eq(st, OK, what)
    if st != OK:
        continue
    sb = os.lstat(os.path.join(E, "drop", name))
    check_eq((sb.st_uid, sb.st_gid, sb.st_size), (1000, 1000, 0),
             "%s: the server's file is 1000:1000, empty" % what)
    if mode is not None:
        check_eq(sb.st_mode & 0o7777, mode, "%s: its mode" % what)
    check_eq(attr, (sb.st_mode & 0o7777, 1000, sb.st_ino),
             "%s: the reply's attributes are the file's" % what)
    check_eq(nfh is not None and getattr_fileid(c, nfh, 1000, 1000),
             sb.st_ino, "%s: the reply's handle names the file" % what)
st, nfh, _ = create_as(c, drop, "ex", 1000, 1000, verf=b"verif-01")
check_eq((st, nfh is not None and getattr_fileid(c, nfh, 1000, 1000)),
         (OK, os.lstat(os.path.join(E, "drop", "ex")).st_ino),
         "the EXCLUSIVE CREATE retried: the same file")

log("== a listing kept open is its user's")
PRIV = os.path.join(E, "priv")
os.mkdir(PRIV)
for i in range(200):
    open(os.path.join(PRIV, "m%03d" % i), "w").close()
os.chown(PRIV, 1000, 1000)
os.chmod(PRIV, 0o700)
priv = lookup(c, root, "priv", 1000, 1000)


def readdirplus(c, dirfh, cookie, uid, gid):
    """One READDIRPLUS of a few entries: (status, names, last cookie)."""
    args = rpc.Packer().opaque(dirfh).hyper(cookie).fopaque(b"\0" * 8)
    u = call(c, READDIRPLUS, args.uint(256).uint(2048).get(), uid, gid)
    st = u.uint()
    skip_post_op(u)
    names = []
    if st == OK:
        u.fopaque(8)                    # cookie verifier
        while u.bool():
            u.hyper()                   # fileid
            names.append(u.string())
            cookie = u.hyper()
            skip_post_op(u)
            if u.bool():
                u.opaque()              # handle
    return st, names, cookie


st, first, cookie = readdirplus(c, priv, 0, 1000, 1000)
check_eq((st, len(first) > 0), (OK, True), "uid 1000 lists its directory")
check_eq(readdirplus(c, priv, cookie, 1001, 1001)[:2], (ACCES, []),
         "uid 1001 going on from uid 1000's cookie")
st, more, _ = readdirplus(c, priv, cookie, 1000, 1000)
check_eq((st, len(more) > 0, set(more) & set(first)), (OK, True, set()),
         "uid 1000 goes on from there")

log("== eight users in parallel")
ufh = {u: lookup(c, root, "u%d" % u) for u in USERS}
errors = []


def hammer(uid):
    other = USERS[(USERS.index(uid) + 1) % len(USERS)]
    with rpc.TcpClient(port=itest.NFS_PORT) as cc:
        for _ in range(150):
            own = read(cc, ufh[uid], uid, uid)
            if own != (OK, b"user %d\n" % uid):
                errors.append((uid, "own", own))
            if read(cc, ufh[other], uid, uid)[0] != ACCES:
                errors.append((uid, "other's"))


threads = [threading.Thread(target=hammer, args=(u,)) for u in USERS]
for t in threads:
    t.start()
for t in threads:
    t.join()
check_eq(errors[:5], [], "each user got exactly its own rights")
c.close()
nfsd.stop()

log("== -maproot=root")
nfsd, root, c = serve("-maproot=root")
check_eq(read(c, lookup(c, root, "rootonly"), 0, 0)[0], OK,
         "root reads root's 0600 file")
check_eq(create(c, root, "byroot", 0, 0), OK, "root creates")
check_eq(os.stat(os.path.join(E, "byroot")).st_uid, 0,
         "the file is root's")
c.close()
nfsd.stop()

log("== -mapall=1000:1000")
nfsd, root, c = serve("-mapall=1000:1000")
check_eq(read(c, lookup(c, root, "mine"), 1001, 1001)[0], OK,
         "uid 1001 mapped to 1000 reads 1000's file")
check_eq(create(c, root, "mapped", 0, 0), ACCES,
         "mapped root cannot create in root's directory")
c.close()
nfsd.stop()
itest.finish()
