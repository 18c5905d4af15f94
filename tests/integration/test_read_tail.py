#!/usr/bin/env python3
"""
test_read_tail.py - big READs over TCP, whose data nfsd sends straight
from the page cache after the encoded reply (the file's pages spliced
into a pipe, the pipe into the socket), arrive exactly as in the file:
  - READs of 1 MiB, of an odd size (padding), ending at end of file (eof
    set), past end of file, and small ones (inline), pipelined with
    NULL and GETATTR on one connection: every reply's count, eof, data
    and padding;
  - a peer that reads nothing for a while: 40 READs of 1 MiB queue up
    behind a full socket, then all arrive whole;
  - the same over UDP (data inline there);
  - many such peers at once: the descriptors held for queued data stay
    within RPC_TAILS_MAX (the rest goes inline), every reply is right;
  - a file truncated while 32 READ replies wait to be sent: each reply
    has the data as it was when the READ ran (its pages are held), or
    none and eof; the connection serves on.
"""

import os
import socket
import struct
import time

import itest
from itest import check, check_eq, log
import rpc

NULL, GETATTR, LOOKUP, READ = 0, 1, 3, 6
OK = 0
MIB = 1 << 20
TAILS_MAX = 1024        # RPC_TAILS_MAX
HOGS = 64
# READs of 1 MiB waiting while their file is truncated: more than the
# socket buffers (tcp_wmem's 4 MiB) and the reply queue (8 records) hold.
NSHRINK = 32

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
DATA = os.urandom(3 * MIB + 5)
with open(os.path.join(E, "big"), "wb") as fp:
    fp.write(DATA)
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()


def lookup(c, name):
    u = rpc.nfs3(c, LOOKUP, rpc.Packer().opaque(ROOT).string(name).get(),
                 CRED)
    check_eq(u.uint(), OK, "LOOKUP %s" % name)
    return u.opaque()


def read_call(fh, off, count):
    args = rpc.Packer().opaque(fh).hyper(off).uint(count).get()
    return rpc.build_call(rpc.next_xid(), rpc.NFS_PROG, 3, READ, args, CRED)


def read_res(body):
    """(status, count, eof, data, pad bytes) of READ3res."""
    u = rpc.Unpacker(body)
    st = u.uint()
    if u.bool():
        u.fopaque(84)
    if st != OK:
        return st, None, None, None, None
    count, eof = u.uint(), u.bool()
    n = u.uint()
    data = u.data[u.pos:u.pos + n]
    pad = u.data[u.pos + n:]
    return st, count, eof, data, pad


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise rpc.ConnectionClosed("connection closed by server")
        buf += chunk
    return bytes(buf)


def recv_record(s):
    """One single-fragment record from a plain socket."""
    mark = struct.unpack(">I", recv_exact(s, 4))[0]
    if not mark & 0x80000000:
        raise rpc.RpcError("a reply in more than one fragment")
    return recv_exact(s, mark & 0x7FFFFFFF)


