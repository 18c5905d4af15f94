#!/usr/bin/env python3
"""
test_hostile.py - malformed and hostile RPC traffic.

Proves that nfsd answers bad calls with the reply RFC 5531 prescribes,
closes connections whose framing is broken, never lets one bad or slow
client stall the others, and keeps serving throughout:
  (a) random bytes on TCP -> connection closed;
  (b) truncated record, then close (and one left half-sent) -> still serves;
  (c) fragment headers claiming ~2 GiB, and endless non-last fragments
      -> connection closed;
  (d) rpcvers 3 -> MSG_DENIED RPC_MISMATCH 2..2;
  (e) unknown program -> PROG_UNAVAIL;
  (f) NFS v2/v4 -> PROG_MISMATCH 3..3, MOUNT v4 -> PROG_MISMATCH 1..3;
  (g) unknown procedure -> PROC_UNAVAIL;
  (h) MNT with undecodable arguments -> GARBAGE_ARGS;
  (i) bad AUTH_SYS credentials -> AUTH_ERROR AUTH_BADCRED;
  (j) AUTH_DH -> AUTH_ERROR AUTH_TOOWEAK;
  (k) a call split over 3 fragments, and one sent byte by byte -> answered;
  (l) the same over UDP -> the right reply or silence, and still serving.
Meanwhile background threads keep NFS and MOUNT NULL calls going on
their own TCP connections; every one must be answered.
"""

import random
import socket
import struct
import threading
import time

import itest
from itest import check, check_eq, log
import rpc
from rpc import (NFS_PROG, MOUNT_PROG, Packer, TcpClient, UdpClient,
                 build_call, record)

itest.require_namespace()
W = itest.Workdir()
D = W.mkfs("export")
exports = W.write("exports", "%s -network 127.0.0.0/8\n" % D)
nfsd = itest.Nfsd(W, exports).start()
NP, MP = nfsd.nfs_port, nfsd.mount_port
HOST = "127.0.0.1"
rng = random.Random(20240611)          # fixed seed: reproducible bytes


# ------------------------------------------------------------------ pinger

class Pinger(threading.Thread):
    """NULL calls in a loop on one TCP connection; counts answers."""

    def __init__(self, port, prog, vers):
        super().__init__(daemon=True)
        self.port, self.prog, self.vers = port, prog, vers
        self.answered = 0
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        try:
            c = TcpClient(HOST, self.port, timeout=5.0)
        except OSError as e:
            self.failures.append("connect: %s" % e)
            return
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                r = c.call(self.prog, self.vers, 0)
                if r.ok:
                    self.answered += 1
                else:
                    self.failures.append("reply %r" % r)
            except (OSError, rpc.RpcError) as e:
                self.failures.append("after %d answers, %.1fs: %s"
                                     % (self.answered,
                                        time.monotonic() - t0, e))
                return                 # the connection is no good now
            self.stop.wait(0.02)
        c.close()


pingers = [Pinger(NP, NFS_PROG, 3), Pinger(MP, MOUNT_PROG, 3)]
for p in pingers:
    p.start()


# ------------------------------------------------------------------ helpers

def tcp(port=NP):
    return TcpClient(HOST, port, timeout=5.0)


def serves(what):
    """A fresh TCP and UDP connection get NULL answered (NFS and MOUNT)."""
    good = True
    for proto in ("tcp", "udp"):
        for port, prog in ((NP, NFS_PROG), (MP, MOUNT_PROG)):
            try:
                with rpc.connect(proto, HOST, port, timeout=5.0) as c:
                    r = c.call(prog, 3, 0)
                ok = r.ok
                seen = r
            except (OSError, rpc.RpcError) as e:
                ok, seen = False, e
            if not ok:
                check(False, "%s: %s NULL to %d on a fresh %s socket"
                      % (what, prog, port, proto), "SUCCESS", seen)
                good = False
    if good:
        check(True, "%s: NFS and MOUNT still serve on TCP and UDP" % what)
    check(nfsd.alive(), "%s: nfsd still running" % what, "running",
          "exited with %s" % (nfsd.proc.poll() if nfsd.proc else "?"))


