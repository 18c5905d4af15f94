#!/usr/bin/env python3
"""
test_readdirplus.py - READDIRPLUS gives every entry the handle LOOKUP
gives and the attributes of that very file, the first time a directory
is listed and every time after (when the handles come from nfsd's
entry-handle cache), also after the directory changed behind nfsd's
back: files removed and created locally (on ext4 the new files reuse
the freed inode numbers), renamed over one another, and changed
through nfsd (REMOVE, CREATE, RENAME).  Every handle is used: GETATTR
through it names the inode the entry names.  A listing going on from
a cookie after the directory changed (nfsd keeps the open directory
between a listing's calls) shows the change: names removed after its
last call are gone, names made are there.
"""

import os
import shutil
import subprocess

import itest
from itest import check, check_eq, log
import rpc

GETATTR, LOOKUP, CREATE, REMOVE, RENAME, READDIRPLUS = 1, 3, 8, 12, 14, 17
OK = 0
UNCHECKED = 0
NFILES = 300

itest.require_namespace()
W = itest.Workdir()


def make_ext4(d):
    """An ext4 image mounted on d (inode numbers get reused there)."""
    if shutil.which("mkfs.ext4") is None:
        return False
    img = W.join("ext4.img")
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    if subprocess.run(["mkfs.ext4", "-q", "-F", "-N", "4096", img],
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        return False
    if subprocess.run(["mount", "-o", "loop", img, d],
                      stderr=subprocess.DEVNULL).returncode != 0:
        return False
    W.mounts.append(d)
    return True


E = W.mkdir("exp")
ON_EXT4 = make_ext4(E)
if not ON_EXT4:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "it", E],
                   check=True)
    W.mounts.append(E)
log("  export on %s" % ("ext4" if ON_EXT4 else "tmpfs (no loop device)"))
D = os.path.join(E, "d")
os.mkdir(D)
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()


def call(c, proc, args):
    return rpc.nfs3(c, proc, args, CRED)


def fattr(u):
    """fattr3 -> dict of what the checks use."""
    a = {"type": u.uint(), "mode": u.uint(), "nlink": u.uint(),
         "uid": u.uint(), "gid": u.uint(), "size": u.hyper()}
    u.hyper()                               # used
    u.uint(), u.uint()                      # rdev
    u.hyper()                               # fsid
    a["fileid"] = u.hyper()
    for _ in range(3):                      # atime mtime ctime
        u.uint(), u.uint()
    return a


def post_op_attr(u):
    return fattr(u) if u.bool() else None


def lookup(c, dirfh, name):
    u = call(c, LOOKUP, rpc.Packer().opaque(dirfh).string(name).get())
    return u.opaque() if u.uint() == OK else None


def getattr_fileid(c, fh):
    u = call(c, GETATTR, rpc.Packer().opaque(fh).get())
    return fattr(u)["fileid"] if u.uint() == OK else None


def readdirplus(c, dirfh):
    """Every entry: {name: (fileid, attrs or None, handle or None)}."""
    out, cookie, verf = {}, 0, b"\0" * 8
    while True:
        u = call(c, READDIRPLUS, rpc.Packer().opaque(dirfh).hyper(cookie)
                 .fopaque(verf).uint(8192).uint(32768).get())
        st = u.uint()
        post_op_attr(u)
        if st != OK:
            raise rpc.RpcError("READDIRPLUS: status %d" % st)
        verf = u.fopaque(8)
        while u.bool():
            fileid = u.hyper()
            name = u.string()
            cookie = u.hyper()
            attrs = post_op_attr(u)
            fh = u.opaque() if u.bool() else None
            out[name] = (fileid, attrs, fh)
        if u.bool():
            return out


def readdirplus_piece(c, dirfh, cookie, maxcount=2048):
    """One READDIRPLUS: ([(name, cookie)...], eof)."""
    u = call(c, READDIRPLUS, rpc.Packer().opaque(dirfh).hyper(cookie)
             .fopaque(b"\0" * 8).uint(maxcount).uint(maxcount).get())
    st = u.uint()
    post_op_attr(u)
    if st != OK:
        raise rpc.RpcError("READDIRPLUS: status %d" % st)
    u.fopaque(8)
    ents = []
    while u.bool():
        u.hyper()
        name = u.string()
        ents.append((name, u.hyper()))
        post_op_attr(u)
        if u.bool():
            u.opaque()
    return ents, u.bool()


