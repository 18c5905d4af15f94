#!/usr/bin/env python3
"""
test_confine.py - no NFS request leaves its export, and handles are
authenticated and stable, checked with raw NFSv3 calls:
  - LOOKUP ".." at an export root gives the root itself; "d/.." gives
    the root; "." gives the directory;
  - a symlink pointing out of the export is returned as a symlink
    (NF3LNK), never followed: a LOOKUP through it fails with NOTDIR;
  - a filesystem mounted under the export is not entered (ACCES), but
    one that is exported itself is, with its own fsid, and ".." at its
    root stays in it;
  - a handle with any byte flipped, truncated or empty is BADHANDLE;
  - a removed object's handle is STALE; so is every handle of an export
    taken out of the exports file by SIGHUP;
  - a handle survives the object's rename (Maildir new/ -> cur/) and a
    server restart.
"""

import os
import signal
import time

import itest
from itest import check, check_eq, log
import rpc

NFSPROC3_GETATTR, NFSPROC3_LOOKUP = 1, 3
NFS3_OK, NFS3ERR_NOENT, NFS3ERR_ACCES, NFS3ERR_NOTDIR = 0, 2, 13, 20
NFS3ERR_STALE, NFS3ERR_BADHANDLE = 70, 10001
NF3DIR, NF3LNK = 2, 5

itest.require_namespace()
W = itest.Workdir()
E = W.mkfs("exp")
N = W.mkfs("exp", "nested")
M = W.mkfs("exp", "mnt")
os.makedirs(os.path.join(E, "d"))
os.makedirs(os.path.join(E, "Maildir", "new"))
os.makedirs(os.path.join(E, "Maildir", "cur"))
os.symlink("/etc", os.path.join(E, "esc"))
for name in ("f", "gone", "Maildir/new/1.msg"):
    with open(os.path.join(E, name), "w") as fp:
        fp.write("x\n")
with open(os.path.join(M, "hidden"), "w") as fp:
    fp.write("not exported\n")
NET = "-maproot=root -network 127.0.0.0/8"
BOTH = "%s %s\n%s %s\n" % (E, NET, N, NET)
EXPORTS = W.write("exports", BOTH)


def fattr(u):
    a = {"type": u.uint(), "mode": u.uint(), "nlink": u.uint(),
         "uid": u.uint(), "gid": u.uint(), "size": u.hyper(),
         "used": u.hyper(), "rdev": (u.uint(), u.uint()),
         "fsid": u.hyper(), "fileid": u.hyper()}
    for t in ("atime", "mtime", "ctime"):
        a[t] = (u.uint(), u.uint())
    return a


def post_op(u):
    return fattr(u) if u.bool() else None


def getattr_(c, fh):
    r = c.call(rpc.NFS_PROG, 3, NFSPROC3_GETATTR,
               rpc.Packer().opaque(fh).get(), rpc.auth_sys())
    u = rpc.Unpacker(r.body)
    status = u.uint()
    return status, (fattr(u) if status == NFS3_OK else None)


def lookup(c, dirfh, name):
    """(status, fh, attributes)"""
    r = c.call(rpc.NFS_PROG, 3, NFSPROC3_LOOKUP,
               rpc.Packer().opaque(dirfh).string(name).get(),
               rpc.auth_sys())
    u = rpc.Unpacker(r.body)
    status = u.uint()
    if status != NFS3_OK:
        return status, None, None
    fh = u.opaque()
    return status, fh, post_op(u)


def root_of(path):
    with rpc.TcpClient(port=itest.MOUNT_PORT) as m:
        st, fh, _ = rpc.mnt(m, path)
    check_eq(st, 0, "MNT %s" % path)
    return fh


nfsd = itest.Nfsd(W, EXPORTS).start()
root = root_of(E)
c = rpc.TcpClient(port=itest.NFS_PORT)
st, rootattr = getattr_(c, root)
check_eq(st, NFS3_OK, "GETATTR of the export root")