def closed_after(c, data, what, timeout=5.0):
    """Send data (the server may close mid-send); expect a close."""
    t0 = time.monotonic()
    try:
        c.send_raw(data)
    except (BrokenPipeError, ConnectionResetError):
        check(True, "%s -> closed (during send)" % what)
        c.close()
        return
    got = c.wait_closed(timeout)
    check(got, "%s -> connection closed" % what,
          "close within %.0fs" % timeout,
          "still open after %.1fs" % (time.monotonic() - t0))
    c.close()


def reply_of(port, payload, fragments=1):
    """Send one call record on a fresh connection: a Reply, or the text of
    the transport error (e.g. 'closed')."""
    try:
        with tcp(port) as c:
            return c.call_raw(payload, fragments)
    except rpc.ConnectionClosed as e:
        return "closed (%s)" % e
    except (OSError, rpc.RpcError) as e:
        return "error: %s" % e


def expect_reply(port, payload, what, **want):
    """Check the reply's fields (stat, accept_stat, low, high, ...)."""
    r = reply_of(port, payload)
    good = isinstance(r, rpc.Reply) and \
        all(getattr(r, k) == v for k, v in want.items())
    check(good, what, " ".join("%s=%s" % kv for kv in want.items()), r)
    return r


def call(prog, vers, proc, args=b"", cred=None, verf=None, rpcvers=2):
    return build_call(rpc.next_xid(), prog, vers, proc, args, cred, verf,
                      rpcvers)


ACCEPTED, DENIED = rpc.MSG_ACCEPTED, rpc.MSG_DENIED


def mnt_args(path):
    return Packer().string(path).get()


# A half-sent record held open for the whole test: must not stall anyone.
lingering = tcp()
lingering.send_raw(struct.pack(">I", rpc.LAST_FRAG | 100) + b"x" * 10)

# ------------------------------------------------------------------ (a)
log("== (a) random bytes")
closed_after(tcp(), rng.randbytes(65536), "64 KiB of random bytes")
closed_after(tcp(), struct.pack(">I", rpc.LAST_FRAG | 64) + rng.randbytes(64),
             "a 64-byte record of random bytes")
serves("after (a)")

# ------------------------------------------------------------------ (b)
log("== (b) truncated record")
c = tcp()
c.send_raw(struct.pack(">I", rpc.LAST_FRAG | 100) + b"\0" * 10)
c.close()
c = tcp(MP)
c.send_raw(record(call(MOUNT_PROG, 3, 1, mnt_args(D)))[:30])
c.close()
c = tcp()
c.send_raw(b"\x80\x00")                # half a record mark
c.close()
serves("after (b)")

# ------------------------------------------------------------------ (c)
log("== (c) huge fragments")
closed_after(tcp(), b"\xff\xff\xff\xff" + b"\0" * 64,
             "fragment header 0xFFFFFFFF (last, 2 GiB - 1)")
closed_after(tcp(), b"\x7f\xff\xff\xff" + b"\0" * 64,
             "fragment header 0x7FFFFFFF (not last, 2 GiB - 1)")
closed_after(tcp(MP), b"\xff\xff\xff\xff", "0xFFFFFFFF on the MOUNT port")
c = tcp()
frag = struct.pack(">I", 65536) + b"\0" * 65536
t0 = time.monotonic()
sent = 0
try:
    while sent < 64 << 20 and time.monotonic() - t0 < 20:
        c.send_raw(frag)
        sent += 65536
    got = c.wait_closed(5)
except (BrokenPipeError, ConnectionResetError):
    got = True
check(got, "endless 64 KiB non-last fragments -> closed before 64 MiB",
      "closed", "still open after %d MiB" % (sent >> 20))
c.close()
serves("after (c)")

