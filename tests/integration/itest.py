"""
itest.py - helpers for the Python integration tests: a temp work dir,
exports files, starting/stopping build/nfsd, and checks that report
what was expected and what was seen.

The tests run inside run.sh's private network namespace; NFSD and
IT_PIDDIR come from run.sh.
"""

import atexit
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import rpc

NFSD = os.environ.get("NFSD", "build/nfsd")
NFS_PORT = 2049
MOUNT_PORT = 20048

# AddressSanitizer / LeakSanitizer / UBSan reports (make check SAN=1),
# and valgrind memcheck's (make valgrind).
SAN_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|"
                    r"runtime error:|SUMMARY: [A-Za-z]+Sanitizer|"
                    r"==\d+== (Invalid |Conditional jump|Use of uninit|"
                    r"Syscall param|Mismatched free|.*definitely lost)")

_failures = []
_checks = 0


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- checks

def check(cond, what, expected=None, seen=None):
    """Record one assertion; keep going so one run reports every failure."""
    global _checks
    _checks += 1
    if cond:
        log("  ok   %s" % what)
        return True
    msg = "  FAIL %s" % what
    if expected is not None or seen is not None:
        msg += "\n         expected: %s\n         seen:     %s" % (expected,
                                                                    seen)
    log(msg)
    _failures.append(what)
    return False


def check_eq(seen, expected, what):
    return check(seen == expected, what, repr(expected), repr(seen))


def finish():
    """Exit 0 if every check passed, else 1 with a summary."""
    if _checks == 0:
        log("FAIL: no checks ran")
        sys.exit(1)
    if _failures:
        log("%d of %d checks failed:" % (len(_failures), _checks))
        for f in _failures:
            log("  - %s" % f)
        sys.exit(1)
    log("all %d checks passed" % _checks)
    sys.exit(0)


def require_namespace():
    if os.environ.get("NFSD_IT_INSIDE") != "1":
        log("run this test through tests/integration/run.sh "
            "(it needs the private network namespace)")
        sys.exit(1)


# ---------------------------------------------------------------- files

class Workdir:
    """mktemp -d equivalent, removed (and tmpfs mounts undone) at exit."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="nfsd-it.")
        self.mounts = []
        atexit.register(self.cleanup)

    def join(self, *p):
        return os.path.join(self.path, *p)

    def mkdir(self, *p):
        d = self.join(*p)
        os.makedirs(d, exist_ok=True)
        return d

    def mkfs(self, *p):
        """A directory that is the root of its own tmpfs (a mount point)."""
        d = self.mkdir(*p)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m",
                        "nfsd-it", d], check=True)
        self.mounts.append(d)
        return d

    def write(self, name, text):
        f = self.join(name)
        with open(f, "w") as fp:
            fp.write(text)
        return f

    def cleanup(self):
        for d in reversed(self.mounts):
            subprocess.run(["umount", "-l", d], stderr=subprocess.DEVNULL)
        self.mounts = []
        shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------- daemon

def wait_port(port, host="127.0.0.1", timeout=10.0):
    """True once something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), 1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Nfsd:
    """One build/nfsd -f process with its own log file."""

    def __init__(self, work, exports, statedir=None, nfs_port=NFS_PORT,
                 mount_port=MOUNT_PORT, extra=("-N",)):
        self.work = work
        self.exports = exports
        self.statedir = statedir or work.mkdir("state")
        self.nfs_port = nfs_port
        self.mount_port = mount_port
        self.extra = list(extra)
        self.proc = None
        self.logfile = None
        self.generation = 0

    def argv(self):
        return shlex.split(os.environ.get("NFSD_PREFIX", "")) + \
            [NFSD, "-f", "-e", self.exports, "-s", self.statedir,
                "-p", str(self.nfs_port), "-m", str(self.mount_port)] + \
            self.extra

    def start(self, timeout=10.0):
        self.generation += 1
        self.logfile = self.work.join("nfsd.%d.log" % self.generation)
        with open(self.logfile, "w") as lf:
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                         stdout=lf, stderr=lf)
        piddir = os.environ.get("IT_PIDDIR")
        if piddir:                       # so run.sh can kill leftovers
            open(os.path.join(piddir, "nfsd.%d" % self.proc.pid), "w").close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._die("nfsd exited with status %d during startup"
                          % self.proc.returncode)
            if self.ready():
                log("  nfsd started (pid %d): %s"
                    % (self.proc.pid, " ".join(self.argv())))
                return self
            time.sleep(0.1)
        self._die("nfsd not ready within %.0fs" % timeout)

    def ready(self):
        return (rpc.null_ok("tcp", "127.0.0.1", self.nfs_port,
                            rpc.NFS_PROG, 3) and
                rpc.null_ok("tcp", "127.0.0.1", self.mount_port,
                            rpc.MOUNT_PROG, 3) and
                rpc.null_ok("udp", "127.0.0.1", self.nfs_port,
                            rpc.NFS_PROG, 3) and
                rpc.null_ok("udp", "127.0.0.1", self.mount_port,
                            rpc.MOUNT_PROG, 3))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.logfile) as f:
                return f.read()
        except OSError:
            return "(no log)"

    def show_log(self):
        log("  ---- nfsd log %s ----" % self.logfile)
        for line in self.log_text().splitlines()[-60:]:
            log("  | " + line)
        log("  ---- end of log ----")

    def _die(self, msg):
        log("FAIL: " + msg)
        log("  command: " + " ".join(self.argv()))
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.show_log()
        sys.exit(1)

    def stop(self, what="nfsd exits 0 on SIGTERM"):
        """SIGTERM, wait up to 10 s, check exit status 0."""
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            check(False, what, "running until SIGTERM",
                  "already exited with %d" % self.proc.returncode)
            self.show_log()
            self.proc = None
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "still running 10 s after SIGTERM (killed)"
        if not check(rc == 0, what, 0, rc):
            self.show_log()
        text = self.log_text()
        bad = [l for l in text.splitlines() if SAN_RE.search(l)]
        check(not bad, "no sanitizer report in the nfsd log", "none",
              bad[:5])
        self.proc = None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def serve_as_root(work, path):
    """Export path to loopback clients with root unsquashed, start nfsd
    on it and mount it: (nfsd, the root handle)."""
    exports = work.write("exports",
                         "%s -maproot=root -network 127.0.0.0/8\n" % path)
    nfsd = Nfsd(work, exports).start()
    with rpc.TcpClient(port=MOUNT_PORT) as m:
        _, root, _ = rpc.mnt(m, path)
    return nfsd, root