def nfd(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def expect(off, count, size=len(DATA), content=None):
    """What a READ of count at off must give: (count, eof, data)."""
    content = DATA if content is None else content
    data = content[off:off + count] if off < size else b""
    return len(data), off + len(data) >= size, data


def check_read(what, reply, off, count):
    check(reply.ok, "%s: accepted" % what, True, reply)
    st, n, eof, data, pad = read_res(reply.body)
    want_n, want_eof, want = expect(off, count)
    check_eq((st, n, eof), (OK, want_n, want_eof),
             "%s: status, count, eof" % what)
    check(data == want, "%s: the file's bytes" % what,
          "%d bytes equal" % want_n, "%d bytes, differ" % len(data or b""))
    check_eq(pad, b"\0" * ((4 - want_n % 4) % 4), "%s: zero padding" % what)


log("== pipelined READs, NULL and GETATTR on one connection")
with rpc.TcpClient() as c:
    big = lookup(c, "big")
    reads = [(0, MIB), (MIB, MIB), (2 * MIB, MIB), (3 * MIB, MIB),
             (7, 100001), (len(DATA) - 40000, MIB), (len(DATA), MIB),
             (len(DATA) + 4096, 65536), (12345, 4096), (5, 32768),
             (5, 32767)]
    calls = []
    for i, (off, count) in enumerate(reads):
        calls.append(("READ %d at %d" % (count, off), off, count,
                      read_call(big, off, count)))
        if i % 3 == 1:
            calls.append(("NULL", None, None, rpc.build_call(
                rpc.next_xid(), rpc.NFS_PROG, 3, NULL, b"", CRED)))
        if i % 4 == 2:
            calls.append(("GETATTR", None, None, rpc.build_call(
                rpc.next_xid(), rpc.NFS_PROG, 3, GETATTR,
                rpc.Packer().opaque(big).get(), CRED)))
    c.send_raw(b"".join(rpc.record(x[3]) for x in calls))
    got = {}
    for _ in calls:
        r = rpc.parse_reply(c.recv_record(maxlen=2 * MIB))
        got[r.xid] = r
    for what, off, count, payload in calls:
        r = got.get(rpc.Unpacker(payload).uint())
        if r is None:
            check(False, "%s: a reply" % what)
        elif off is None:
            check(r.ok and (what == "NULL" or
                            rpc.Unpacker(r.body).uint() == OK),
                  "%s: answered" % what, True, r)
        else:
            check_read(what, r, off, count)

log("== a peer that reads nothing while 40 READs of 1 MiB queue up")
offs = [(i * 266240) % (len(DATA) - MIB // 2) // 4096 * 4096 for i in range(40)]
calls = [read_call(big, off, MIB) for off in offs]
with rpc.TcpClient(timeout=10.0) as c:
    c.send_raw(b"".join(rpc.record(x) for x in calls))
    time.sleep(1.0)
    got = {}
    for _ in offs:
        r = rpc.parse_reply(c.recv_record(maxlen=2 * MIB))
        got[r.xid] = r
    for i, off in enumerate(offs):
        r = got.get(rpc.Unpacker(calls[i]).uint())
        if check(r is not None, "queued READ %d at %d: a reply" % (i, off)):
            check_read("queued READ %d at %d" % (i, off), r, off, MIB)

log("== the same over UDP: the data inline")
with rpc.UdpClient() as u:
    for off, count in ((0, 40000), (len(DATA) - 33000, 60000)):
        r = u.call_raw(read_call(big, off, count), timeout=5)
        check_read("UDP READ %d at %d" % (count, off), r, off, count)

log("== %d peers that read nothing hold at most %d tails' descriptors"
    % (HOGS, TAILS_MAX))
base = nfd(nfsd.proc.pid)
hogs = []
for h in range(HOGS):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", itest.NFS_PORT))
    offs = [(h * 7919 + i * 65537) % (len(DATA) - 65536) for i in range(64)]
    calls = [read_call(big, off, 65536) for off in offs]
    s.sendall(b"".join(rpc.record(x) for x in calls))
    hogs.append((s, offs, calls))
time.sleep(1.5)
held = nfd(nfsd.proc.pid) - base
log("  %d descriptors more with %d READs of 64 KiB waiting" % (held,
                                                               HOGS * 64))
# The hogs' sockets, and a tail per event loop (one per CPU) made while
# the count was just under the limit.
bound = TAILS_MAX + HOGS + (os.cpu_count() or 2) + 8
check(held <= bound, "descriptors stay bounded", "<= %d" % bound, held)
bad = 0
for s, offs, calls in hogs:
    s.settimeout(10.0)
    got = {}
    for _ in calls:
        try:
            r = rpc.parse_reply(recv_record(s))
        except rpc.RpcError:
            nfsd.show_log()
            raise
        got[r.xid] = r
    for off, x in zip(offs, calls):
        r = got.get(rpc.Unpacker(x).uint())
        st, n, eof, data, pad = read_res(r.body)
        if (st, n, data) != (OK, 65536, DATA[off:off + 65536]):
            bad += 1
    s.close()
check_eq(bad, 0, "every reply right, tail or inline")
time.sleep(0.5)
check(nfd(nfsd.proc.pid) - base <= 2, "the descriptors are given back",
      "<= 2 more", nfd(nfsd.proc.pid) - base)

log("== a file truncated while its data waits to be sent")
SHRINK = os.urandom(NSHRINK * MIB)
path = os.path.join(E, "shrink")
with open(path, "wb") as fp:
    fp.write(SHRINK)
with rpc.TcpClient() as c:
    fh = lookup(c, "shrink")
with rpc.TcpClient(timeout=10.0) as c:
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    calls = [read_call(fh, i * MIB, MIB) for i in range(NSHRINK)]
    c.send_raw(b"".join(rpc.record(x) for x in calls))
    time.sleep(1.0)
    os.truncate(path, 0)
    got = {}
    for _ in calls:
        r = rpc.parse_reply(c.recv_record(maxlen=2 * MIB))
        got[r.xid] = r
    old = 0
    for i, x in enumerate(calls):
        r = got.get(rpc.Unpacker(x).uint())
        st, n, eof, data, pad = read_res(r.body)
        old += n == MIB
        check(st == OK and (data == SHRINK[i * MIB:(i + 1) * MIB] or
                            (n, eof) == (0, True)),
              "READ %d: the bytes as they were, or nothing and eof" % i,
              "1 MiB as written or (0, eof)", (st, n, eof))
    log("  %d of %d READs answered with the data from before"
        % (old, NSHRINK))
    check(0 < old < NSHRINK, "some READs ran before the truncation, "
          "some after", "1 to %d" % (NSHRINK - 1), old)
    check(c.call(rpc.NFS_PROG, 3, NULL).ok, "the connection serves on",
          True, False)
with rpc.TcpClient() as c:
    check(c.call(rpc.NFS_PROG, 3, NULL).ok, "nfsd serves on", True, False)

nfsd.stop()
itest.finish()