# ------------------------------------------------------------------ (d)..(g)
log("== (d) RPC version 3")
expect_reply(NP, call(NFS_PROG, 3, 0, rpcvers=3), "NFS call with rpcvers 3",
             stat=DENIED, reject_stat=rpc.RPC_MISMATCH, low=2, high=2)
expect_reply(MP, call(MOUNT_PROG, 3, 0, rpcvers=3),
             "MOUNT call with rpcvers 3",
             stat=DENIED, reject_stat=rpc.RPC_MISMATCH, low=2, high=2)

log("== (e) unknown program")
expect_reply(NP, call(123456, 1, 0), "program 123456 on the NFS port",
             stat=ACCEPTED, accept_stat=rpc.PROG_UNAVAIL)
expect_reply(MP, call(123456, 1, 0), "program 123456 on the MOUNT port",
             stat=ACCEPTED, accept_stat=rpc.PROG_UNAVAIL)

log("== (f) unsupported versions")
for v in (2, 4):
    expect_reply(NP, call(NFS_PROG, v, 0), "NFS version %d" % v,
                 stat=ACCEPTED, accept_stat=rpc.PROG_MISMATCH, low=3, high=3)
for v in (0, 4):
    expect_reply(MP, call(MOUNT_PROG, v, 0), "MOUNT version %d" % v,
                 stat=ACCEPTED, accept_stat=rpc.PROG_MISMATCH, low=1, high=3)

log("== (g) unknown procedure")
expect_reply(NP, call(NFS_PROG, 3, 99), "NFS v3 procedure 99",
             stat=ACCEPTED, accept_stat=rpc.PROC_UNAVAIL)
expect_reply(MP, call(MOUNT_PROG, 3, 99), "MOUNT v3 procedure 99",
             stat=ACCEPTED, accept_stat=rpc.PROC_UNAVAIL)

# ------------------------------------------------------------------ (h)
log("== (h) garbage arguments")
truncated = struct.pack(">I", 100) + b"/truncated"      # says 100, has 10
expect_reply(MP, call(MOUNT_PROG, 3, 1, truncated, rpc.auth_sys()),
             "MNT with a truncated dirpath",
             stat=ACCEPTED, accept_stat=rpc.GARBAGE_ARGS)
expect_reply(MP, call(MOUNT_PROG, 3, 1, b"", rpc.auth_sys()),
             "MNT with no arguments at all",
             stat=ACCEPTED, accept_stat=rpc.GARBAGE_ARGS)
r = reply_of(MP, call(MOUNT_PROG, 3, 1, mnt_args("/" + "x" * 2000),
                      rpc.auth_sys()))
longok = isinstance(r, rpc.Reply) and (
    (r.stat == ACCEPTED and r.accept_stat == rpc.GARBAGE_ARGS) or
    (r.ok and r.body[:4] == struct.pack(">I", rpc.MNT3ERR_NAMETOOLONG)))
check(longok, "MNT with a 2001-byte dirpath (> MNTPATHLEN 1024)",
      "GARBAGE_ARGS or MNT3ERR_NAMETOOLONG", r)

# ------------------------------------------------------------------ (i)
log("== (i) bad AUTH_SYS credentials")


def expect_badcred(cred, what, may_close=False):
    r = reply_of(MP, call(MOUNT_PROG, 3, 1, mnt_args(D), cred))
    good = isinstance(r, rpc.Reply) and r.stat == DENIED and \
        r.reject_stat == rpc.AUTH_ERROR and r.auth_stat == rpc.AUTH_BADCRED
    if may_close and isinstance(r, str) and r.startswith("closed"):
        good = True
    check(good, what, "AUTH_ERROR AUTH_BADCRED" +
          (" or connection closed" if may_close else ""), r)


expect_badcred(rpc.auth_sys(gids=range(17)), "AUTH_SYS with 17 gids")
expect_badcred(rpc.auth_sys(machinename="m" * 256),
               "AUTH_SYS with a 256-byte machinename")
body = rpc.auth_sys_body(gids=range(16)) + b"\0" * 400
expect_badcred(rpc.opaque_auth(rpc.AUTH_SYS, body),
               "AUTH_SYS credential body of %d bytes (> 400)" % len(body),
               may_close=True)
