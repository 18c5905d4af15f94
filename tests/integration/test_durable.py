#!/usr/bin/env python3
"""
test_durable.py - every change is on stable storage before its reply
(RFC 1813 section 1.6, "stable storage", and what a COMMIT or
FILE_SYNC WRITE promises), seen in nfsd's system calls with strace:
  - CREATE and MKDIR fsync the new object's inode, then its directory
    (a directory's fsync alone leaves the new inode unwritten on a file
    system without a journal);
  - SYMLINK and MKNOD fsync the directory;
  - LINK fsyncs the file (its link count), then the directory;
  - RENAME fsyncs both directories, the one gaining the name first
    (without a journal a crash in between must leave the file under
    both names, not neither); REMOVE and RMDIR the directory;
  - SETATTR fsyncs the object; COMMIT fdatasyncs the file;
  - WRITE FILE_SYNC writes with RWF_SYNC, DATA_SYNC with RWF_DSYNC,
    UNSTABLE with neither; an UNSTABLE WRITE of 256 KiB or more starts
    the disk write of its range (sync_file_range, SYNC_FILE_RANGE_WRITE
    alone: write-behind, no waiting for the data), a smaller one not;
and each of these completes before the reply is sent, and returned 0.
A failed change (CREATE GUARDED of an existing name) syncs nothing.
"""

import os
import re
import shutil
import subprocess
import sys
import time

import itest
from itest import check, check_eq, log
import rpc

(GETATTR, SETATTR, LOOKUP, WRITE, CREATE, MKDIR, SYMLINK, MKNOD, REMOVE,
 RMDIR, RENAME, LINK, COMMIT) = 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 21
OK, EXIST = 0, 17
UNSTABLE, DATA_SYNC, FILE_SYNC = 0, 1, 2
UNCHECKED, GUARDED = 0, 1
NF3FIFO = 7

itest.require_namespace()
if shutil.which("strace") is None:
    log("strace not found (make deps installs it)")
    sys.exit(1)
W = itest.Workdir()
E = W.mkdir("exp")
nfsd, ROOT = itest.serve_as_root(W, E)
CRED = rpc.auth_sys()
TRACE = W.join("strace.log")

SYNCS = ("fsync", "fdatasync", "pwritev2", "sync_file_range")
WRITE_BEHIND_MIN = 256 * 1024       # NFS3_WRITE_BEHIND_MIN
SENDS = ("sendto", "sendmsg", "write", "writev")


def is_send(e):
    """A reply going out: a send on a socket (valgrind's scheduler, when
    nfsd runs under it, writes to a pipe of its own)."""
    return e[1] in SENDS and (e[2] or "").startswith("socket:")


# 1234  fsync(12</path/x>) = 0   or   1234  fsync(12</path/x> <unfinished ...>
ENTRY_RE = re.compile(r"^(\d+)\s+(\w+)\((.*?)"
                      r"(?:\) += (-?\d+).*| <unfinished \.\.\.>)$")
RESUMED_RE = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>.*\) += (-?\d+)")
FD_PATH_RE = re.compile(r"^-?\d+<([^>]*)>")


def sattr(mode=None):
    p = rpc.Packer()
    if mode is None:
        p.bool(False)
    else:
        p.bool(True).uint(mode)
    for _ in range(3):
        p.bool(False)
    return p.uint(0).uint(0)


def call(c, proc, args):
    return rpc.nfs3(c, proc, args, CRED)


def made_fh(u):
    """The new object's handle from a CREATE/MKDIR/... resok."""
    if not u.bool():
        return None
    return u.opaque()


