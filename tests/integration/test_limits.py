#!/usr/bin/env python3
"""
test_limits.py - limits and fairness (nfsd -o):
  - a client that pipelines thousands of 1 MiB READs and never reads a
    reply is paused, not buffered: the server's memory stays bounded
    and another client is served meanwhile;
  - a client sending a record one byte at a time holds no worker: with
    a single worker thread another client is still served;
  - an idle connection is closed after idle-timeout;
  - beyond max-conns new connections are refused, old ones served;
  - bad -o values are refused at start-up.
"""

import os
import socket
import struct
import subprocess
import time

import itest
from itest import check, check_eq, log
import rpc

GETATTR, READ = 1, 6

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
with open(os.path.join(E, "big"), "wb") as fp:
    fp.write(os.urandom(1 << 20))
EXPORTS = W.write("exports", "%s -maproot=root -network 127.0.0.0/8\n" % E)


def root_fh():
    with rpc.TcpClient(port=itest.MOUNT_PORT) as m:
        return rpc.mnt(m, E)[1]


def served(what, timeout=3.0):
    """A fresh client gets a NULL answered within timeout."""
    t0 = time.monotonic()
    try:
        with rpc.TcpClient(port=itest.NFS_PORT, timeout=timeout) as c:
            ok = c.call(rpc.NFS_PROG, 3, 0).ok
    except (OSError, rpc.RpcError) as e:
        ok = "error: %s" % e
    return check(ok is True, what, "answered within %.0fs" % timeout,
                 "%s after %.1fs" % (ok, time.monotonic() - t0))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def lookup(c, dirfh, name):
    r = c.call(rpc.NFS_PROG, 3, 3, rpc.Packer().opaque(dirfh).string(name)
               .get(), rpc.auth_sys())
    u = rpc.Unpacker(r.body)
    return u.opaque() if u.uint() == 0 else None


log("== a client that never reads its replies")
nfsd = itest.Nfsd(W, EXPORTS).start()
root = root_fh()
with rpc.TcpClient(port=itest.NFS_PORT) as c:
    big = lookup(c, root, "big")
before = rss_kb(nfsd.proc.pid)
hog = socket.create_connection(("127.0.0.1", itest.NFS_PORT))
hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
call = rpc.record(rpc.build_call(1, rpc.NFS_PROG, 3, READ,
                                 rpc.Packer().opaque(big).hyper(0)
                                 .uint(1 << 20).get(), rpc.auth_sys()))
hog.setblocking(False)
sent = 0
deadline = time.monotonic() + 5
while sent < 2000 and time.monotonic() < deadline:
    try:
        hog.send(call)
        sent += 1
    except BlockingIOError:
        time.sleep(0.01)
time.sleep(1)
after = rss_kb(nfsd.proc.pid)
log("  %d READs of 1 MiB sent, %d of them stuck; RSS %d -> %d KiB"
    % (sent, sent, before, after))
check(sent > 150, "the hog got past the in-flight limit", "> 150 sent",
      sent)
# Bound: max-outq (8 records) + max-inflight (64) replies of 1 MiB,
# plus the workers' buffers.
check(after - before < 128 * 1024, "memory stays bounded",
      "< 128 MiB growth", "%d KiB" % (after - before))
served("another client is served while the hog is paused")
hog.close()
served("still served after the hog left")
nfsd.stop()

log("== a record one byte at a time, one worker")
nfsd = itest.Nfsd(W, EXPORTS, extra=("-N", "-o", "workers=1")).start()
slow = socket.create_connection(("127.0.0.1", itest.NFS_PORT))
rec = rpc.record(rpc.build_call(2, rpc.NFS_PROG, 3, 0))
for b in rec[:10]:
    slow.send(bytes([b]))
    time.sleep(0.05)
served("a normal client is served during the trickle")
for b in rec[10:]:
    slow.send(bytes([b]))
slow.settimeout(5)
check(len(slow.recv(100)) > 0, "the trickled call is answered in the end",
      "a reply", "nothing")
slow.close()
nfsd.stop()

log("== idle timeout and max-conns")
nfsd = itest.Nfsd(W, EXPORTS,
                  extra=("-N", "-o", "idle-timeout=2,max-conns=3")).start()
idle = rpc.TcpClient(port=itest.NFS_PORT)
check(idle.wait_closed(6), "an idle connection is closed after 2 s",
      "closed", "still open")
idle.close()
conns = [rpc.TcpClient(port=itest.NFS_PORT) for _ in range(3)]
extra = rpc.TcpClient(port=itest.NFS_PORT)
check(extra.wait_closed(3), "a fourth connection is refused", "closed",
      "open")
extra.close()
check(conns[0].call(rpc.NFS_PROG, 3, 0).ok, "the first three are served",
      True, False)
for c in conns:
    c.close()
nfsd.stop()

log("== bad -o values")
for bad in ("workers=0", "max-conns=x", "nosuch=1", "idle-timeout",
            "max-record=1"):
    p = subprocess.run([itest.NFSD, "-t", "-e", EXPORTS, "-o", bad],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "-o" in p.stderr, "-o %s refused" % bad,
          "exit 2 naming -o", (p.returncode, p.stderr.strip()))
itest.finish()
