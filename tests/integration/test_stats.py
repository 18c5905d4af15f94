#!/usr/bin/env python3
"""
test_stats.py - what the server reports about itself:
  - `nfsd -s STATEDIR -S` asks the running server (SIGUSR1) and prints
    per-procedure call counts with latencies, and counts of RPC errors,
    reply-cache hits and refused connections, all matching what this
    test did;
  - the same report goes to the log;
  - a refused MNT is logged naming the client and the path.
"""

import re
import subprocess

import itest
from itest import check, check_eq, log
import rpc

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
EXPORTS = W.write("exports", "%s -maproot=root -network 127.0.1.0/24\n" % E)
nfsd = itest.Nfsd(W, EXPORTS, extra=("-N", "-o", "max-conns=4")).start()

with rpc.TcpClient(port=itest.MOUNT_PORT, src_addr="127.0.1.5") as m:
    _, root, _ = rpc.mnt(m, E)
with rpc.TcpClient(port=itest.MOUNT_PORT, src_addr="127.0.2.5") as m:
    st, _, _ = rpc.mnt(m, E)
check_eq(st, 13, "MNT from outside the network refused")
with rpc.TcpClient(port=itest.NFS_PORT, src_addr="127.0.1.5") as c:
    for _ in range(7):
        c.call(rpc.NFS_PROG, 3, 1, rpc.Packer().opaque(root).get(),
               rpc.auth_sys())
    c.call(rpc.NFS_PROG, 3, 1, b"\x00\x00\x01", rpc.auth_sys())  # garbage
    c.call(123456, 1, 0)                                           # no prog
    xid = rpc.next_xid()
    args = rpc.Packer().opaque(root).string("nothing").get()
    for _ in range(2):                   # REMOVE twice: one cache hit
        c.call(rpc.NFS_PROG, 3, 12, args, rpc.auth_sys(), xid=xid)
conns = [rpc.TcpClient(port=itest.NFS_PORT) for _ in range(4)]
extra = rpc.TcpClient(port=itest.NFS_PORT)
extra.wait_closed(3)
for c in conns + [extra]:
    c.close()

p = subprocess.run([itest.NFSD, "-s", nfsd.statedir, "-S"],
                   capture_output=True, text=True, timeout=10)
out = p.stdout
log("  nfsd -S printed:\n" + "".join("    | %s\n" % l
                                      for l in out.splitlines()))
check_eq(p.returncode, 0, "nfsd -S exit status")


def count(pattern):
    m = re.search(pattern, out, re.M)
    return int(m.group(1)) if m else None


check_eq(count(r"^nfs\s+v3 GETATTR\s+(\d+) calls"), 8,
         "GETATTR calls (7 and one with garbage arguments)")
check(re.search(r"^nfs\s+v3 GETATTR .*avg\s+\d+ us\s+p50 < \d+ us\s+"
                r"p99 < \d+ us", out, re.M) is not None,
      "GETATTR latency: average and percentiles", "present", out[:200])
check_eq(count(r"^nfs\s+v3 REMOVE\s+(\d+) calls"), 2, "REMOVE calls")
check_eq(count(r"^mount\s+v3 MNT\s+(\d+) calls"), 2, "MNT calls")
check_eq(count(r"^garbage arguments: (\d+)"), 1, "garbage arguments")
check_eq(count(r"^unavailable program/version/procedure: (\d+)"), 1,
         "unavailable program")
check_eq(count(r"^retransmissions answered from the cache: (\d+)"), 1,
         "reply-cache hits")
check_eq(count(r"^connections refused \(max-conns\): (\d+)"), 1,
         "refused connections")
nfsd.stop()
text = nfsd.log_text()
check("stats: nfs    v3 GETATTR" in text, "the report is in the log",
      "a stats: line", "none")
check(re.search(r"MNT %s from 127\.0\.2\.5 refused" % re.escape(E), text)
      is not None, "the refused MNT is logged with client and path",
      "a log line", "none")
itest.finish()