class Trace:
    """strace -f -y attached to nfsd; the lines each call added."""

    def __init__(self, pid):
        self.proc = subprocess.Popen(
            ["strace", "-f", "-y", "-qq", "-s", "0", "-o", TRACE,
             "-e", "trace=" + ",".join(SYNCS + SENDS), "-p", str(pid)],
            stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.seen = 0

    def wait_attached(self, c):
        """GETATTR until its reply's send shows in the trace."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            call(c, GETATTR, rpc.Packer().opaque(ROOT).get())
            time.sleep(0.1)
            if any(is_send(e) for e in self.events()):
                return True
        return False

    def lines(self):
        try:
            with open(TRACE) as f:
                return f.read().splitlines()
        except OSError:
            return []

    def events(self):
        """(pid, syscall, path, rc, completed) for each line."""
        out = []
        for ln in self.lines():
            m = ENTRY_RE.match(ln)
            if m:
                pm = FD_PATH_RE.match(m.group(3))
                out.append((m.group(1), m.group(2),
                            pm.group(1) if pm else None,
                            m.group(4), m.group(4) is not None, m.group(3)))
                continue
            m = RESUMED_RE.match(ln)
            if m:
                out.append((m.group(1), m.group(2), None, m.group(3), True,
                            ""))
        return out

    def mark(self):
        self.seen = len(self.events())

    def since(self):
        """The events since mark(), once the trace has settled."""
        time.sleep(0.2)
        return self.events()[self.seen:]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def completed_at(evs, i):
    """Where the call entered at evs[i] returned (its own line, or its
    thread's "resumed" line), or None."""
    if evs[i][4]:
        return i
    return next((k for k in range(i + 1, len(evs))
                 if evs[k][0] == evs[i][0] and evs[k][1] == evs[i][1] and
                 evs[k][4]), None)


def check_synced(what, evs, want):
    """want: [(syscall, path)] each completed with 0 before any send."""
    first_send = next((i for i, e in enumerate(evs) if is_send(e)),
                      len(evs))
    check(first_send < len(evs), "%s: reply sent" % what)
    for name, path in want:
        idx = [i for i, e in enumerate(evs)
               if e[1] == name and e[2] == path]
        if not check(idx, "%s: %s(%s)" % (what, name, path),
                     "%s of %s" % (name, path),
                     [(e[1], e[2]) for e in evs]):
            continue
        i = idx[0]
        done = completed_at(evs, i)
        check(done is not None and done < first_send,
              "%s: %s(%s) done before the reply" % (what, name, path),
              "before event %d" % first_send, done)
        check_eq(evs[done][3] if done is not None else None, "0",
                 "%s: %s(%s) returned 0" % (what, name, path))


def check_before(what, evs, first, then):
    """first = (syscall, path) completed before then is entered: on a
    file system without a journal, what is synced first is what a crash
    in between leaves."""
    def entered(c):
        return next((i for i, e in enumerate(evs)
                     if e[1] == c[0] and e[2] == c[1]), None)
    i, j = entered(first), entered(then)
    done = completed_at(evs, i) if i is not None else None
    check(done is not None and j is not None and done < j,
          "%s: %s(%s) done before %s(%s)" % (what, first[0], first[1],
                                             then[0], then[1]),
          "done at %s, the other entered at %s" % (done, j),
          [(e[1], e[2]) for e in evs])


def check_no_sync(what, evs):
    syncs = [(e[1], e[2]) for e in evs if e[1] in ("fsync", "fdatasync")]
    check_eq(syncs, [], "%s: nothing synced" % what)


def run(c, tr, what, proc, args, want, ordered=False):
    """ordered: each of want done before the next one is entered."""
    tr.mark()
    u = call(c, proc, args)
    st = u.uint()
    check_eq(st, OK, "%s: status" % what)
    evs = tr.since()
    check_synced(what, evs, want)
    if ordered:
        for first, then in zip(want, want[1:]):
            check_before(what, evs, first, then)
    return u


def p(*names):
    return os.path.join(E, *names)


log("== strace attached to nfsd")
tr = Trace(nfsd.proc.pid)
with rpc.TcpClient() as c:
    if not check(tr.wait_attached(c), "strace sees nfsd's replies"):
        itest.finish()

    u = run(c, tr, "CREATE", CREATE,
            rpc.Packer().opaque(ROOT).string("f").uint(UNCHECKED)
            .raw(sattr(0o644).get()).get(),
            [("fsync", p("f")), ("fsync", E)], ordered=True)
    f = made_fh(u)

    tr.mark()
    u = call(c, CREATE, rpc.Packer().opaque(ROOT).string("f").uint(GUARDED)
             .raw(sattr().get()).get())
    check_eq(u.uint(), EXIST, "CREATE GUARDED of an existing name: EXIST")
    check_no_sync("failed CREATE", tr.since())

    u = run(c, tr, "MKDIR", MKDIR,
            rpc.Packer().opaque(ROOT).string("d").raw(sattr(0o755).get())
            .get(), [("fsync", p("d")), ("fsync", E)], ordered=True)
    d = made_fh(u)

    run(c, tr, "SYMLINK", SYMLINK,
        rpc.Packer().opaque(ROOT).string("s").raw(sattr().get())
        .string("f").get(), [("fsync", E)])
    run(c, tr, "MKNOD FIFO", MKNOD,
        rpc.Packer().opaque(ROOT).string("fifo").uint(NF3FIFO)
        .raw(sattr(0o600).get()).get(), [("fsync", E)])

    data = b"x" * 4096
    for how, name, flag in ((FILE_SYNC, "FILE_SYNC", "RWF_SYNC"),
                            (DATA_SYNC, "DATA_SYNC", "RWF_DSYNC")):
        tr.mark()
        u = call(c, WRITE, rpc.Packer().opaque(f).hyper(0).uint(len(data))
                 .uint(how).opaque(data).get())
        check_eq(u.uint(), OK, "WRITE %s: status" % name)
        evs = tr.since()
        first_send = next((i for i, e in enumerate(evs) if is_send(e)),
                          len(evs))
        dsync = [i for i, e in enumerate(evs) if e[1] == "pwritev2" and
                 e[2] == p("f") and e[5].endswith(", " + flag)]
        check(dsync and dsync[0] < first_send,
              "WRITE %s: pwritev2 %s before the reply" % (name, flag),
              "pwritev2(..., %s)" % flag, [(e[1], e[5]) for e in evs])
    tr.mark()
    u = call(c, WRITE, rpc.Packer().opaque(f).hyper(0).uint(len(data))
             .uint(UNSTABLE).opaque(data).get())
    check_eq(u.uint(), OK, "WRITE UNSTABLE: status")
    evs = tr.since()
    check(not any("RWF_" in e[5] for e in evs),
          "WRITE UNSTABLE: no RWF_SYNC or RWF_DSYNC")
    check_no_sync("WRITE UNSTABLE", evs)
    check(not any(e[1] == "sync_file_range" for e in evs),
          "WRITE UNSTABLE of 4 KiB: no write-behind")
    for size in (WRITE_BEHIND_MIN - 1, WRITE_BEHIND_MIN, 1 << 20):
        what = "WRITE UNSTABLE of %d bytes" % size
        tr.mark()
        u = call(c, WRITE, rpc.Packer().opaque(f).hyper(4096).uint(size)
                 .uint(UNSTABLE).opaque(b"w" * size).get())
        check_eq(u.uint(), OK, what + ": status")
        evs = tr.since()
        check_no_sync(what, evs)
        wb = [e for e in evs if e[1] == "sync_file_range"]
        if size < WRITE_BEHIND_MIN:
            check_eq(wb, [], what + ": no write-behind")
            continue
        check_synced(what, evs, [("sync_file_range", p("f"))])
        check(wb and wb[0][5].endswith(", 4096, %d, SYNC_FILE_RANGE_WRITE"
                                       % size),
              what + ": write-behind of exactly its range, not waiting",
              "sync_file_range(f, 4096, %d, SYNC_FILE_RANGE_WRITE)" % size,
              [e[5] for e in wb])
    run(c, tr, "COMMIT", COMMIT, rpc.Packer().opaque(f).hyper(0).uint(0)
        .get(), [("fdatasync", p("f"))])

    run(c, tr, "SETATTR", SETATTR,
        rpc.Packer().opaque(f).raw(sattr(0o600).get()).bool(False).get(),
        [("fsync", p("f"))])
    run(c, tr, "LINK", LINK,
        rpc.Packer().opaque(f).opaque(d).string("g").get(),
        [("fsync", p("f")), ("fsync", p("d"))], ordered=True)
    # The new name first: a crash between leaves the file under both
    # names (a duplicate), never under neither (a message lost).
    run(c, tr, "RENAME", RENAME,
        rpc.Packer().opaque(d).string("g").opaque(ROOT).string("h").get(),
        [("fsync", E), ("fsync", p("d"))], ordered=True)
    run(c, tr, "REMOVE", REMOVE, rpc.Packer().opaque(ROOT).string("h").get(),
        [("fsync", E)])
    run(c, tr, "RMDIR", RMDIR, rpc.Packer().opaque(ROOT).string("d").get(),
        [("fsync", E)])
tr.stop()
nfsd.stop()
itest.finish()
