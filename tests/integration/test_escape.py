#!/usr/bin/env python3
"""
test_escape.py - nothing outside an export is ever read or written, and
the address check applies to every NFS call, not only to MOUNT:
  - handles of one export replayed by a client admitted only to another
    export get NFS3ERR_ACCES; a client admitted to no export gets ACCES
    on every handle it learned elsewhere;
  - forged handles (random bytes of every length up to 64, a valid
    handle with the export id of another export) are BADHANDLE;
  - ".." walks from deep inside stop at the export root, and symlinks
    to the outside are never followed by READ, WRITE, CREATE or READDIR;
  - AUTH_NONE callers are nobody: they read world-readable files only.
"""

import os

import itest
from itest import check, check_eq, log
import rpc

GETATTR, LOOKUP, READ, WRITE, CREATE, READDIR = 1, 3, 6, 7, 8, 16
OK, NOENT, ACCES, NOTDIR, INVAL, BADHANDLE = 0, 2, 13, 20, 22, 10001
IN_A, IN_B, NOWHERE = "127.0.1.5", "127.0.2.5", "127.0.3.5"

itest.require_namespace()
W = itest.Workdir()
A = W.mkfs("a")
B = W.mkfs("b")
OUT = W.mkdir("outside")
with open(os.path.join(OUT, "secret"), "w") as fp:
    fp.write("outside\n")
os.makedirs(os.path.join(A, "d1", "d2", "d3"))
os.symlink(OUT, os.path.join(A, "out"))
os.symlink(os.path.join(OUT, "secret"), os.path.join(A, "secretlink"))
for name, mode, uid in (("pub", 0o644, 0), ("priv", 0o600, 1000)):
    p = os.path.join(A, name)
    with open(p, "w") as fp:
        fp.write(name + "\n")
    os.chown(p, uid, uid)
    os.chmod(p, mode)
EXPORTS = W.write("exports", "%s -maproot=root -network 127.0.1.0/24\n"
                  "%s -maproot=root -network 127.0.2.0/24\n" % (A, B))
nfsd = itest.Nfsd(W, EXPORTS).start()


def mnt(path, src):
    with rpc.TcpClient(port=itest.MOUNT_PORT, src_addr=src) as m:
        return rpc.mnt(m, path)[1]


def call(src, proc, args, cred=None):
    with rpc.TcpClient(port=itest.NFS_PORT, src_addr=src) as c:
        r = c.call(rpc.NFS_PROG, 3, proc, args,
                   rpc.auth_sys() if cred is None else cred)
    return rpc.Unpacker(r.body)


def status(src, proc, args, cred=None):
    return call(src, proc, args, cred).uint()


def lookup(src, dirfh, name):
    u = call(src, LOOKUP, rpc.Packer().opaque(dirfh).string(name).get())
    return (OK, u.opaque()) if u.uint() == OK else (None, None)


def getattr_(src, fh):
    return status(src, GETATTR, rpc.Packer().opaque(fh).get())


def read_args(fh):
    return rpc.Packer().opaque(fh).hyper(0).uint(100).get()


ra, rb = mnt(A, IN_A), mnt(B, IN_B)
_, pub = lookup(IN_A, ra, "pub")

log("== the address check on every call")
check_eq(getattr_(IN_A, ra), OK, "A's client on A's root")
check_eq(getattr_(IN_B, ra), ACCES, "B's client replaying A's root handle")
check_eq(status(IN_B, READ, read_args(pub)), ACCES,
         "B's client replaying a handle of a file in A")
check_eq(getattr_(NOWHERE, rb), ACCES, "an unlisted client on B's root")
check_eq(getattr_(IN_A, rb), ACCES, "A's client on B's root")

log("== forged handles")
bad = 0
for n in range(0, 65):
    fh = os.urandom(n)
    if getattr_(IN_A, fh) != BADHANDLE:
        bad += 1
check_eq(bad, 0, "random handles of 0..64 bytes are all BADHANDLE")
swapped = bytearray(ra)
swapped[2:6] = rb[2:6]                  # B's export id in A's handle
check_eq(getattr_(IN_A, bytes(swapped)), BADHANDLE,
         "A's handle with B's export id")

log("== .. walks and symlinks")
fh = ra
for d in ("d1", "d2", "d3"):
    fh = lookup(IN_A, fh, d)[1]
for _ in range(6):
    fh = lookup(IN_A, fh, "..")[1]
check_eq(fh, ra, "six .. from three levels down is the root")
_, out = lookup(IN_A, ra, "out")
check_eq(lookup(IN_A, out, "secret")[0], None,
         "LOOKUP through a symlink to the outside fails")
_, sl = lookup(IN_A, ra, "secretlink")
u = call(IN_A, READ, read_args(sl))
check(u.uint() != OK, "READ of a symlink to an outside file fails",
      "an error", "NFS3_OK")
st = status(IN_A, WRITE, rpc.Packer().opaque(sl).hyper(0).uint(4)
            .uint(2).opaque(b"evil").get())
check(st != OK, "WRITE through a symlink fails", "an error", st)
args = rpc.Packer().opaque(out).string("planted").uint(0)
for _ in range(4):
    args.bool(False)
args.uint(0).uint(0)
check(status(IN_A, CREATE, args.get()) != OK,
      "CREATE in a symlink to the outside fails", "an error", "NFS3_OK")
check_eq(status(IN_A, READDIR, rpc.Packer().opaque(out).hyper(0)
                .fopaque(b"\0" * 8).uint(4096).get()), NOTDIR,
         "READDIR of a symlink to the outside")
check_eq(sorted(os.listdir(OUT)), ["secret"], "nothing was planted outside")
with open(os.path.join(OUT, "secret")) as fp:
    check_eq(fp.read(), "outside\n", "the outside file is untouched")

log("== AUTH_NONE is nobody")
_, priv = lookup(IN_A, ra, "priv")
check_eq(status(IN_A, READ, read_args(pub), rpc.auth_none()), OK,
         "AUTH_NONE reads a 0644 file")
check_eq(status(IN_A, READ, read_args(priv), rpc.auth_none()), ACCES,
         "AUTH_NONE reads uid 1000's 0600 file")
nfsd.stop()
itest.finish()