def check_goes_on_fresh(c, dirfh, path):
    """Cut a listing short, change what its next call would return,
    and go on: the next call shows the change."""
    first, _ = readdirplus_piece(c, dirfh, 0)
    cookie = first[-1][1]
    nxt, _ = readdirplus_piece(c, dirfh, cookie)
    gone = [n for n, _ in nxt[:5] if n not in (".", "..")]
    # the same first call again: nfsd keeps its directory at cookie
    again, _ = readdirplus_piece(c, dirfh, 0)
    check_eq(again, first, "the first call again")
    for n in gone:
        check_eq(call(c, REMOVE, rpc.Packer().opaque(dirfh).string(n)
                      .get()).uint(), OK, "REMOVE %s" % n)
    seen, eof = [], False
    while not eof:
        ents, eof = readdirplus_piece(c, dirfh, cookie)
        seen += [n for n, _ in ents]
        if ents:
            cookie = ents[-1][1]
    check_eq(sorted(set(gone) & set(seen)), [],
             "going on after REMOVE: the removed names are gone")
    names = {n for n, _ in first} | set(seen)
    check_eq(sorted(names - {".", ".."}), sorted(os.listdir(path)),
             "the listing is the directory")


def check_listing(c, dirfh, path, what, use=True):
    """Every entry's handle is LOOKUP's, its attributes its own.  With
    use false the handles are not used (nfsd then holds none of the
    files open, and a file removed locally frees its inode)."""
    ents = readdirplus(c, dirfh)
    names = sorted(n for n in ents if n not in (".", ".."))
    check_eq(names, sorted(os.listdir(path)), "%s: the names" % what)
    bad = []
    for n in names:
        fileid, attrs, fh = ents[n]
        st = os.lstat(os.path.join(path, n))
        if fh is None or attrs is None:
            bad.append((n, "no handle or attributes"))
        elif not use:
            if attrs["fileid"] != st.st_ino or fileid != st.st_ino:
                bad.append((n, "fileid %d, the file's %d" % (fileid,
                                                             st.st_ino)))
        elif fh != lookup(c, dirfh, n):
            bad.append((n, "handle is not LOOKUP's"))
        elif attrs["fileid"] != st.st_ino or fileid != st.st_ino:
            bad.append((n, "fileid %d, the file's %d" % (fileid, st.st_ino)))
        elif attrs["size"] != st.st_size:
            bad.append((n, "size %d, the file's %d" % (attrs["size"],
                                                        st.st_size)))
        elif getattr_fileid(c, fh) != st.st_ino:
            bad.append((n, "GETATTR through the handle: another inode"))
    check_eq(bad, [], "%s: %d entries, each with LOOKUP's handle and its "
             "own attributes" % (what, len(names)))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


for i in range(NFILES):
    write(os.path.join(D, "f%03d" % i), "x" * i)

with rpc.TcpClient() as c:
    DFH = lookup(c, ROOT, "d")
    check_listing(c, DFH, D, "first listing, handles unused", use=False)

    log("== files removed and made again behind nfsd's back")
    old = {n: os.lstat(os.path.join(D, n)).st_ino for n in os.listdir(D)}
    for i in range(0, NFILES, 2):
        os.unlink(os.path.join(D, "f%03d" % i))
    for i in range(0, NFILES, 2):
        write(os.path.join(D, ("g%03d" if i % 4 else "f%03d") % i),
              "y" * (i + 1))
    new = {n: os.lstat(os.path.join(D, n)).st_ino for n in os.listdir(D)}
    reused = set(old.values()) & {new[n] for n in new if n not in old or
                                  new[n] != old[n]}
    log("  %d of %d new files got a freed inode number" %
        (len(reused), NFILES // 2))
    if ON_EXT4:
        check(len(reused) > 0, "ext4 gave new files freed inode numbers "
              "(so the listing below meets reused ones)", "> 0", 0)
    check_listing(c, DFH, D, "after local remove and create")
    check_listing(c, DFH, D, "listed again")
    check_listing(c, DFH, D, "and again")

    log("== renamed over one another locally")
    for i in range(1, 60, 2):
        os.rename(os.path.join(D, "f%03d" % i),
                  os.path.join(D, "f%03d" % (i + 2)))
    check_listing(c, DFH, D, "after local renames")

    log("== changed through nfsd")
    for i in range(100, 140):
        n = "f%03d" % i
        if os.path.exists(os.path.join(D, n)):
            check_eq(call(c, REMOVE, rpc.Packer().opaque(DFH).string(n)
                          .get()).uint(), OK, "REMOVE %s" % n)
    sattr = rpc.Packer()
    for _ in range(4):
        sattr.bool(False)
    sattr = sattr.uint(0).uint(0).get()
    for i in range(40):
        check_eq(call(c, CREATE, rpc.Packer().opaque(DFH)
                      .string("h%03d" % i).uint(UNCHECKED).raw(sattr)
                      .get()).uint(), OK, "CREATE h%03d" % i)
    check_eq(call(c, RENAME, rpc.Packer().opaque(DFH).string("h000")
                  .opaque(DFH).string("h001").get()).uint(), OK,
             "RENAME h000 over h001")
    check_listing(c, DFH, D, "after REMOVE, CREATE and RENAME")
    check_listing(c, DFH, D, "listed again")

    log("== a listing going on after a change")
    for _ in range(3):
        check_goes_on_fresh(c, DFH, D)
nfsd.stop()
itest.finish()
