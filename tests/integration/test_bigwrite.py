#!/usr/bin/env python3
"""
test_bigwrite.py - big WRITEs, whose data nfsd reads straight into the
record being reassembled, arrive whole however TCP cuts them:
  - 1 MiB UNSTABLE and FILE_SYNC WRITEs sent in random pieces (up to
    300 bytes, 4 KiB or 200 KiB, with pauses, so reads end anywhere in
    the body), in one fragment and in three (fragment marks inside the
    data): READ gives back exactly what was written;
  - two 600 KiB WRITEs and a GETATTR sent in one go: three replies
    (in any order: such WRITEs go to workers, the GETATTR does not),
    and both writes landed;
  - a peer that goes away in the middle of a 1 MiB body: the file is
    untouched there, and nfsd goes on serving other connections.
"""

import random
import socket
import time

import itest
from itest import check, check_eq, log
import rpc

GETATTR, LOOKUP, READ, WRITE, CREATE, COMMIT = 1, 3, 6, 7, 8, 21
OK = 0
UNSTABLE, FILE_SYNC = 0, 2
MIB = 1 << 20

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()
rng = random.Random(1813)


def call(c, proc, args):
    return rpc.nfs3(c, proc, args, CRED)


def create(c, name):
    args = rpc.Packer().opaque(ROOT).string(name).uint(0).bool(True) \
        .uint(0o644)
    for _ in range(5):
        args.uint(0)
    u = call(c, CREATE, args.get())
    assert u.uint() == OK, "CREATE %s" % name
    assert u.bool()
    return u.opaque()


def write_call(fh, off, data, stable):
    args = rpc.Packer().opaque(fh).hyper(off).uint(len(data)).uint(stable) \
        .opaque(data).get()
    return rpc.build_call(rpc.next_xid(), rpc.NFS_PROG, 3, WRITE, args, CRED)


def write_status(r):
    """(status, count) of a WRITE reply."""
    u = rpc.Unpacker(r.body)
    st = u.uint()
    for _ in range(2):                  # wcc_data: pre_op_attr, post_op
        if u.bool():
            u.fopaque(24 if _ == 0 else 84)
    return st, (u.uint() if st == OK else None)


def read_back(c, fh, off, n):
    out = b""
    while len(out) < n:
        want = min(n - len(out), 256 * 1024)
        u = call(c, READ, rpc.Packer().opaque(fh).hyper(off + len(out))
                 .uint(want).get())
        if u.uint() != OK:
            return None
        if u.bool():
            u.fopaque(84)
        u.uint()                        # count
        eof = u.bool()
        data = u.opaque()
        out += data
        if eof or not data:
            break
    return out


def send_pieces(c, blob, maxpiece):
    off = 0
    while off < len(blob):
        n = rng.randrange(1, maxpiece + 1)
        c.send_raw(blob[off:off + n])
        off += n
        if rng.random() < 0.02:
            time.sleep(0.002)


with rpc.TcpClient() as c:
    for frags in (1, 3):
        for stable, sname in ((UNSTABLE, "UNSTABLE"), (FILE_SYNC,
                                                       "FILE_SYNC")):
            for maxpiece in (300, 4096, 200 * 1024):
                what = "1 MiB %s WRITE, %d fragment(s), pieces up to %d" \
                    % (sname, frags, maxpiece)
                fh = create(c, "f%d%s%d" % (frags, sname, maxpiece))
                data = rng.randbytes(MIB)
                send_pieces(c, rpc.record(write_call(fh, 0, data, stable),
                                          frags), maxpiece)
                st, count = write_status(rpc.parse_reply(c.recv_record()))
                check_eq((st, count), (OK, MIB), "%s: OK, all of it" % what)
                check(read_back(c, fh, 0, MIB) == data,
                      "%s: READ gives back the data" % what)

    log("== two 600 KiB WRITEs and a GETATTR in one send")
    fh = create(c, "pipelined")
    a, b = rng.randbytes(600 << 10), rng.randbytes(600 << 10)
    calls = [write_call(fh, 0, a, UNSTABLE),
             write_call(fh, len(a), b, UNSTABLE),
             rpc.build_call(rpc.next_xid(), rpc.NFS_PROG, 3, GETATTR,
                            rpc.Packer().opaque(fh).get(), CRED)]
    xids = [rpc.Unpacker(x).uint() for x in calls]
    c.send_raw(b"".join(rpc.record(x) for x in calls))
    replies = [rpc.parse_reply(c.recv_record()) for _ in calls]
    check_eq(sorted(r.xid for r in replies), sorted(xids),
             "three replies, one per call")
    by_xid = {r.xid: r for r in replies}
    check_eq([write_status(by_xid[x]) if x in by_xid else None
              for x in xids[:2]],
             [(OK, len(a)), (OK, len(b))], "both WRITEs OK")
    check(read_back(c, fh, 0, len(a) + len(b)) == a + b,
          "READ gives back both")

    log("== a peer gone in the middle of a 1 MiB body")
    fh = create(c, "cut")
    blob = rpc.record(write_call(fh, 0, rng.randbytes(MIB), UNSTABLE))
    s = socket.create_connection(("127.0.0.1", itest.NFS_PORT))
    s.sendall(blob[:len(blob) // 2])
    time.sleep(0.2)
    s.close()
    time.sleep(0.2)
    check_eq(read_back(c, fh, 0, MIB), b"",
             "the file is as it was (empty)")
    check(nfsd.alive(), "nfsd still runs")
    check("closed inside a record" in nfsd.log_text(),
          "nfsd logs the peer that left inside a record")
with rpc.TcpClient() as c2:
    u = call(c2, GETATTR, rpc.Packer().opaque(ROOT).get())
    check_eq(u.uint(), OK, "a new connection is served")
nfsd.stop()
itest.finish()
