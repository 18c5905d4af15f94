#!/usr/bin/env python3
"""
test_drc.py - retransmitted non-idempotent calls are answered from the
duplicate request cache, never executed twice (raw XDR over sockets):
  - RENAME, REMOVE, CREATE (GUARDED) and LINK sent twice with one xid
    get the same successful reply the second time (not NOENT/EXIST),
    over TCP, over UDP, and over a new TCP connection (a client that
    reconnected from another port);
  - the same xid with other arguments is a new call and is executed;
  - a Maildir delivery loop (CREATE in tmp/, WRITE FILE_SYNC, RENAME to
    new/) with every call sent twice, over UDP back to back, loses and
    duplicates no message.
"""

import os
import socket

import itest
from itest import check, check_eq, log
import rpc

LOOKUP, WRITE, CREATE, REMOVE, RENAME, LINK = 3, 7, 8, 12, 14, 15
OK = 0
FILE_SYNC, GUARDED = 2, 1

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()


def sattr_none(p):
    for _ in range(4):
        p.bool(False)
    return p.uint(0).uint(0)


def args_create(dirfh, name):
    return sattr_none(rpc.Packer().opaque(dirfh).string(name)
                      .uint(GUARDED)).get()


def args_rename(fdir, fname, tdir, tname):
    return rpc.Packer().opaque(fdir).string(fname).opaque(tdir) \
        .string(tname).get()


def args_remove(dirfh, name):
    return rpc.Packer().opaque(dirfh).string(name).get()


def twice(c, proc, args, what, xid=None, other=None):
    """Call, then retransmit with the same xid (on other if given)."""
    xid = xid or rpc.next_xid()
    first = c.call(rpc.NFS_PROG, 3, proc, args, CRED, xid=xid)
    second = (other or c).call(rpc.NFS_PROG, 3, proc, args, CRED, xid=xid)
    st = rpc.Unpacker(first.body).uint()
    check_eq(st, OK, "%s: first call" % what)
    check_eq(second.body, first.body, "%s: retransmission, same reply"
             % what)
    return first


def lookup(c, dirfh, name):
    r = c.call(rpc.NFS_PROG, 3, LOOKUP, args_remove(dirfh, name), CRED)
    u = rpc.Unpacker(r.body)
    return u.opaque() if u.uint() == OK else None


def touch(name):
    with open(os.path.join(E, name), "w") as fp:
        fp.write("x")


for proto in ("tcp", "udp"):
    log("== %s" % proto)
    c = rpc.connect(proto, "127.0.0.1", itest.NFS_PORT)
    p = proto
    for n in ("a", "c", "e", "other1", "other2"):
        touch("%s-%s" % (p, n))
    twice(c, RENAME, args_rename(ROOT, p + "-a", ROOT, p + "-b"), "RENAME")
    check(os.path.exists(os.path.join(E, p + "-b")) and
          not os.path.exists(os.path.join(E, p + "-a")),
          "RENAME happened once", "b only", os.listdir(E))
    twice(c, REMOVE, args_remove(ROOT, p + "-c"), "REMOVE")
    twice(c, CREATE, args_create(ROOT, p + "-d"), "CREATE GUARDED")
    efh = lookup(c, ROOT, p + "-e")
    twice(c, LINK, rpc.Packer().opaque(efh).opaque(ROOT)
          .string(p + "-e2").get(), "LINK")
    check_eq(os.stat(os.path.join(E, p + "-e")).st_nlink, 2,
             "LINK happened once")
    xid = rpc.next_xid()
    c.call(rpc.NFS_PROG, 3, REMOVE, args_remove(ROOT, p + "-other1"), CRED,
           xid=xid)
    r = c.call(rpc.NFS_PROG, 3, REMOVE, args_remove(ROOT, p + "-other2"),
               CRED, xid=xid)
    check_eq((rpc.Unpacker(r.body).uint(),
              os.path.exists(os.path.join(E, p + "-other2"))), (OK, False),
             "same xid, other arguments: a new call, executed")
    c.close()

log("== a retransmission over a new TCP connection")
touch("re-a")
c1 = rpc.TcpClient(port=itest.NFS_PORT)
c2 = rpc.TcpClient(port=itest.NFS_PORT)
twice(c1, RENAME, args_rename(ROOT, "re-a", ROOT, "re-b"),
      "RENAME retransmitted on another connection", other=c2)
c1.close()
c2.close()

log("== Maildir delivery, every call sent twice back to back (UDP)")
for d in ("tmp", "new"):
    os.makedirs(os.path.join(E, "Maildir", d))
u = rpc.UdpClient(port=itest.NFS_PORT)
mdir = lookup(u, ROOT, "Maildir")
tmp, new = lookup(u, mdir, "tmp"), lookup(u, mdir, "new")
failures = []


def send_twice(proc, args):
    xid = rpc.next_xid()
    call = rpc.build_call(xid, rpc.NFS_PROG, 3, proc, args, CRED)
    u.send_raw(call)
    u.send_raw(call)
    while True:
        data = u.recv_datagram(5.0)
        if data is None:
            raise rpc.RpcError("no reply to xid %#x" % xid)
        r = rpc.parse_reply(data)
        if r.xid == xid:
            return r


N = 200
for i in range(N):
    name = "%d.M%d.itest" % (1700000000 + i, i)
    r = send_twice(CREATE, args_create(tmp, name))
    un = rpc.Unpacker(r.body)
    if un.uint() != OK:
        failures.append((name, "CREATE"))
        continue
    un.bool()                            # handle follows
    fh = un.opaque()
    body = ("message %d\n" % i).encode() * 20
    r = send_twice(WRITE, rpc.Packer().opaque(fh).hyper(0).uint(len(body))
                   .uint(FILE_SYNC).opaque(body).get())
    if rpc.Unpacker(r.body).uint() != OK:
        failures.append((name, "WRITE"))
    r = send_twice(RENAME, args_rename(tmp, name, new, name))
    if rpc.Unpacker(r.body).uint() != OK:
        failures.append((name, "RENAME"))
u.close()
check_eq(failures[:5], [], "every call of every delivery succeeded")
got = sorted(os.listdir(os.path.join(E, "Maildir", "new")))
check_eq(len(got), N, "messages in new/")
check_eq(os.listdir(os.path.join(E, "Maildir", "tmp")), [], "tmp/ empty")
bad = [n for n in got
       if os.path.getsize(os.path.join(E, "Maildir", "new", n)) == 0]
check_eq(bad[:5], [], "every message has its body")
nfsd.stop()
itest.finish()
