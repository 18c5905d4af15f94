#!/usr/bin/env python3
"""
ktest.py - the Linux kernel's NFSv3 client against nfsd: boots a Debian
kernel under qemu (software emulation) once per workload, each against
a freshly started nfsd, and prints "PASS name" / "FAIL name" per
workload and a summary, like tests/integration/run.sh.

usage: ktest.py BUILD_DIR [WORKLOAD...]
  BUILD_DIR holds nfsd and kernel/initrd.cpio (mk/kernel.mk builds both).
env:
  KTEST_CACHE    the kernel cache (vmlinux, config; fetch-kernel.sh)
                 default: build/kernel-cache
  KTEST_CAPTURE  the workload whose traffic tshark captures and checks
                 (default: basic; "none" for no capture)
  KTEST_VERBOSE  1: print every guest console, not only a failing one's
  KTEST_SLOW     multiply every boot's timeout (a busy machine)

Runs as root.  Re-executes itself in private network, mount and PID
namespaces: nfsd listens on the private loopback, qemu's user
networking carries the guest (10.0.2.15) to it as 127.0.0.1 through
10.0.2.2, and nothing is left running when the run ends.  The guest's
side of each workload is tests/interop/kernel/workloads/NAME.sh; the
host's side (preparing the exports, what it does while the guest runs,
what it checks afterwards) is the Workload class of the same name here.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.dont_write_bytecode = True          # no __pycache__ in the tree

import itest  # noqa: E402  (Workdir, Nfsd, SAN_RE)
import pcap_check  # noqa: E402

QEMU = "qemu-system-x86_64"
NFS_PORT = 2049
MOUNT_PORT = 20048
GUEST_MEM_MB = 256
CONSOLE_TAIL = 60
POLL_S = 0.1
NOBODY = 2**32 - 2  # exports(5): root squashes to -2:-2


def log(msg=""):
    print(msg, flush=True)


# ---------------------------------------------------------------- host tools

def url(path):
    return "nfs://127.0.0.1%s?version=3&nfsport=%d&mountport=%d" % (
        path, NFS_PORT, MOUNT_PORT)


def nfs_ls(path):
    """Names nfs-ls lists in the export directory PATH (. and .. left out)."""
    out = subprocess.run(["nfs-ls", url(path)], capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("nfs-ls %s: %s" % (path, out.stderr.strip()))
    names = [ln.split()[-1] for ln in out.stdout.splitlines() if ln.strip()]
    return sorted(n for n in names if n not in (".", ".."))


def nfs_cat(path):
    out = subprocess.run(["nfs-cat", url(path)], capture_output=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError("nfs-cat %s: %s" % (path, out.stderr))
    return out.stdout


def nfs_put(work, path, data):
    """Write DATA to the new file PATH on the server with nfs-cp."""
    local = work.join("put.tmp")
    with open(local, "wb") as f:
        f.write(data)
    out = subprocess.run(["nfs-cp", local, url(path)], capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("nfs-cp %s: %s" % (path, out.stderr.strip()))


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                    "ktest", path], check=True)


# ---------------------------------------------------------------- one run

class Run:
    """One workload's boot: its exports, nfsd, qemu, console, checks."""

    def __init__(self, name, build, cache, capture):
        self.name = name
        self.build = build
        self.cache = cache
        self.capture = capture
        self.work = itest.Workdir()
        self.dir = self.work.path          # ktest.dir= for the guest
        self.console = self.work.join("console.log")
        self.failures = []
        self.checks = 0
        self.nfsd = None
        self.qemu = None
        self.info = {}
        self.stop_bg = threading.Event()
        self.threads = []

    # checks ---------------------------------------------------------
    def check(self, cond, what, expected=None, seen=None):
        self.checks += 1
        if cond:
            return True
        msg = what
        if expected is not None or seen is not None:
            msg += " (expected %.300r, seen %.300r)" % (expected, seen)
        self.failures.append(msg)
        return False

    def check_eq(self, seen, expected, what):
        return self.check(seen == expected, what, expected, seen)

    # exports and nfsd -----------------------------------------------
    def export(self, sub, size="64m"):
        path = self.work.join(sub)
        mount_tmpfs(path, size)
        self.work.mounts.append(path)
        return path

    def start_nfsd(self, exports_text):
        if self.nfsd is None:
            exports = self.work.write("exports", exports_text)
            self.nfsd = itest.Nfsd(self.work, exports, nfs_port=NFS_PORT,
                                   mount_port=MOUNT_PORT, extra=("-N",))
        self.nfsd.start()

    def kill_nfsd(self):
        self.nfsd.proc.send_signal(signal.SIGKILL)
        self.nfsd.proc.wait()

    def stop_nfsd(self):
        """SIGTERM: nfsd must have run all along and exit 0, clean."""
        n = self.nfsd
        if n is None or n.proc is None:
            return
        alive = n.proc.poll() is None
        self.check(alive, "nfsd still running after the guest",
                   "running", "exited with %s" % n.proc.returncode)
        if alive:
            n.proc.send_signal(signal.SIGTERM)
            try:
                rc = n.proc.wait(10)
            except subprocess.TimeoutExpired:
                n.proc.kill()
                rc = "killed: still running 10 s after SIGTERM"
            self.check_eq(rc, 0, "nfsd exits 0 on SIGTERM")
        bad = []
        for g in range(1, n.generation + 1):     # every start's log
            with open(self.work.join("nfsd.%d.log" % g), errors="replace") as f:
                bad += [ln for ln in f if itest.SAN_RE.search(ln)]
        self.check(not bad, "no sanitizer report in the nfsd log", [], bad[:5])
        n.proc = None

    # background work during the boot ------------------------------------
    def background(self, fn, *args):
        t = threading.Thread(target=self._guard, args=(fn,) + args,
                             daemon=True)
        t.start()
        self.threads.append(t)

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except Exception as e:     # a host-side step failed: say so
            self.check(False, "host: %s: %s" % (fn.__name__, e))

    # qemu ---------------------------------------------------------------
    def qemu_argv(self, extra_args):
        append = ("console=ttyS0 rdinit=/init panic=-1 quiet mitigations=off "
                  "ktest.workload=%s ktest.nfsport=%d ktest.mountport=%d "
                  "ktest.dir=%s %s" % (self.name, NFS_PORT, MOUNT_PORT,
                                       self.dir, extra_args)).strip()
        return [QEMU, "-accel", "tcg", "-cpu", "max", "-machine", "q35",
                "-m", str(GUEST_MEM_MB), "-nodefaults", "-display", "none",
                "-no-reboot", "-serial", "file:" + self.console,
                "-kernel", os.path.join(self.cache, "vmlinux"),
                "-initrd", os.path.join(self.build, "kernel", "initrd.cpio"),
                "-append", append,
                "-netdev", "user,id=n0", "-device",
                "virtio-net-pci,netdev=n0"]

    def boot(self, workload, timeout):
        """Boot, feed console markers to the workload, wait for power-off."""
        self.qemu = subprocess.Popen(self.qemu_argv(workload.cmdline(self)),
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        seen = 0
        timed_out = False
        while True:
            lines, seen = self.read_console(seen)
            for ln in lines:
                workload.on_line(self, ln)
            if self.qemu.poll() is not None:
                break
            if time.monotonic() > deadline:
                self.qemu.kill()
                self.qemu.wait()
                self.check(False, "the guest powers off within %d s" % timeout)
                timed_out = True
                break
            time.sleep(POLL_S)
        lines, seen = self.read_console(seen)
        for ln in lines:
            workload.on_line(self, ln)
        out = self.qemu.stdout.read().decode(errors="replace").strip()
        if not timed_out:
            self.check(self.qemu.returncode == 0, "qemu exits 0", 0,
                       "%s %s" % (self.qemu.returncode, out))

    def read_console(self, seen):
        try:
            with open(self.console, "rb") as f:
                f.seek(seen)
                data = f.read()
        except OSError:
            return [], seen
        end = data.rfind(b"\n") + 1
        text = data[:end].decode(errors="replace")
        return [ln.rstrip("\r") for ln in text.splitlines()], seen + end

    def console_text(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()
        except OSError:
            return "(no console output)"

    # the guest's verdict ---------------------------------------------------
    def guest_verdict(self):
        text = self.console_text()
        for ln in text.splitlines():
            m = re.match(r"KTEST INFO (\S+) (.*)", ln.strip())
            if m:
                self.info[m.group(1)] = m.group(2).strip()
        passed = re.search(r"^KTEST PASS %s\b" % re.escape(self.name), text,
                           re.M)
        fails = re.findall(r"^KTEST (?:CHECK-FAIL|FAIL) (.*)", text, re.M)
        for f in fails:
            self.check(False, "guest: " + f.strip())
        self.check(bool(passed) or bool(fails),
                   "the guest prints its verdict", "KTEST PASS/FAIL",
                   "nothing")


# ---------------------------------------------------------------- workloads

class Workload:
    """The host's side of one workload; subclasses override the steps."""
    timeout = 90

    def cmdline(self, run):
        return ""

    def prepare(self, run):
        """Make the exports; return the exports file's text."""
        rw = run.export("rw")
        return "%s -maproot=root -network 127.0.0.0/8\n" % rw

    def on_line(self, run, line):
        pass

    def after(self, run):
        pass


class Basic(Workload):
    timeout = 90

    def after(self, run):
        b = run.work.join("rw", "b")
        with open(os.path.join(b, "g"), "rb") as f:
            run.check_eq(f.read(), b"fiXYZ", "host: content of b/g")
        st = os.stat(os.path.join(b, "g"))
        run.check_eq((oct(st.st_mode & 0o7777), st.st_size, st.st_nlink,
                      int(st.st_mtime)), ("0o640", 5, 2, 981173106),
                     "host: mode, size, links, mtime of b/g")
        run.check_eq(os.stat(os.path.join(b, "h")).st_ino, st.st_ino,
                     "host: b/h is b/g's inode")
        run.check_eq(os.readlink(os.path.join(b, "s")), "g",
                     "host: b/s is a symlink to g")
        run.check_eq(sorted(os.listdir(b)), ["d1", "g", "h", "s", "u"],
                     "host: b/ holds d1 g h s u")
        run.check_eq(os.listdir(os.path.join(b, "d1")), [],
                     "host: d1/d2 was removed")
        run.check_eq(md5_file(os.path.join(b, "u")), run.info.get("rand"),
                     "host: the 1 MiB random file by checksum")
        run.check_eq((st.st_uid, st.st_gid), (0, 0),
                     "host: root's files belong to root (-maproot=root)")


BIG_MB = 16       # workloads/bigfile.sh


class Bigfile(Workload):
    timeout = 120

    def after(self, run):
        big = run.work.join("rw", "big")
        run.check_eq(os.path.getsize(big), BIG_MB << 20, "host: size of big")
        run.check_eq(md5_file(big), run.info.get("md5"),
                     "host: checksum of big equals the guest's")


MD_FIRST = 60      # workloads/maildir.sh
MD_TOTAL = 120
MD_HOST = 20


def md_name(i):
    return "1700000000.M%dP1.ktest-guest" % i


def md_message(i):
    head = ("From: guest@ktest.example\nTo: tevie@cluster.example\n"
            "Subject: message %d\n\n" % i)
    body = "".join("line of message %d: %d\n" % (i, k)
                   for k in range(1, i % 97 + 2))
    return (head + body).encode()


def host_message(i):
    return ("From: host\nSubject: host message %d\n\nbody %d\n" % (i, i)).encode()


class Maildir(Workload):
    timeout = 150

    def prepare(self, run):
        """-alldirs: libnfs mounts the directory it lists (maildir/new)."""
        rw = run.export("rw")
        return "%s -alldirs -maproot=root -network 127.0.0.0/8\n" % rw

    def on_line(self, run, line):
        if line.startswith("KTEST SYNC maildir-delivered"):
            run.background(self.host_turn, run)

    def host_turn(self, run):
        """Read the guest's first deliveries through the server, then
        deliver our own through it and say so."""
        m = run.work.join("rw", "maildir")
        new = nfs_ls(m + "/new")
        run.check_eq(new, sorted(md_name(i) for i in range(MD_FIRST)),
                     "host (nfs-ls): new/ holds the guest's first %d" % MD_FIRST)
        run.check_eq(nfs_ls(m + "/tmp"), [], "host (nfs-ls): tmp/ is empty")
        for i in (0, 42, MD_FIRST - 1):
            run.check_eq(nfs_cat("%s/new/%s" % (m, md_name(i))), md_message(i),
                         "host (nfs-cat): guest message %d" % i)
        for i in range(MD_HOST):
            nfs_put(run.work, "%s/new/host-%d.ktest-host" % (m, i),
                    host_message(i))
        nfs_put(run.work, m + "/host-done", b"")

    def after(self, run):
        m = run.work.join("rw", "maildir")
        want = sorted([md_name(i) + ":2,S" for i in range(MD_TOTAL)] +
                      ["host-%d.ktest-host:2,S" % i for i in range(MD_HOST)])
        run.check_eq(sorted(os.listdir(m + "/cur")), want,
                     "host: cur/ holds every message, flagged seen")
        run.check_eq(nfs_ls(m + "/cur"), want,
                     "host (nfs-ls): cur/ lists the same")
        run.check_eq(os.listdir(m + "/new") + os.listdir(m + "/tmp"), [],
                     "host: new/ and tmp/ are empty")
        h = hashlib.md5()
        for n in want:
            with open(os.path.join(m, "cur", n), "rb") as f:
                h.update(f.read())
        run.check_eq(h.hexdigest(), run.info.get("cur-md5"),
                     "host: every message's bytes equal what the guest read")
        run.check_eq(nfs_cat("%s/cur/%s" % (m, md_name(7) + ":2,S")),
                     md_message(7), "host (nfs-cat): a message in cur/")


TAR_DIRS = 16      # workloads/tar.sh
TAR_FILES = 25


def tar_check(run, tree, manifest):
    """Check TREE against the guest's manifest (workloads/tar.sh): lines
    'MODE TYPE PATH', 'MD5  PATH' and "'PATH' -> 'TARGET'"."""
    kinds = {"regular file": "f", "directory": "d", "symbolic link": "l"}
    modes = files = links = 0
    bad = []
    for ln in manifest.splitlines():
        m = re.match(r"^'(.*)' -> '(.*)'$", ln)
        if m:
            links += 1
            if os.readlink(os.path.join(tree, m.group(1))) != m.group(2):
                bad.append(ln)
            continue
        m = re.match(r"^([0-9a-f]{32})  (.*)$", ln)
        if m:
            files += 1
            if md5_file(os.path.join(tree, m.group(2))) != m.group(1):
                bad.append(ln)
            continue
        m = re.match(r"^([0-7]+) (regular file|directory|symbolic link) (.*)$",
                     ln)
        if not m:
            bad.append("unparsed: " + ln)
            continue
        modes += 1
        p = os.path.join(tree, m.group(3))
        st = os.lstat(p)
        kind = "l" if os.path.islink(p) else "d" if os.path.isdir(p) else "f"
        if kind != kinds[m.group(2)] or (
                kind != "l" and "%o" % (st.st_mode & 0o7777) != m.group(1)):
            bad.append(ln)
    run.check_eq(bad, [], "host: the extracted tree matches the guest's "
                 "manifest (%d names, %d files, %d symlinks)"
                 % (modes, files, links))
    return modes


class Tar(Workload):
    timeout = 200

    def after(self, run):
        tree = run.work.join("rw", "x", "tree")
        nfiles = sum(len([f for f in fs if not os.path.islink(
            os.path.join(d, f))]) for d, _, fs in os.walk(tree))
        run.check_eq(nfiles, TAR_DIRS * TAR_FILES, "host: files extracted")
        with open(run.work.join("rw", "manifest")) as f:
            manifest = f.read()
        # one line per name (and "." itself), per file, per symlink
        names = tar_check(run, tree, manifest)
        run.check_eq(names, 1 + TAR_DIRS * (TAR_FILES + 3),
                     "host: names in the manifest")


BIG_ORIG = 8000    # workloads/bigdir.sh
GUEST_ADD = 300
HOST_ADD = 200


class Bigdir(Workload):
    timeout = 180

    def prepare(self, run):
        rw = run.export("rw", "64m")
        big = os.path.join(rw, "big")
        os.mkdir(big)
        for i in range(BIG_ORIG):
            open(os.path.join(big, "f%d" % i), "w").close()
        return "%s -maproot=root -network 127.0.0.0/8\n" % rw

    def on_line(self, run, line):
        if line.startswith("KTEST SYNC bigdir-adding"):
            run.background(self.host_add, run)

    def host_add(self, run):
        big = run.work.join("rw", "big")
        for i in range(HOST_ADD):
            open(os.path.join(big, "host-%d" % i), "w").close()
            time.sleep(0.01)
        open(os.path.join(big, "host-done"), "w").close()

    def after(self, run):
        n = len(os.listdir(run.work.join("rw", "big")))
        run.check_eq(n, BIG_ORIG + GUEST_ADD + HOST_ADD + 1,
                     "host: entries in big/")


class Options(Workload):
    timeout = 120
    names = ("tcp32k", "tcp1m", "sync", "async", "mountudp")

    def cmdline(self, run):
        return "ktest.udp=%d" % (0 if udp_disabled(run.cache) else 1)

    def prepare(self, run):
        text = super().prepare(run)
        open(run.work.join("rw", "grow"), "w").close()
        run.background(self.grow, run)
        return text

    def grow(self, run):
        """Append to rw/grow all along (for actimeo=0)."""
        with open(run.work.join("rw", "grow"), "ab", buffering=0) as f:
            while not run.stop_bg.wait(0.1):
                f.write(b"x")

    def after(self, run):
        names = self.names + (() if udp_disabled(run.cache) else ("udp",))
        for n in names:
            got = [ln.split() for ln in run.console_text().splitlines()
                   if ln.startswith("KTEST INFO sum %s " % n)]
            want = got[0][-1] if got else None
            run.check(want is not None, "guest reported a checksum for %s" % n)
            if want:
                run.check_eq(md5_file(run.work.join("rw", n)), want,
                             "host: file written with %s" % n)


class Restart(Workload):
    timeout = 120

    def on_line(self, run, line):
        if line.startswith("KTEST READY-FOR-RESTART"):
            run.background(self.restart, run)

    def restart(self, run):
        run.kill_nfsd()
        time.sleep(1)
        run.nfsd.start()
        open(run.work.join("rw", "restarted"), "w").close()
        run.restarted = True

    def after(self, run):
        run.check(getattr(run, "restarted", False), "host restarted nfsd")
        n = int(run.info.get("lines", "0"))
        with open(run.work.join("rw", "log")) as f:
            lines = f.read().splitlines()
        run.check_eq(lines, ["line %d" % i for i in range(n)],
                     "host: log holds lines 0..%d, none lost" % (n - 1))
        run.check(n >= 170, "the guest appended during and after the restart",
                  ">= 100 + 20 + 50 lines", n)
        with open(run.work.join("rw", "held")) as f:
            run.check_eq(f.read(), "held before\nheld after\n",
                         "host: the file held open across the restart")


class Acl(Workload):
    timeout = 90

    def prepare(self, run):
        rw, deny, ro, sq = (run.export(n, "4m")
                            for n in ("rw", "deny", "ro", "sq"))
        for d in (rw, sq):
            p = os.path.join(d, "rootfile")
            with open(p, "w") as f:
                f.write("root only\n")
            os.chmod(p, 0o600)
        with open(os.path.join(ro, "file"), "w") as f:
            f.write("read only data\n")
        os.mkdir(os.path.join(sq, "pub"))
        os.chmod(os.path.join(sq, "pub"), 0o777)
        return ("%s -maproot=root 127.0.0.1\n"
                "%s -maproot=root 10.9.9.9\n"
                "%s -ro -maproot=root 127.0.0.1\n"
                "%s 127.0.0.1\n" % (rw, deny, ro, sq))

    def after(self, run):
        w = run.work.join
        run.check_eq(os.listdir(w("ro")), ["file"], "host: -ro export unchanged")
        with open(w("ro", "file")) as f:
            run.check_eq(f.read(), "read only data\n", "host: -ro file unchanged")
        st = os.stat(w("sq", "pub", "made"))
        run.check_eq((st.st_uid, st.st_gid), (NOBODY, NOBODY),
                     "host: squashed root's file belongs to nobody")
        run.check_eq(sorted(os.listdir(w("sq"))), ["pub", "rootfile"],
                     "host: squashed root made nothing in root's directory")
        st = os.stat(w("rw", "made"))
        run.check_eq((st.st_uid, st.st_gid), (1234, 5678),
                     "host: -maproot=root: chown took effect")
        run.check_eq(os.listdir(w("deny")), [], "host: refused export untouched")


WORKLOADS = {
    "basic": Basic, "bigfile": Bigfile, "maildir": Maildir, "tar": Tar,
    "bigdir": Bigdir, "options": Options, "restart": Restart, "acl": Acl,
}


def udp_disabled(cache):
    try:
        with open(os.path.join(cache, "config")) as f:
            return "CONFIG_NFS_DISABLE_UDP_SUPPORT=y" in f.read()
    except OSError:
        return False


# ---------------------------------------------------------------- driver

def run_one(name, build, cache, capture):
    """One workload; returns (passed, report lines, seconds)."""
    start = time.monotonic()
    wl = WORKLOADS[name]()
    run = Run(name, build, cache, capture)
    cap = None
    try:
        run.start_nfsd(wl.prepare(run))
        if capture:
            cap = pcap_check.Capture(run.work.join("capture.pcapng"),
                                     [NFS_PORT, MOUNT_PORT])
            cap.start()
        slow = float(os.environ.get("KTEST_SLOW", "1"))
        run.boot(wl, int(wl.timeout * slow))
        run.stop_bg.set()
        for t in run.threads:
            t.join(60)
        run.guest_verdict()
        wl.after(run)
    except SystemExit:                      # itest.Nfsd gave up
        run.check(False, "nfsd starts")
    except Exception as e:
        run.check(False, "host: %s: %s" % (type(e).__name__, e))
    finally:
        run.stop_bg.set()
        if run.qemu and run.qemu.poll() is None:
            run.qemu.kill()
            run.qemu.wait()
        if cap:
            cap.stop()
    if cap:
        keep = os.environ.get("KTEST_PCAP_KEEP")
        if keep:
            shutil.copy(cap.path, keep)
        problems, summary = cap.analyse()
        run.check(cap.packets > 0, "tshark captured the traffic", "> 0",
                  cap.packets)
        for p in problems:
            run.check(False, "tshark: " + p)
        run.info["tshark"] = summary
    run.stop_nfsd()
    report = []
    for f in run.failures:
        report.append("  - " + f)
    if run.failures or os.environ.get("KTEST_VERBOSE") == "1":
        report.append("  ---- guest console (last %d lines) ----" % CONSOLE_TAIL)
        report += ["  | " + ln for ln in
                   run.console_text().splitlines()[-CONSOLE_TAIL:]]
        if run.failures and run.nfsd:
            report.append("  ---- nfsd log ----")
            report += ["  | " + ln for ln in
                       run.nfsd.log_text().splitlines()[-CONSOLE_TAIL:]]
    if "tshark" in run.info:
        report.insert(0, "  tshark: " + run.info["tshark"])
    run.work.cleanup()
    return not run.failures, run.checks, report, time.monotonic() - start


def inside(argv):
    build = os.path.abspath(argv[0])
    names = argv[1:] or list(WORKLOADS)
    cache = os.path.abspath(os.environ.get("KTEST_CACHE",
                                           os.path.join(ROOT, "build",
                                                        "kernel-cache")))
    capture = os.environ.get("KTEST_CAPTURE", "basic")
    for n in names:
        if n not in WORKLOADS:
            log("ktest: no workload %s (have: %s)" % (n, " ".join(WORKLOADS)))
            return 2
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "ktest-run",
                    "/run"], check=True)
    os.makedirs("/run/ktest", exist_ok=True)
    os.environ["TMPDIR"] = "/run/ktest"
    itest.NFSD = os.path.join(build, "nfsd")
    log("kernel client tests: %s, kernel %s" % (
        itest.NFSD, open(os.path.join(cache, "ready")).read().strip()))
    passed = failed = 0
    t0 = time.monotonic()
    for n in names:
        ok, checks, report, secs = run_one(n, build, cache, n == capture)
        if ok:
            log("PASS %s (%d host checks, %.1f s)" % (n, checks, secs))
            passed += 1
        else:
            log("FAIL %s (%.1f s)" % (n, secs))
            failed += 1
        for ln in report:
            log(ln)
    log("%d passed, %d failed (%.0f s)" % (passed, failed,
                                          time.monotonic() - t0))
    return 1 if failed else 0


def outside(argv):
    if len(argv) < 1:
        log(__doc__.strip().split("\n\n")[1])
        return 2
    if shutil.which(QEMU) is None:
        log("SKIP check-kernel: %s is not installed (make deps installs "
            "qemu-system-x86)" % QEMU)
        return 0
    if os.geteuid() != 0:
        log("ktest: must run as root (network and mount namespaces)")
        return 1
    for tool in ("unshare", "ip", "nfs-ls", "nfs-cat", "nfs-cp", "tshark"):
        if shutil.which(tool) is None:
            log("ktest: required tool %s not found" % tool)
            return 1
    env = dict(os.environ, KTEST_INSIDE="1", NFSD_IT_INSIDE="1",
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.call(["unshare", "--net", "--mount", "--propagation",
                            "private", "--pid", "--fork", "--mount-proc",
                            sys.executable, os.path.abspath(__file__)] + argv,
                           env=env)


if __name__ == "__main__":
    if os.environ.get("KTEST_INSIDE") == "1":
        sys.exit(inside(sys.argv[1:]))
    sys.exit(outside(sys.argv[1:]))