log("== .. and . stay inside")
st, fh, a = lookup(c, root, "..")
check_eq(st, NFS3_OK, "LOOKUP .. at the root")
check_eq(a and a["fileid"], rootattr["fileid"], ".. of the root is the root")
check_eq(fh, root, ".. of the root has the root's handle")
st, dfh, _ = lookup(c, root, "d")
st, fh, a = lookup(c, dfh, "..")
check_eq(a and a["fileid"], rootattr["fileid"], "d/.. is the root")
st, fh, a = lookup(c, dfh, ".")
check_eq((st, fh), (NFS3_OK, dfh), "d/. is d")

log("== symlinks are returned, not followed")
st, lfh, a = lookup(c, root, "esc")
check_eq((st, a and a["type"]), (NFS3_OK, NF3LNK), "LOOKUP esc is NF3LNK")
st, _, _ = lookup(c, lfh, "passwd")
check_eq(st, NFS3ERR_NOTDIR, "LOOKUP through a symlink")

log("== other filesystems")
st, _, _ = lookup(c, root, "mnt")
check_eq(st, NFS3ERR_ACCES, "LOOKUP of an unexported mount point")
st, nfh, na = lookup(c, root, "nested")
check_eq(st, NFS3_OK, "LOOKUP of an exported mount point")
check(na is not None and na["fsid"] != rootattr["fsid"],
      "the nested export has its own fsid", "!= %s" % rootattr["fsid"],
      na and na["fsid"])
st, fh, a = lookup(c, nfh, "..")
check_eq(a and a["fileid"], na and na["fileid"],
         ".. at the nested export's root stays there")
check_eq(nfh, root_of(N), "LOOKUP and MNT give the nested root one handle")

log("== fsid and fileid")
st, ffh, fa = lookup(c, root, "f")
check_eq(fa and fa["fsid"], rootattr["fsid"], "one fsid in one export")
check(fa and fa["fileid"] != rootattr["fileid"], "fileids differ",
      "!= root", fa and fa["fileid"])

log("== altered handles")
for i in range(len(ffh)):
    bad = bytearray(ffh)
    bad[i] ^= 0x01
    st, _ = getattr_(c, bytes(bad))
    if not check_eq(st, NFS3ERR_BADHANDLE, "byte %d flipped" % i):
        break
check_eq(getattr_(c, ffh[:-1])[0], NFS3ERR_BADHANDLE, "truncated handle")
check_eq(getattr_(c, b"")[0], NFS3ERR_BADHANDLE, "empty handle")
check_eq(getattr_(c, ffh + b"\0")[0], NFS3ERR_BADHANDLE, "handle + 1 byte")

log("== stale handles")
st, gfh, _ = lookup(c, root, "gone")
os.unlink(os.path.join(E, "gone"))
check_eq(getattr_(c, gfh)[0], NFS3ERR_STALE, "GETATTR of a removed file")

log("== handles survive rename and restart")
st, mdir, _ = lookup(c, root, "Maildir")
st, newdir, _ = lookup(c, mdir, "new")
st, mfh, ma = lookup(c, newdir, "1.msg")
os.rename(os.path.join(E, "Maildir/new/1.msg"),
          os.path.join(E, "Maildir/cur/1.msg:2,S"))
st, a = getattr_(c, mfh)
check_eq((st, a and a["fileid"]), (NFS3_OK, ma and ma["fileid"]),
         "the message's handle after new/ -> cur/")
c.close()
nfsd.stop()
nfsd.start()
c = rpc.TcpClient(port=itest.NFS_PORT)
check_eq(getattr_(c, mfh)[0], NFS3_OK, "the message's handle after restart")
check_eq(getattr_(c, root)[0], NFS3_OK, "the root handle after restart")

log("== an export taken out by SIGHUP")
with open(EXPORTS, "w") as fp:
    fp.write("%s %s\n" % (E, NET))
nfsd.proc.send_signal(signal.SIGHUP)
deadline = time.monotonic() + 5
while time.monotonic() < deadline and getattr_(c, nfh)[0] == NFS3_OK:
    time.sleep(0.1)
check_eq(getattr_(c, nfh)[0], NFS3ERR_STALE,
         "the nested root after it is no longer exported")
check_eq(getattr_(c, root)[0], NFS3_OK, "the remaining export still serves")
c.close()
nfsd.stop()
itest.finish()