expect_badcred(rpc.opaque_auth(rpc.AUTH_SYS, b"\0\0\0\1"),
               "AUTH_SYS credential body truncated to 4 bytes")
expect_badcred(rpc.opaque_auth(rpc.AUTH_SYS,
                               rpc.auth_sys_body(gids=range(3))[:-4]),
               "AUTH_SYS gid count larger than the body")
# A good AUTH_SYS with 16 gids is fine (the limit is 16, not 15).
r = reply_of(MP, call(MOUNT_PROG, 3, 0, b"", rpc.auth_sys(gids=range(16))))
check(isinstance(r, rpc.Reply) and r.ok,
      "AUTH_SYS with 16 gids accepted (MOUNT NULL)", "SUCCESS", r)

# ------------------------------------------------------------------ (j)
log("== (j) AUTH_DH")
dh_cred = rpc.opaque_auth(rpc.AUTH_DH,
                          Packer().uint(0).string("unix.0@example")
                          .fopaque(b"K" * 8).uint(60).get())
dh_verf = rpc.opaque_auth(rpc.AUTH_DH, b"T" * 8 + b"W" * 4)
expect_reply(MP, call(MOUNT_PROG, 3, 1, mnt_args(D), dh_cred, dh_verf),
             "MNT with an AUTH_DH credential",
             stat=DENIED, reject_stat=rpc.AUTH_ERROR,
             auth_stat=rpc.AUTH_TOOWEAK)

# ------------------------------------------------------------------ (k)
log("== (k) multi-fragment and byte-by-byte records")
for port, prog in ((NP, NFS_PROG), (MP, MOUNT_PROG)):
    r = reply_of(port, call(prog, 3, 0), fragments=3)
    check(isinstance(r, rpc.Reply) and r.ok,
          "NULL to %d split into 3 fragments answered" % prog, "SUCCESS", r)
r = reply_of(MP, call(MOUNT_PROG, 3, 1, mnt_args(D), rpc.auth_sys()),
             fragments=5)
check(isinstance(r, rpc.Reply) and r.ok and r.body[:4] == b"\0\0\0\0",
      "MNT split into 5 fragments (dirpath split too) granted",
      "SUCCESS, status 0", r)


def bytewise(port, payload, fragments=1):
    xid = struct.unpack(">I", payload[:4])[0]
    try:
        with tcp(port) as c:
            for b in record(payload, fragments):
                c.send_raw(bytes([b]))
                time.sleep(0.005)
            r = rpc.parse_reply(c.recv_record())
    except (OSError, rpc.RpcError) as e:
        return "error: %s" % e
    return r if r.xid == xid else "wrong xid %r" % r


r = bytewise(NP, call(NFS_PROG, 3, 0))
check(isinstance(r, rpc.Reply) and r.ok, "NFS NULL sent one byte at a time "
      "answered", "SUCCESS", r)
r = bytewise(NP, call(NFS_PROG, 3, 0), fragments=3)
check(isinstance(r, rpc.Reply) and r.ok, "NFS NULL in 3 fragments, one "
      "byte at a time, answered", "SUCCESS", r)

# Two calls in one write, then pipelined replies in order.
try:
    with tcp() as c:
        a, b = call(NFS_PROG, 3, 0), call(NFS_PROG, 3, 0)
        c.send_raw(record(a) + record(b))
        r1 = rpc.parse_reply(c.recv_record())
        r2 = rpc.parse_reply(c.recv_record())
        xids = sorted([r1.xid, r2.xid])
        want = sorted(struct.unpack(">I", x[:4])[0] for x in (a, b))
        check(r1.ok and r2.ok and xids == want,
              "two calls in one segment both answered", want, (r1, r2))
except (OSError, rpc.RpcError) as e:
    check(False, "two calls in one segment both answered", "2 replies", e)
serves("after (d)-(k)")

# ------------------------------------------------------------------ (l)
log("== (l) the same over UDP")


