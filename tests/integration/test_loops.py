#!/usr/bin/env python3
"""
test_loops.py - the event loops and the workers (nfsd -o loops,
quick-inline, workers):
  - with 3 loops, 9 connections each pipelining 60 calls in one write
    get every reply, right xid and status, however the calls are split
    between loops and workers;
  - on one connection, FILE_SYNC WRITEs (run by a worker) and GETATTRs
    (run by the loop) sent together are all answered and the data is in
    the file;
  - the same with quick-inline=0 (every call to a worker) and with one
    loop and one worker.
"""

import os
import struct
import time

import itest
from itest import check, check_eq, log
import rpc

GETATTR, WRITE = 1, 7
UNSTABLE, FILE_SYNC = 0, 2

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
EXPORTS = W.write("exports", "%s -maproot=root -network 127.0.0.0/8\n" % E)
CRED = rpc.auth_sys()


def mount():
    with rpc.TcpClient(port=itest.MOUNT_PORT) as m:
        return rpc.mnt(m, E)[1]


def lookup_or_create(c, dirfh, name):
    args = rpc.Packer().opaque(dirfh).string(name).uint(0)  # UNCHECKED
    args.uint(1).uint(0o644)                                 # mode
    for _ in range(5):                                       # uid..mtime
        args.uint(0)
    r = c.call(rpc.NFS_PROG, 3, 8, args.get(), CRED)
    u = rpc.Unpacker(r.body)
    assert u.uint() == 0, "CREATE %s failed" % name
    assert u.uint() == 1
    return u.opaque()


def write_args(fh, off, data, stable):
    return (rpc.Packer().opaque(fh).hyper(off).uint(len(data)).uint(stable)
            .opaque(data).get())


def pipeline(c, calls):
    """Send every call in one write; xid -> proc, xid -> (proc, reply),
    and the procs in the order their replies came."""
    xids, blob = {}, b""
    for proc, args in calls:
        xid = rpc.next_xid()
        xids[xid] = proc
        blob += rpc.record(rpc.build_call(xid, rpc.NFS_PROG, 3, proc, args,
                                          CRED))
    c.send_raw(blob)
    got, order = {}, []
    for _ in calls:
        r = rpc.parse_reply(c.recv_record())
        got[r.xid] = (xids.get(r.xid), r)
        order.append(xids.get(r.xid))
    return xids, got, order


def status_of(r):
    return struct.unpack(">I", r.body[:4])[0] if r.ok else None


def run_case(name, opts):
    log("== %s (-o %s)" % (name, opts))
    nfsd = itest.Nfsd(W, EXPORTS, extra=("-N", "-o", opts)).start()
    root = mount()
    conns = [rpc.TcpClient(port=itest.NFS_PORT, timeout=20)
             for _ in range(9)]
    fhs = [lookup_or_create(c, root, "f%d" % i) for i, c in enumerate(conns)]

    bad = 0
    for i, c in enumerate(conns):
        calls = [(GETATTR, rpc.Packer().opaque(fhs[i]).get())] * 50
        calls += [(0, b"")] * 10
        xids, got, _ = pipeline(c, calls)
        for xid, proc in xids.items():
            if xid not in got or not got[xid][1].ok or \
                    (proc == GETATTR and status_of(got[xid][1]) != 0):
                bad += 1
    check_eq(bad, 0, "9 connections x 60 pipelined calls: all answered OK")

    c = conns[0]
    block = os.urandom(65536)
    calls = []
    for k in range(8):
        calls.append((WRITE, write_args(fhs[0], k * len(block), block,
                                        FILE_SYNC)))
        calls += [(GETATTR, rpc.Packer().opaque(fhs[0]).get())] * 4
    xids, got, _ = pipeline(c, calls)
    check_eq(sorted(p for p, _ in got.values()), sorted(xids.values()),
             "FILE_SYNC WRITEs and GETATTRs sent together: each answered")
    check(all(status_of(r) == 0 for _, r in got.values()),
          "every one of them NFS3_OK")
    with open(os.path.join(E, "f0"), "rb") as fp:
        check(fp.read() == block * 8, "the written data is in the file")
    for c in conns:
        c.close()
    nfsd.stop()


run_case("three loops", "loops=3")
run_case("every call to a worker", "quick-inline=0")
run_case("one loop, one worker", "loops=1,workers=1")
itest.finish()
