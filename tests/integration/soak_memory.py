#!/usr/bin/env python3
"""
soak_memory.py - memory stays flat over a long run (make soak; not
part of make check).  16 connections deliver, list, read, rename and
delete Maildir messages with raw NFSv3 calls for SOAK_SECONDS (default
600) while the server's RSS is sampled every 10 s.  After a warm-up
minute (caches filling to their bounds) RSS may not grow by more than
SOAK_SLACK_MB (default 16 MiB).
"""

import os
import threading
import time

import itest
from itest import check, check_eq, log
import rpc

LOOKUP, READ, WRITE, CREATE, REMOVE, RENAME, READDIRPLUS = \
    3, 6, 7, 8, 12, 14, 17
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
SLACK_KB = int(os.environ.get("SOAK_SLACK_MB", "16")) * 1024
WORKERS = 16

itest.require_namespace()
W = itest.Workdir()
E = W.mkdir("exp")
for d in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(E, "Maildir", d))
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()
stop = threading.Event()
errors = []
ops = [0] * WORKERS


def call(c, proc, args):
    r = c.call(rpc.NFS_PROG, 3, proc, args, CRED)
    return rpc.Unpacker(r.body)


def lookup(c, dirfh, name):
    u = call(c, LOOKUP, rpc.Packer().opaque(dirfh).string(name).get())
    return u.opaque() if u.uint() == 0 else None


def create(c, dirfh, name):
    p = rpc.Packer().opaque(dirfh).string(name).uint(1)
    for _ in range(4):
        p.bool(False)
    u = call(c, CREATE, p.uint(0).uint(0).get())
    if u.uint() != 0 or not u.bool():
        return None
    return u.opaque()


def work(n):
    c = rpc.TcpClient(port=itest.NFS_PORT, timeout=30)
    md = lookup(c, ROOT, "Maildir")
    tmp, new, cur = (lookup(c, md, d) for d in ("tmp", "new", "cur"))
    body = os.urandom(4096 + 512 * n)
    seq = 0
    while not stop.is_set():
        name = "%d.%d_%d.soak" % (int(time.time()), n, seq)
        seq += 1
        fh = create(c, tmp, name)
        if fh is None:
            errors.append((n, "CREATE", name))
            break
        call(c, WRITE, rpc.Packer().opaque(fh).hyper(0).uint(len(body))
             .uint(2).opaque(body).get())
        call(c, RENAME, rpc.Packer().opaque(tmp).string(name).opaque(new)
             .string(name).get())
        call(c, READDIRPLUS, rpc.Packer().opaque(new).hyper(0)
             .fopaque(b"\0" * 8).uint(4096).uint(32768).get())
        call(c, READ, rpc.Packer().opaque(fh).hyper(0).uint(65536).get())
        call(c, RENAME, rpc.Packer().opaque(new).string(name).opaque(cur)
             .string(name + ":2,S").get())
        u = call(c, REMOVE, rpc.Packer().opaque(cur).string(name + ":2,S")
                 .get())
        if u.uint() != 0:
            errors.append((n, "REMOVE", name))
            break
        ops[n] += 7
    c.close()


def rss_kb():
    with open("/proc/%d/status" % nfsd.proc.pid) as fp:
        for line in fp:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
for t in threads:
    t.start()
samples = []
t0 = time.monotonic()
while time.monotonic() - t0 < SECONDS and not errors:
    time.sleep(10)
    samples.append((int(time.monotonic() - t0), rss_kb(), sum(ops)))
    log("  %4ds  RSS %7d KiB  %9d calls" % samples[-1])
stop.set()
for t in threads:
    t.join()
check_eq(errors[:3], [], "every call succeeded")
warm = [s for s in samples if s[0] >= min(60, SECONDS // 2)]
if warm:
    growth = max(s[1] for s in warm) - warm[0][1]
    check(growth <= SLACK_KB, "RSS flat after warm-up",
          "growth <= %d KiB" % SLACK_KB, "%d KiB" % growth)
nfsd.stop()
itest.finish()
