#!/usr/bin/env python3
"""
test_remove_frees.py - a file removed through nfsd is freed at once.
nfsd keeps descriptors open to the objects it served (its open-object
cache: an O_PATH one, and one for I/O once READ or WRITE needed it).
REMOVE, and RENAME over an existing name, must close those of what went
away, whichever export they were opened through, or the file stays
allocated ("(deleted)" in /proc/PID/fd) until the cache evicts it: a
mail server's deleted messages would hold the disk.

Two exports on one filesystem, X and Y, share files by hard links.  A
client looks a file up in X, its name in X is removed, and it reads the
file by that handle (the file lives on as Y's): nfsd opens it under X's
export.  Then its last name goes, through Y.
"""

import os

import itest
from itest import check, check_eq, log
import rpc

LOOKUP, READ, REMOVE, RENAME = 3, 6, 12, 14
OK = 0
SIZE = 256 * 1024

itest.require_namespace()
W = itest.Workdir()
X = W.mkdir("exp", "x")
Y = W.mkdir("exp", "y")
for name in ("gone", "replaced", "moved", "kept"):
    with open(os.path.join(X, name), "wb") as fp:
        fp.write(os.urandom(SIZE))
    os.link(os.path.join(X, name), os.path.join(Y, name))
EXPORTS = W.write("exports", "%s %s -maproot=root -network 127.0.0.0/8\n"
                  % (X, Y))
nfsd = itest.Nfsd(W, EXPORTS).start()
CRED = rpc.auth_sys()


def mount(path):
    with rpc.TcpClient(port=itest.MOUNT_PORT) as m:
        status, fh, _ = rpc.mnt(m, path)
    check_eq(status, 0, "MNT %s" % path)
    return fh


def lookup(c, dirfh, name):
    u = rpc.nfs3(c, LOOKUP, rpc.Packer().opaque(dirfh).string(name).get(),
                 CRED)
    check_eq(u.uint(), OK, "LOOKUP %s" % name)
    return u.opaque()


def read_all(c, fh, what):
    u = rpc.nfs3(c, READ, rpc.Packer().opaque(fh).hyper(0).uint(SIZE).get(),
                 CRED)
    check_eq(u.uint(), OK, "READ %s" % what)


def remove(c, dirfh, name, what):
    u = rpc.nfs3(c, REMOVE, rpc.Packer().opaque(dirfh).string(name).get(),
                 CRED)
    check_eq(u.uint(), OK, "REMOVE %s" % what)


def held(name):
    """nfsd's descriptors on a file of that name, deleted or not."""
    out = []
    fddir = "/proc/%d/fd" % nfsd.proc.pid
    for fd in os.listdir(fddir):
        try:
            target = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        if os.path.basename(target.replace(" (deleted)", "")) == name:
            out.append(target)
    return out


XROOT = mount(X)
YROOT = mount(Y)
with rpc.TcpClient() as c:
    log("== files opened under X's export after their X name went")
    fh = {}
    for name in ("gone", "replaced", "kept"):
        fh[name] = lookup(c, XROOT, name)
        remove(c, XROOT, name, "x/" + name)
        read_all(c, fh[name], name + " by its handle in X")
        check([t for t in held(name) if t.endswith(" (deleted)")] == [] and
              held(name) != [],
              "nfsd holds %s open, alive as y/%s (else this test shows "
              "nothing)" % (name, name), "descriptors", held(name))

    log("== the last name goes through Y")
    remove(c, YROOT, "gone", "y/gone")
    check_eq(held("gone"), [], "REMOVE: nfsd holds nothing of gone")
    u = rpc.nfs3(c, RENAME, rpc.Packer().opaque(YROOT).string("moved")
                 .opaque(YROOT).string("replaced").get(), CRED)
    check_eq(u.uint(), OK, "RENAME y/moved over y/replaced")
    check_eq([t for t in held("replaced") if t.endswith(" (deleted)")], [],
             "RENAME: nfsd holds nothing of the file it replaced")
    check(held("kept") != [], "the file left alone stays cached",
          "descriptors", held("kept"))

nfsd.stop()
itest.finish()