def udp_expect(port, payload, what, **want):
    """The right reply, or no reply at all (dropping is allowed)."""
    try:
        with UdpClient(HOST, port, timeout=1.5) as u:
            r = u.call_raw(payload)
    except (OSError, rpc.RpcError) as e:
        check(False, what, "reply or silence", e)
        return
    if r is None:
        check(True, "%s -> dropped" % what)
        return
    good = all(getattr(r, k) == v for k, v in want.items())
    check(good, what, " ".join("%s=%s" % kv for kv in want.items())
          + " (or silence)", r)


udp_expect(NP, call(NFS_PROG, 3, 0, rpcvers=3), "UDP rpcvers 3",
           stat=DENIED, reject_stat=rpc.RPC_MISMATCH, low=2, high=2)
udp_expect(NP, call(123456, 1, 0), "UDP program 123456",
           stat=ACCEPTED, accept_stat=rpc.PROG_UNAVAIL)
udp_expect(NP, call(NFS_PROG, 2, 0), "UDP NFS version 2",
           stat=ACCEPTED, accept_stat=rpc.PROG_MISMATCH, low=3, high=3)
udp_expect(MP, call(MOUNT_PROG, 4, 0), "UDP MOUNT version 4",
           stat=ACCEPTED, accept_stat=rpc.PROG_MISMATCH, low=1, high=3)
udp_expect(NP, call(NFS_PROG, 3, 99), "UDP NFS procedure 99",
           stat=ACCEPTED, accept_stat=rpc.PROC_UNAVAIL)
udp_expect(MP, call(MOUNT_PROG, 3, 1, truncated, rpc.auth_sys()),
           "UDP MNT with a truncated dirpath",
           stat=ACCEPTED, accept_stat=rpc.GARBAGE_ARGS)
udp_expect(MP, call(MOUNT_PROG, 3, 1, mnt_args(D), rpc.auth_sys(gids=range(17))),
           "UDP MNT with 17 gids",
           stat=DENIED, reject_stat=rpc.AUTH_ERROR,
           auth_stat=rpc.AUTH_BADCRED)
udp_expect(MP, call(MOUNT_PROG, 3, 1, mnt_args(D), dh_cred, dh_verf),
           "UDP MNT with AUTH_DH",
           stat=DENIED, reject_stat=rpc.AUTH_ERROR,
           auth_stat=rpc.AUTH_TOOWEAK)
# Garbage that is not a call at all must get no reply.
for name, dgram in (("random 200 bytes", rng.randbytes(200)),
                    ("empty datagram", b""),
                    ("3 bytes", b"\1\2\3"),
                    ("a REPLY message", struct.pack(">III", 7, 1, 0) + b"\0" * 12),
                    ("a call cut inside the header",
                     call(NFS_PROG, 3, 0)[:20])):
    try:
        with UdpClient(HOST, NP, timeout=1.0) as u:
            u.send_raw(dgram)
            data = u.recv_datagram()
        check(data is None or dgram[:4] == data[:4],
              "UDP %s -> dropped (or a reply to its xid)" % name,
              "no datagram", data and data[:64].hex())
    except (OSError, rpc.RpcError) as e:
        check(False, "UDP %s" % name, "silence", e)
# A flood of garbage datagrams, then a good call still works.
with UdpClient(HOST, NP, timeout=1.0) as u:
    for _ in range(500):
        u.send_raw(rng.randbytes(rng.randrange(1, 1400)))
serves("after (l)")

# ------------------------------------------------------------------ the end
log("== background connections")
lingering.close()
time.sleep(0.3)
for p in pingers:
    p.stop.set()
for p in pingers:
    p.join(10)
for p, name in zip(pingers, ("NFS", "MOUNT")):
    check(p.answered > 0, "background %s NULL calls answered" % name,
          "> 0", p.answered)
    check_eq(p.failures, [], "background %s NULL calls: no failures "
             "(%d answered)" % (name, p.answered))
serves("at the end")
nfsd.stop()
itest.finish()
