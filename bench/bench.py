#!/usr/bin/env python3
"""bench.py - the orchestration of `make bench` (bench/run.sh runs it).

    bench.py run BUILD     inside run.sh's private namespaces: start our
                           nfsd, nfs-ganesha (in a network namespace of
                           its own), the trivial responder; run nfsbench
                           and diskbench rounds; write CSV, table, plots
    bench.py summary OUT   after the mail benchmark: the final summary

Python 3 standard library only.  Every setting comes from the
environment (BENCH_*; bench/README.md lists them).
"""

import csv
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# ------------------------------------------------------------ constants

NFS_PORT = 2049
MOUNT_PORT = 20048
FLOOR_PORT = 3049
GANESHA_ADDR = "10.255.255.1/32"    # ganesha needs one non-loopback
GANESHA_PSEUDO = "/export"
WORK_NAME = "nfsbench"               # the work directory in each export

WORKLOADS = ["null", "getattr", "lookup", "read", "write", "seqwrite",
             "seqread", "deliver", "pop", "listing", "mix"]
FLOOR_WORKLOADS = ("null", "getattr")   # what the responder answers
DISK_SKIPS = ("null",)                  # no syscall equivalent
CONCS = ["1x1", "1x16", "4x16"]
TARGETS = ["ours", "ganesha", "local", "floor"]
MIN_ROUNDS = 3

# The targets, checked at 4x16: ours/ganesha at least this...
TARGET_RATIOS = {"null": 3, "getattr": 3, "deliver": 1.5, "pop": 2,
                 "listing": 5, "seqwrite": 1.3, "seqread": 1.0, "mix": 2}
# ...and ours/local-ceiling at least this.
TARGET_CEILING = {"deliver": 0.85, "seqwrite": 0.90}
# listing linear in directory size: ours's time per entry on the
# largest directory at most this times its time on the smallest.
SCALE_MAX_GROWTH = 1.5
SCALE_LABEL = "listing-scale"       # raw.csv's workload for those runs

START_TIMEOUT = 30.0        # seconds for a server to answer
PREP_TIMEOUT = 1800.0       # untimed fixture creation (100,000 entries)
RUN_SLACK = 180.0           # a run may take cap + warm-up + this
SCALE_SECS = 60.0           # cap of a listing-scale run (its -n ends it)
SAMPLE_SECS = 0.05          # CPU accounting sampling period
MAX_SAMPLES = 200000        # bound on one run's samples
LOG_TAIL = 30               # lines of a server log shown on failure
STOP_GRACE = 5.0            # seconds between SIGTERM and SIGKILL

# Full and quick plans: seconds per run, warm-up, fixture sizes.
# Runs end at the time cap, except pop: its messages are put in place
# (untimed) before each run, -n of them, so -n is sized to last the cap;
# and listing: one operation lists the whole directory (seconds for
# 100,000 entries) and every slot starts one at once, so -n bounds how
# many run together and there is no warm-up (its listings would all
# have to finish first).
# listing's scaling: directories of these sizes besides BENCH_ENTRIES
# listed one at a time (1x1), each run listing about scale_total
# entries in all.
PLAN_FULL = dict(secs=2.5, warmup=0.5, local_secs=1.5, ops=100000000,
                 pop_msgs=4000, listing_ops=2, entries=100000,
                 seq_size=512 << 20, scale="1000,10000",
                 scale_total=200000)
PLAN_QUICK = dict(secs=0.3, warmup=0.1, local_secs=0.2, ops=100000000,
                  pop_msgs=1000, listing_ops=4, entries=2000,
                  seq_size=16 << 20, scale="200", scale_total=4000)
NO_WARMUP = ("listing",)
PREP_OPS = 1                # operations of a fixture-making run
PREP_CONC = "4x16"          # its concurrency (fixtures are made with it)

RAW_FIELDS = ["round", "workload", "conc", "conns", "depth", "target",
              "tool", "rc", "ops", "errors", "secs", "ops_s", "mib_s",
              "p50_us", "p99_us", "max_us", "cpu_secs", "cpu_us_op",
              "client_cpu_us_op", "peak_rss_kib", "raw", "entries"]


class BenchError(Exception):
    """A failure that ends the benchmark (with a message for the user)."""


def say(msg):
    print(msg, flush=True)


def env_int(name, default):
    val = os.environ.get(name, "")
    if val == "":
        return default
    try:
        return int(val)
    except ValueError:
        raise BenchError(f"{name}={val!r} is not a number")


def env_float(name, default):
    val = os.environ.get(name, "")
    if val == "":
        return default
    try:
        return float(val)
    except ValueError:
        raise BenchError(f"{name}={val!r} is not a number")


def env_list(name, default, allowed):
    val = os.environ.get(name, "").replace(",", " ").split()
    if not val:
        return list(default)
    for v in val:
        if v not in allowed:
            raise BenchError(f"{name}: unknown {v!r} (one of: "
                             f"{' '.join(allowed)})")
    return val


def tail(path, n=LOG_TAIL):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"(cannot read {path}: {e})\n"


# ------------------------------------------------------------ settings

class Settings:
    """What to run, read once from the environment."""

    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.out = os.path.abspath(os.environ.get(
            "BENCH_OUT", os.path.join(self.build, "bench", "results")))
        self.data = os.path.abspath(os.environ.get(
            "BENCH_DIR", os.path.join(os.path.dirname(self.out), "data")))
        self.quick = os.environ.get("BENCH_QUICK", "0") == "1"
        plan = PLAN_QUICK if self.quick else PLAN_FULL
        self.rounds = env_int("BENCH_ROUNDS", MIN_ROUNDS)
        if self.rounds < 1 or (self.rounds < MIN_ROUNDS and not self.quick):
            raise BenchError(f"BENCH_ROUNDS={self.rounds}: at least "
                             f"{MIN_ROUNDS} (medians need them)")
        self.secs = env_float("BENCH_SECS", plan["secs"])
        self.warmup = env_float("BENCH_WARMUP", plan["warmup"])
        self.local_secs = env_float("BENCH_LOCAL_SECS", plan["local_secs"])
        self.ops = env_int("BENCH_OPS", plan["ops"])
        self.pop_msgs = env_int("BENCH_POP_MSGS", plan["pop_msgs"])
        self.listing_ops = env_int("BENCH_LISTING_OPS", plan["listing_ops"])
        self.entries = env_int("BENCH_ENTRIES", plan["entries"])
        self.seq_size = env_int("BENCH_SEQ_SIZE", plan["seq_size"])
        self.scale = scale_sizes(os.environ.get("BENCH_LISTING_SCALE",
                                                plan["scale"]),
                                 self.entries)
        self.scale_total = plan["scale_total"]
        self.workloads = env_list("BENCH_WORKLOADS", WORKLOADS, WORKLOADS)
        self.concs = env_list("BENCH_CONC", CONCS, CONCS + ["2x16", "1x4",
                                                           "4x1", "8x16"])
        self.keep = os.environ.get("BENCH_KEEP", "0") == "1"
        self.floor_threads = env_int("BENCH_FLOOR_THREADS", 0)
        self.nfsd_opts = os.environ.get("BENCH_NFSD_OPTS", "")
        self.cgroup = os.environ.get("BENCH_CGROUP",
                                     f"mailnfs-bench.{os.getpid()}")
        self.nfsd = os.path.join(self.build, "nfsd")
        self.nfsbench = os.path.join(self.build, "bench", "nfsbench")
        self.diskbench = os.path.join(self.build, "bench", "diskbench")
        self.responder = os.path.join(self.build, "bench", "responder")

    def ops_for(self, workload):
        return {"pop": self.pop_msgs,
                "listing": self.listing_ops}.get(workload, self.ops)

    def warmup_for(self, workload):
        return 0 if workload in NO_WARMUP else self.warmup

    def fixture_args(self, entries=None):
        """nfsbench/diskbench options that size the shared fixtures."""
        return ["--entries", str(entries or self.entries),
                "--seq-size", str(self.seq_size)]

    def scale_ops(self, entries):
        """-n of a listing-scale run: about scale_total entries."""
        return max(self.listing_ops, self.scale_total // entries)


def scale_sizes(spec, entries):
    """BENCH_LISTING_SCALE ("1000,10000"; "" for none) with entries:
    the directory sizes of the scaling runs, smallest first, or []."""
    sizes = set()
    for word in spec.replace(",", " ").split():
        if not word.isdigit() or int(word) < 1:
            raise BenchError(f"BENCH_LISTING_SCALE: '{word}' is not a "
                             "directory size")
        if int(word) < entries:
            sizes.add(int(word))
    return sorted(sizes) + [entries] if sizes else []


# ------------------------------------------------------------ accounting

class Cgroups:
    """One cgroup per server (and one for the client) for CPU time:
    cgroup v2 cpu.stat, else v1 cpuacct.usage, else none (then the CPU
    of the server's own process is read from /proc/PID/stat)."""

    def __init__(self, name):
        self.name = name
        self.kind = None
        self.base = None
        self.dirs = {}
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            self.kind, self.base = "v2", "/sys/fs/cgroup"
        elif os.path.isdir("/sys/fs/cgroup/cpuacct"):
            self.kind, self.base = "v1", "/sys/fs/cgroup/cpuacct"
        elif os.path.exists("/sys/fs/cgroup/unified/cgroup.procs"):
            self.kind, self.base = "v2", "/sys/fs/cgroup/unified"
        if self.kind is None:
            return
        try:
            os.makedirs(os.path.join(self.base, name), exist_ok=True)
        except OSError as e:
            say(f"bench: no cgroup ({e}); CPU from /proc/PID/stat")
            self.kind = None

    def make(self, group):
        """The cgroup.procs path to join, or None."""
        if self.kind is None:
            return None
        d = os.path.join(self.base, self.name, group)
        os.makedirs(d, exist_ok=True)
        self.dirs[group] = d
        return os.path.join(d, "cgroup.procs")

    def usage_ns(self, group):
        """CPU time of everything in the group so far, ns (or None)."""
        d = self.dirs.get(group)
        if d is None:
            return None
        try:
            if self.kind == "v1":
                with open(os.path.join(d, "cpuacct.usage")) as f:
                    return int(f.read())
            with open(os.path.join(d, "cpu.stat")) as f:
                for line in f:
                    k, v = line.split()
                    if k == "usage_usec":
                        return int(v) * 1000
        except (OSError, ValueError):
            return None
        return None

    def remove(self):
        if self.kind is None:
            return
        for d in self.dirs.values():
            try:
                os.rmdir(d)
            except OSError:
                pass
        try:
            os.rmdir(os.path.join(self.base, self.name))
        except OSError:
            pass


def proc_cpu_ns(pid):
    """utime + stime of one process (all its threads), ns."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks * 1000000000 // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def reset_peak_rss(pid):
    """Start a fresh VmHWM (clear_refs 5 resets the peak RSS)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Sampler(threading.Thread):
    """Samples CPU counters every SAMPLE_SECS while one run goes on, so
    the CPU of the measured window alone (not set-up or warm-up) can be
    taken afterwards."""

    def __init__(self, readers):
        super().__init__(daemon=True)
        self.readers = readers          # name -> callable() -> ns
        self.samples = []               # (monotonic, {name: ns})
        self.stop_ev = threading.Event()

    def take(self):
        vals = {k: r() for k, r in self.readers.items()}
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append((time.monotonic(), vals))

    def run(self):
        while not self.stop_ev.is_set():
            self.take()
            self.stop_ev.wait(SAMPLE_SECS)

    def stop(self):
        self.stop_ev.set()
        self.join()
        self.take()

    def at(self, name, t):
        """The counter at time t, interpolated between samples."""
        prev = None
        for ts, vals in self.samples:
            v = vals.get(name)
            if v is None:
                continue
            if ts >= t:
                if prev is None or ts == prev[0]:
                    return v
                frac = (t - prev[0]) / (ts - prev[0])
                return prev[1] + frac * (v - prev[1])
            prev = (ts, v)
        return prev[1] if prev else None

    def delta(self, name, t0, t1):
        a, b = self.at(name, t0), self.at(name, t1)
        if a is None or b is None:
            return None
        return max(0.0, b - a)


# ------------------------------------------------------------ processes

class Procs:
    """Every process the benchmark starts, so all are stopped at the end."""

    def __init__(self):
        self.live = []

    def start(self, argv, log, cgprocs=None, **kw):
        """Start argv (optionally joining a cgroup first) with stdout and
        stderr to the file log (or as given in kw)."""
        if cgprocs:
            argv = ["sh", "-c", 'echo $$ >"$0" && exec "$@"', cgprocs] + argv
        if "stdout" not in kw:
            out = open(log, "ab")
            kw["stdout"] = out
            kw["stderr"] = subprocess.STDOUT
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             start_new_session=True, **kw)
        self.live.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            try:
                p.terminate()
                p.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.live:
            self.live.remove(p)

    def stop_all(self):
        for p in reversed(list(self.live)):
            self.stop(p)


def wait_for(cond, timeout, what, alive=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        if alive is not None and not alive():
            raise BenchError(f"{what}: the process exited")
        time.sleep(0.1)
    raise BenchError(f"{what}: not ready after {timeout:.0f} s")


def quiet_ok(argv, timeout=10):
    try:
        return subprocess.run(argv, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=timeout).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def registered(prefix, prog="100005"):
    """True once rpcbind (the one prefix reaches) maps prog."""
    try:
        r = subprocess.run(prefix + ["rpcinfo", "-p", "127.0.0.1"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.split()[:1] == [prog] for line in r.stdout.splitlines())


# ------------------------------------------------------------ servers

class Server:
    """One target of nfsbench: where it is and how to reach it."""

    name = ""
    proc = None
    log = None
    prefix = []                 # command prefix to enter its namespace

    def url_target(self):
        raise NotImplementedError

    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ports(self):
        return ["-p", str(NFS_PORT), "-m", str(MOUNT_PORT)]


class OurNfsd(Server):
    name = "ours"

    def __init__(self, s, procs, cg):
        self.s, self.procs, self.cg = s, procs, cg
        self.export = os.path.join(s.data, "ours", "export")
        self.state = os.path.join(s.data, "ours", "state")
        self.log = os.path.join(s.out, "logs", "nfsd.log")

    def start(self):
        os.makedirs(self.export, exist_ok=True)
        os.makedirs(self.state, exist_ok=True)
        exports = os.path.join(self.state, "exports")
        with open(exports, "w") as f:
            f.write(f"{self.export} -maproot=root 127.0.0.1\n")
        argv = [self.s.nfsd, "-f", "-e", exports, "-s", self.state,
                "-p", str(NFS_PORT), "-m", str(MOUNT_PORT)]
        if self.s.nfsd_opts:
            argv += ["-o", self.s.nfsd_opts]
        self.proc = self.procs.start(argv, self.log, self.cg.make("nfsd"))
        try:
            wait_for(lambda: registered([]), START_TIMEOUT,
                     "our nfsd", self.alive)
        except BenchError as e:
            raise BenchError(f"{e}\n--- {self.log}:\n{tail(self.log)}")

    def url_target(self):
        return f"127.0.0.1:{self.export}"


class Ganesha(Server):
    """nfs-ganesha in a network and mount namespace of its own, with its
    own rpcbind (it re-registers at start and would wipe ours) and a
    non-loopback /32 on lo (or it finds no address of its own)."""

    name = "ganesha"

    def __init__(self, s, procs, cg):
        self.s, self.procs, self.cg = s, procs, cg
        self.export = os.path.join(s.data, "ganesha", "export")
        self.state = os.path.join(s.data, "ganesha", "state")
        self.log = os.path.join(s.out, "logs", "ganesha.log")
        self.holder = None

    def start(self):
        os.makedirs(self.export, exist_ok=True)
        os.makedirs(os.path.join(self.state, "recovery"), exist_ok=True)
        conf = os.path.join(self.state, "ganesha.conf")
        self.write_conf(conf)
        setup = ("mount -t tmpfs -o mode=0755 bench-ganesha /run && "
                 "mkdir -p /run/rpcbind && ip link set lo up && "
                 f"ip addr add {GANESHA_ADDR} dev lo && "
                 "echo ready && exec sleep infinity")
        hlog = os.path.join(self.s.out, "logs", "ganesha-ns.log")
        self.holder = self.procs.start(
            ["unshare", "--net", "--mount", "--propagation", "private",
             "sh", "-c", setup], None, stdout=subprocess.PIPE,
            stderr=open(hlog, "ab"))
        line = self.holder.stdout.readline()
        if line.strip() != b"ready":
            raise BenchError("cannot make ganesha's namespace:\n" + tail(hlog))
        self.prefix = ["nsenter", "-t", str(self.holder.pid), "-n", "-m"]
        self.procs.start(self.prefix + ["rpcbind", "-w", "-f"],
                         os.path.join(self.s.out, "logs", "rpcbind-ganesha.log"))
        wait_for(lambda: quiet_ok(self.prefix + ["rpcinfo", "-p",
                                                 "127.0.0.1"]),
                 START_TIMEOUT, "ganesha's rpcbind")
        pidfile = os.path.join(self.state, "ganesha.pid")
        argv = self.prefix + ["ganesha.nfsd", "-F", "-L", self.log,
                              "-f", conf, "-p", pidfile]
        self.proc = self.procs.start(
            argv, os.path.join(self.s.out, "logs", "ganesha.out"),
            self.cg.make("ganesha"))
        try:
            wait_for(lambda: registered(self.prefix), START_TIMEOUT,
                     "nfs-ganesha", self.alive)
        except BenchError as e:
            raise BenchError(f"{e}\n--- {self.log}:\n{tail(self.log)}")

    def write_conf(self, path):
        with open(os.path.join(HERE, "ganesha", "ganesha.conf.in")) as f:
            text = f.read()
        for k, v in (("@NFS_PORT@", str(NFS_PORT)),
                     ("@MNT_PORT@", str(MOUNT_PORT)),
                     ("@STATE_DIR@", self.state),
                     ("@EXPORT_DIR@", self.export)):
            text = text.replace(k, v)
        with open(path, "w") as f:
            f.write(text)

    def url_target(self):
        return f"127.0.0.1:{GANESHA_PSEUDO}"


class Floor(Server):
    """The trivial responder: the transport floor for NULL and GETATTR."""

    name = "floor"

    def __init__(self, s, procs, cg):
        self.s, self.procs, self.cg = s, procs, cg
        self.log = os.path.join(s.out, "logs", "responder.log")

    def start(self):
        argv = [self.s.responder, "-p", str(FLOOR_PORT)]
        if self.s.floor_threads:
            argv += ["-t", str(self.s.floor_threads)]
        self.proc = self.procs.start(argv, self.log, self.cg.make("floor"))
        try:
            wait_for(lambda: port_open(FLOOR_PORT), START_TIMEOUT,
                     "the responder", self.alive)
        except BenchError as e:
            raise BenchError(f"{e}\n--- {self.log}:\n{tail(self.log)}")

    def url_target(self):
        return "127.0.0.1:/floor"

    def ports(self):
        return ["-p", str(FLOOR_PORT), "-m", str(FLOOR_PORT)]


def port_open(port):
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


# ------------------------------------------------------------ one run

PROGRESS_RE = re.compile(rb"\bmeasured\s+\d+ ops\s+\S+ ops/s\s+([0-9.]+) s")


class Progress(threading.Thread):
    """Copies a run's stderr to its raw file and notes when the measured
    phase began, from the first progress line of that phase (nfsbench
    prints one a second: "... measured N ops R ops/s S s E errors")."""

    def __init__(self, stream, sink):
        super().__init__(daemon=True)
        self.stream, self.sink = stream, sink
        self.t_measure = None

    def run(self):
        for line in self.stream:
            self.sink.write(line)
            if self.t_measure is None:
                m = PROGRESS_RE.search(line)
                if m:
                    self.t_measure = time.monotonic() - float(m.group(1))

def parse_result(line):
    """A RESULT line (bench/common/report.h) as a dict of strings."""
    out = {}
    for word in line.split()[1:]:
        k, sep, v = word.partition("=")
        if sep:
            out[k] = v
    return out


class Runner:
    """Runs nfsbench/diskbench once per (target, workload, conc) and
    turns its RESULT line and the CPU samples into one CSV row."""

    def __init__(self, s, procs, cg, servers):
        self.s, self.procs, self.cg = s, procs, cg
        self.servers = servers              # name -> Server
        self.client_cg = cg.make("client")
        self.local_cg = cg.make("local")
        self.local_dir = os.path.join(s.data, "local")
        self.rawdir = os.path.join(s.out, "raw")
        os.makedirs(self.rawdir, exist_ok=True)
        os.makedirs(self.local_dir, exist_ok=True)

    def argv(self, target, workload, conc, secs, warmup, ops,
             entries=None):
        conns, depth = conc.split("x")
        common = ["-w", workload, "-c", conns, "-d", depth,
                  "-n", str(ops), "-T", f"{secs:g}",
                  "-W", f"{warmup:g}", "--keep", "--dir", WORK_NAME]
        common += self.s.fixture_args(entries)
        if target == "local":
            return [self.s.diskbench] + common + [self.local_dir]
        srv = self.servers[target]
        return (srv.prefix + [self.s.nfsbench] + common + srv.ports() +
                [srv.url_target()])

    def counter_readers(self, target):
        """name -> reader of CPU ns, for the server and the client."""
        readers = {}
        group = {"ours": "nfsd", "ganesha": "ganesha", "floor": "floor",
                 "local": "local"}[target]
        if self.cg.kind:
            readers["server"] = lambda: self.cg.usage_ns(group)
            readers["client"] = lambda: self.cg.usage_ns("client")
        elif target != "local":
            pid = self.servers[target].pid()
            readers["server"] = lambda: proc_cpu_ns(pid)
        return readers

    def run(self, rnd, target, workload, conc, secs, warmup,
            timeout=None, tag=None, ops=None, entries=None):
        """One run; returns the CSV row (a dict).  With entries, a
        listing of a directory of that many (a listing-scale row)."""
        tag = tag or f"r{rnd}-{target}-{workload}-{conc}"
        raw = os.path.join(self.rawdir, tag)
        argv = self.argv(target, workload, conc, secs, warmup,
                         ops or self.s.ops_for(workload), entries)
        srv = self.servers.get(target)
        spid = srv.pid() if srv else None
        if spid:
            reset_peak_rss(spid)
        cgp = self.local_cg if target == "local" else self.client_cg
        sampler = Sampler(self.counter_readers(target))
        sampler.start()
        t_result = None
        result = {}
        with open(raw + ".out", "w") as out, open(raw + ".err", "wb") as err:
            out.write("# " + " ".join(argv) + "\n")
            p = self.procs.start(argv, None, cgp, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            progress = Progress(p.stderr, err)
            progress.start()
            killer = threading.Timer(timeout or (secs + warmup + RUN_SLACK),
                                     p.kill)
            killer.start()
            try:
                for bline in p.stdout:
                    line = bline.decode(errors="replace")
                    out.write(line)
                    if line.startswith("RESULT ") and t_result is None:
                        t_result = time.monotonic()
                        result = parse_result(line)
                rc = p.wait()
            finally:
                killer.cancel()
                self.procs.stop(p)
                progress.join()
        sampler.stop()
        # The measured window: from the progress line's start when there
        # was one (the RESULT line comes after the workload's clean-up).
        t0 = None
        if result.get("secs"):
            t0 = t_result - float(result["secs"]) if t_result else None
            if progress.t_measure is not None:
                t0 = progress.t_measure
        row = self.row(rnd, target, workload, conc, rc, result, t0,
                       sampler, spid, tag)
        if entries:
            row.update(workload=SCALE_LABEL, entries=entries)
        return row

    def row(self, rnd, target, workload, conc, rc, result, t0,
            sampler, spid, tag):
        conns, depth = conc.split("x")
        row = dict.fromkeys(RAW_FIELDS, "")
        row.update(round=rnd, workload=workload, conc=conc, conns=conns,
                   depth=depth, target=target, rc=rc, raw=tag)
        for k in ("tool", "ops", "errors", "secs", "ops_s", "mib_s",
                  "p50_us", "p99_us", "max_us"):
            row[k] = result.get(k, "")
        if not result:
            return row
        ops = float(result.get("ops", 0) or 0)
        secs = float(result.get("secs", 0) or 0)
        if t0 is not None and ops > 0 and secs > 0:
            cpu = sampler.delta("server", t0, t0 + secs)
            if cpu is not None:
                row["cpu_secs"] = f"{cpu / 1e9:.3f}"
                row["cpu_us_op"] = f"{cpu / 1e3 / ops:.2f}"
            ccpu = sampler.delta("client", t0, t0 + secs)
            if ccpu is not None:
                row["client_cpu_us_op"] = f"{ccpu / 1e3 / ops:.2f}"
        if spid:
            rss = peak_rss_kib(spid)
            if rss is not None:
                row["peak_rss_kib"] = rss
        return row


# ------------------------------------------------------------ the plan

def plan_runs(s, have_local, have_floor):
    """Per round: (workload, conc, [targets in order]); the order of the
    targets rotates from round to round (A B, then B A, ...)."""
    steps = []
    for wl in s.workloads:
        for conc in s.concs:
            targets = ["ours", "ganesha"]
            if have_local and wl not in DISK_SKIPS:
                targets.append("local")
            if have_floor and wl in FLOOR_WORKLOADS:
                targets.append("floor")
            steps.append((wl, conc, targets))
    return steps


def rotate(lst, n):
    n %= len(lst)
    return lst[n:] + lst[:n]


# ------------------------------------------------------------ medians

def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def median_of(rows, key):
    vals = [fnum(r[key]) for r in rows]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


MED_KEYS = ["ops_s", "mib_s", "p50_us", "p99_us", "cpu_us_op",
            "peak_rss_kib"]


def medians(rows, s):
    """One dict per (workload, conc): target_key -> median."""
    out = []
    for wl in s.workloads:
        for conc in s.concs:
            m = {"workload": wl, "conc": conc}
            for t in TARGETS:
                sel = [r for r in rows if r["workload"] == wl and
                       r["conc"] == conc and r["target"] == t]
                good = [r for r in sel if str(r["rc"]) == "0" and r["ops_s"]]
                m[f"{t}_runs"] = len(good)
                m[f"{t}_bad"] = len(sel) - len(good) + sum(
                    1 for r in good if (fnum(r["errors"]) or 0) > 0)
                for k in MED_KEYS:
                    m[f"{t}_{k}"] = median_of(good, k)
            o, g, c = m["ours_ops_s"], m["ganesha_ops_s"], m["local_ops_s"]
            m["ratio"] = o / g if o and g else None
            m["ceiling_frac"] = o / c if o and c else None
            m["verdict"] = verdict(m)
            out.append(m)
    return out


def verdict(m):
    """The issue's targets for this row: 'met ...', 'MISSED ...' (and
    'n/a ...' for a check whose figures are missing), or ''."""
    wl, conc = m["workload"], m["conc"]
    checks = []         # (what, True/False/None)
    r, cf = m["ratio"], m["ceiling_frac"]
    p99, cpu = m["ours_p99_us"], m["ours_cpu_us_op"]

    def at_least(v, need):
        return None if v is None else v >= need

    if conc == "4x16":
        need = TARGET_RATIOS.get(wl)
        if need is not None:
            checks.append((f">={need:g}x", at_least(r, need)))
        if wl in ("null", "getattr"):
            checks.append(("cpu<8us", None if cpu is None else cpu < 8))
        if wl in TARGET_CEILING:
            need = TARGET_CEILING[wl]
            checks.append((f">={100 * need:.0f}%ceil", at_least(cf, need)))
        if wl == "deliver":
            checks.append(("p99<50ms", None if p99 is None else
                           p99 < 50000))
    if conc == "1x1" and wl in ("null", "getattr"):
        fl, o = m["floor_ops_s"], m["ours_ops_s"]
        checks.append((">=90%floor", None if fl is None or o is None
                       else o >= 0.9 * fl))
    if not checks:
        return ""
    words = []
    for label, flag in (("MISSED", False), ("n/a", None), ("met", True)):
        names = [w for w, ok in checks if ok is flag]
        if names:
            words.append(label + " " + " ".join(names))
    return "; ".join(words)


def fmt(v, kind="n"):
    if v is None:
        return "-"
    if kind == "ratio":
        return f"{v:.2f}"
    if kind == "pct":
        return f"{100 * v:.0f}%"
    if kind == "mib":
        return f"{v / 1024:.0f}"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def table(meds):
    """Two text tables of the medians: throughput, then latency/cost."""
    lines = []
    h1 = ("workload", "conc", "ours/s", "ganesha/s", "o/g", "local/s",
          "o/local", "floor/s", "target (4x16; 1x1 floor)")
    w1 = (9, 5, 10, 10, 6, 10, 8, 10, 0)
    lines.append(row_fmt(h1, w1))
    for m in meds:
        mark = lambda t: "!" if m[f"{t}_bad"] else ""
        lines.append(row_fmt((
            m["workload"], m["conc"],
            fmt(m["ours_ops_s"]) + mark("ours"),
            fmt(m["ganesha_ops_s"]) + mark("ganesha"),
            fmt(m["ratio"], "ratio"),
            fmt(m["local_ops_s"]) + mark("local"),
            fmt(m["ceiling_frac"], "pct"),
            fmt(m["floor_ops_s"]) + mark("floor"),
            m["verdict"]), w1))
    lines.append("")
    h2 = ("workload", "conc", "p50 ours", "p50 gan", "p50 loc",
          "p99 ours", "p99 gan", "p99 loc", "cpu/op o", "cpu/op g",
          "cpu/op f", "rss o", "rss g")
    w2 = (9, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9, 6, 6)
    lines.append(row_fmt(h2, w2))
    for m in meds:
        lines.append(row_fmt((
            m["workload"], m["conc"],
            fmt(m["ours_p50_us"]), fmt(m["ganesha_p50_us"]),
            fmt(m["local_p50_us"]),
            fmt(m["ours_p99_us"]), fmt(m["ganesha_p99_us"]),
            fmt(m["local_p99_us"]),
            fmt(m["ours_cpu_us_op"]), fmt(m["ganesha_cpu_us_op"]),
            fmt(m["floor_cpu_us_op"]),
            fmt(m["ours_peak_rss_kib"], "mib"),
            fmt(m["ganesha_peak_rss_kib"], "mib")), w2))
    return "\n".join(lines) + "\n"


def row_fmt(cells, widths):
    return " ".join(str(c).rjust(w) if i > 1 and w else str(c).ljust(w)
                    for i, (c, w) in enumerate(zip(cells, widths))).rstrip()


SCALE_FIELDS = ["entries", "ours_us_entry", "ganesha_us_entry",
                "local_us_entry", "ours_runs", "ganesha_runs", "local_runs"]


def scale_medians(rows, sizes):
    """Per size: each target's median time per entry (us), from the
    listings/s of its 1x1 runs: one listing at a time, so 1/ops_s is
    the time of one."""
    out = []
    for n in sizes:
        m = {"entries": n}
        for t in ("ours", "ganesha", "local"):
            vals = [1e6 / (fnum(r["ops_s"]) * n) for r in rows
                    if r["workload"] == SCALE_LABEL and
                    str(r.get("entries")) == str(n) and r["target"] == t
                    and str(r["rc"]) == "0" and fnum(r["ops_s"]) and
                    not fnum(r["errors"])]
            m[f"{t}_us_entry"] = statistics.median(vals) if vals else None
            m[f"{t}_runs"] = len(vals)
        out.append(m)
    return out if any(m["ours_runs"] for m in out) else []


def scale_verdict(scale):
    """Whether ours is linear: its time per entry on the largest
    directory against the smallest."""
    lo, hi = scale[0]["ours_us_entry"], scale[-1]["ours_us_entry"]
    if lo is None or hi is None:
        return "n/a linear"
    growth = hi / lo
    word = "met" if growth <= SCALE_MAX_GROWTH else "MISSED"
    return (f"ours per entry at {scale[-1]['entries']:,} / at "
            f"{scale[0]['entries']:,}: {growth:.2f} ({word} linear, "
            f"<= {SCALE_MAX_GROWTH:g})")


def scale_table(scale):
    lines = ["listing by directory size (1x1, us per entry: a listing's "
             "time / its entries)",
             " ".join(h.rjust(10) for h in ("entries", "ours", "ganesha",
                                            "local"))]
    for m in scale:
        cells = [f"{m['entries']:,}"] + [
            "-" if m[f"{t}_us_entry"] is None else
            f"{m[f'{t}_us_entry']:.2f}" for t in ("ours", "ganesha",
                                                 "local")]
        lines.append(" ".join(c.rjust(10) for c in cells))
    lines.append(scale_verdict(scale))
    return "\n".join(lines) + "\n"


TABLE_NOTES = """\
Medians of {rounds} interleaved rounds.  o/g = ours/ganesha; local =
the same workload as plain syscalls on the same filesystem (diskbench),
o/local = ours/local; floor = nfsbench against a responder that answers
with canned replies.  Latencies in us per operation (as nfsbench counts
one).  cpu/op = server CPU us per operation over the measured window,
from {cpu}; rss = server peak RSS (VmHWM) in MiB
during the run.  "!" marks a median with a failed run or errors in some
round (raw.csv).  Targets (issue 7) are checked at 4x16, the floor one
at 1x1.
"""

NO_JOURNAL_NOTE = """BENCH_DIR is on ext4 without a journal: every fsync writes and flushes
on its own, and each new inode walks past every inode freed in the last
minute, so deliver, pop and mix swing from round to round with what was
deleted before them (bench/README.md, "The file system under the mail
workloads").
"""


# ------------------------------------------------------------ output

def write_csv(path, rows, fields):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else
                            (f"{r[k]:.4g}" if isinstance(r.get(k), float)
                             else r[k])) for k in fields})
    os.replace(tmp, path)


def median_fields():
    f = ["workload", "conc"]
    for t in TARGETS:
        f += [f"{t}_{k}" for k in MED_KEYS] + [f"{t}_runs", f"{t}_bad"]
    return f + ["ratio", "ceiling_frac", "verdict"]


def plot(s, meds):
    """Data files for gnuplot and the PNGs (bench/plot/*.gp)."""
    pdir = os.path.join(s.out, "plot")
    os.makedirs(pdir, exist_ok=True)
    made = []
    # Only concurrencies with figures (an interrupted run has gaps).
    concs = [c for c in s.concs if any(
        m[f"{t}_ops_s"] for m in meds if m["conc"] == c for t in TARGETS)]
    if not concs:
        return made
    for conc in concs:
        rows = [m for m in meds if m["conc"] == conc]
        with open(os.path.join(pdir, f"tput-{conc}.dat"), "w") as f:
            f.write("# workload ours ganesha local floor (ops/s)\n")
            for m in rows:
                f.write(" ".join([m["workload"]] + [
                    gp(m[f"{t}_ops_s"]) for t in TARGETS]) + "\n")
        with open(os.path.join(pdir, f"lat-{conc}.dat"), "w") as f:
            f.write("# workload ours_p50 ours_p99 ganesha_p50 ganesha_p99"
                    " local_p50 local_p99 (us)\n")
            for m in rows:
                f.write(" ".join([m["workload"]] + [
                    gp(m[f"{t}_{q}"]) for t in ("ours", "ganesha", "local")
                    for q in ("p50_us", "p99_us")]) + "\n")
    tput = [m[f"{t}_ops_s"] for m in meds for t in TARGETS]
    lat = [m[f"{t}_{q}"] for m in meds for t in ("ours", "ganesha", "local")
           for q in ("p50_us", "p99_us")]
    for script, vals in (("throughput", tput), ("latency", lat)):
        png = os.path.join(s.out, f"{script}.png")
        cmd = ["gnuplot", "-e", f"datadir='{pdir}'; outfile='{png}'; "
               f"concs='{' '.join(concs)}'; ymin={axis_floor(vals)}",
               os.path.join(HERE, "plot", f"{script}.gp")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            say(f"bench: gnuplot {script}.gp failed:\n{r.stderr}")
        else:
            made.append(png)
    return made


def axis_floor(vals):
    """A power of ten below the smallest positive value (log axes)."""
    pos = [v for v in vals if v is not None and v > 0]
    low = min(pos) if pos else 1.0
    return 10.0 ** math.floor(math.log10(low))


def gp(v):
    return "-" if v is None or v <= 0 else f"{v:.6g}"


def write_meta(s, cg):
    def cmd_out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    g = cmd_out(["ganesha.nfsd", "-v"]).splitlines()
    lines = [
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
        f"git: {cmd_out(['git', '-C', ROOT, 'describe', '--always', '--dirty'])}",
        f"kernel: {os.uname().release}",
        f"cpus: {os.cpu_count()}",
        f"ganesha: {g[0] if g else '?'}",
        f"data dir: {s.data} ({fs_note(s.data)})",
        f"plan: quick={int(s.quick)} rounds={s.rounds} secs={s.secs} "
        f"warmup={s.warmup} local_secs={s.local_secs} ops={s.ops} "
        f"entries={s.entries} seq_size={s.seq_size}",
        f"workloads: {' '.join(s.workloads)}",
        f"concurrency: {' '.join(s.concs)}",
        f"cpu accounting: {cpu_kind(cg)}",
    ]
    with open(os.path.join(s.out, "meta.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def cpu_kind(cg):
    if cg.kind == "v1":
        return "cgroup v1 cpuacct.usage"
    if cg.kind == "v2":
        return "cgroup v2 cpu.stat usage_usec"
    return "/proc/PID/stat utime+stime"


def remove_tree(path):
    """rm -rf (much faster than shutil.rmtree on 100,000 files)."""
    subprocess.run(["rm", "-rf", "--one-file-system", path])


def fs_type(path):
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                mnt, typ = line.split()[1:3]
                if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) \
                        and len(mnt) > len(best):
                    best, kind = mnt, typ
    except OSError:
        pass
    return kind


def ext4_journal(path):
    """Whether the ext4 file system holding path has a journal (its
    /sys/fs/ext4/DEV/journal_task says <none> when not); None when that
    cannot be told."""
    try:
        st = os.stat(path)
        dev = os.path.basename(os.readlink("/sys/dev/block/%d:%d" % (
            os.major(st.st_dev), os.minor(st.st_dev))))
        with open(f"/sys/fs/ext4/{dev}/journal_task") as f:
            return f.read().strip() != "<none>"
    except OSError:
        return None


def fs_note(path):
    """What path is on: 'tmpfs', 'ext4, without a journal', ..."""
    kind = fs_type(path)
    journal = ext4_journal(path) if kind == "ext4" else None
    if journal is None:
        return kind
    return f"{kind}, {'with' if journal else 'without'} a journal"


# ------------------------------------------------------------ the run

class Bench:
    def __init__(self, s):
        self.s = s
        self.procs = Procs()
        self.cg = Cgroups(s.cgroup)
        self.rows = []
        self.servers = {}

    def check_tools(self):
        if not os.access(self.s.nfsd, os.X_OK):
            raise BenchError(f"no {self.s.nfsd} (make BUILD=... first)")
        if shutil.which("ganesha.nfsd") is None:
            raise BenchError("ganesha.nfsd not found (make deps)")
        kind = fs_type(self.s.data)
        if kind in ("tmpfs", "ramfs"):
            raise BenchError(f"BENCH_DIR {self.s.data} is on {kind}: use "
                             "a directory on a disk filesystem")

    def fresh_data(self):
        if not self.s.keep and os.path.exists(self.s.data):
            say(f"bench: removing the old data in {self.s.data} (slow "
                "with many files on a filesystem mounted -o discard)")
            remove_tree(self.s.data)
        os.makedirs(self.s.data, exist_ok=True)

    def start_servers(self):
        procs, cg, s = self.procs, self.cg, self.s
        os.makedirs(os.path.join(s.out, "logs"), exist_ok=True)
        self.procs.start(["rpcbind", "-w", "-f"],
                         os.path.join(s.out, "logs", "rpcbind.log"))
        wait_for(lambda: quiet_ok(["rpcinfo", "-p", "127.0.0.1"]),
                 START_TIMEOUT, "rpcbind")
        ours = OurNfsd(s, procs, cg)
        ours.start()
        say(f"bench: our nfsd is up (pid {ours.pid()}), "
            f"{ours.url_target()}")
        gan = Ganesha(s, procs, cg)
        gan.start()
        say(f"bench: nfs-ganesha is up (pid {gan.pid()}) in its own "
            f"network namespace, {gan.url_target()}")
        self.servers = {"ours": ours, "ganesha": gan}
        if os.access(s.responder, os.X_OK):
            fl = Floor(s, procs, cg)
            fl.start()
            self.servers["floor"] = fl
            say(f"bench: the responder is up (pid {fl.pid()})")
        else:
            say(f"bench: no {s.responder}: no floor column")

    def check_servers(self):
        """Both servers must answer a mount and a listing (nfs-ls), and
        NULL from nfsbench, before anything is measured."""
        for name in ("ours", "ganesha"):
            srv = self.servers[name]
            host, path = srv.url_target().split(":", 1)
            url = (f"nfs://{host}{path}?version=3&nfsport={NFS_PORT}"
                   f"&mountport={MOUNT_PORT}")
            r = subprocess.run(srv.prefix + ["nfs-ls", url],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                raise BenchError(f"{name} does not answer nfs-ls {url}: "
                                 f"{r.stderr.strip()}\n--- {srv.log}:\n"
                                 f"{tail(srv.log)}")
            say(f"bench: {name} answers nfs-ls {url}")

    def make_listing(self, srv, entries):
        """The listing directory as nfsbench makes it (WORK_NAME/list.N
        holding eI for I < N), made here with plain syscalls on the
        same file system: 100,000 durable CREATEs through NFS took
        minutes of a run that times none of it.  nfsbench --keep then
        finds the count right and reuses it."""
        d = os.path.join(srv.export, WORK_NAME, f"list.{entries}")
        os.makedirs(d, exist_ok=True)
        have = set(os.listdir(d))
        want = {f"e{i}" for i in range(entries)}
        if have == want:
            return
        for name in have - want:
            path = os.path.join(d, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        for name in want - have:
            os.close(os.open(os.path.join(d, name),
                             os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
        os.sync()

    def prepare(self, runner):
        """Create the fixtures (listing directory, sequential file,
        mailboxes) untimed, once per target, before the first round."""
        wls = [w for w in self.s.workloads]
        sizes = self.listing_scale()
        if "listing" in wls:
            for t in ["ours", "ganesha"]:
                start = time.monotonic()
                for n in sizes or [self.s.entries]:
                    self.make_listing(self.servers[t], n)
                say(f"bench: made the listing directory for {t} in "
                    f"{time.monotonic() - start:.0f} s")
        if sizes and os.access(self.s.diskbench, os.X_OK):
            for n in sizes[:-1]:    # the largest: listing's own fixture
                row = runner.run(0, "local", "listing", "1x1", 0.1, 0,
                                 PREP_TIMEOUT, tag=f"prep-local-list{n}",
                                 ops=PREP_OPS, entries=n)
                if str(row["rc"]) != "0" or not row["ops_s"]:
                    raise BenchError(f"preparing a {n}-entry listing on "
                                     f"local failed (rc {row['rc']})")
        for t in ["ours", "ganesha", "local"]:
            if t == "local" and not os.access(self.s.diskbench, os.X_OK):
                continue
            for wl in wls:
                if t == "local" and wl in DISK_SKIPS:
                    continue
                start = time.monotonic()
                row = runner.run(0, t, wl, PREP_CONC, 0.1, 0, PREP_TIMEOUT,
                                 tag=f"prep-{t}-{wl}", ops=PREP_OPS)
                if str(row["rc"]) != "0" or not row["ops_s"]:
                    srv = self.servers.get(t)
                    extra = (f"\n--- {srv.log}:\n{tail(srv.log)}"
                             if srv else "")
                    raise BenchError(
                        f"preparing {wl} on {t} failed (rc {row['rc']}); "
                        f"see {self.s.out}/raw/prep-{t}-{wl}.err:\n" +
                        tail(os.path.join(self.s.out, "raw",
                                          f"prep-{t}-{wl}.err"), 10) + extra)
                took = time.monotonic() - start
                if took > 5:
                    say(f"bench: prepared {wl} on {t} in {took:.0f} s")

    def listing_scale(self):
        """The listing-scale sizes, if listing is measured at all."""
        return self.s.scale if "listing" in self.s.workloads else []

    def measure_scale(self, runner, rnd, targets):
        """One round of listing by directory size: 1x1, each size
        against each target, the targets' order rotating."""
        for n in self.listing_scale():
            for t in rotate(targets, rnd - 1):
                row = runner.run(rnd, t, "listing", "1x1", SCALE_SECS, 0,
                                 tag=f"r{rnd}-{t}-listing{n}-1x1",
                                 ops=self.s.scale_ops(n), entries=n)
                self.rows.append(row)
                self.check_alive()
                say(f"  listing of {n} entries, 1x1, {t:8s} "
                    f"{row['ops_s'] or '-':>10s} listings/s")

    def measure(self, runner):
        s = self.s
        have_local = os.access(s.diskbench, os.X_OK)
        have_floor = "floor" in self.servers
        if not have_local:
            say(f"bench: no {s.diskbench}: no local-ceiling column")
        steps = plan_runs(s, have_local, have_floor)
        total = sum(len(t) for _, _, t in steps) * s.rounds
        done = 0
        t0 = time.monotonic()
        for rnd in range(1, s.rounds + 1):
            say(f"bench: round {rnd} of {s.rounds}")
            for wl, conc, targets in steps:
                for t in rotate(targets, rnd - 1):
                    secs = s.local_secs if t == "local" else s.secs
                    row = runner.run(rnd, t, wl, conc, secs,
                                     s.warmup_for(wl))
                    self.rows.append(row)
                    done += 1
                    self.report_run(row, done, total, t0)
                    self.check_alive()
            self.measure_scale(runner, rnd, ["ours", "ganesha"] +
                               (["local"] if have_local else []))
            write_csv(os.path.join(s.out, "raw.csv"), self.rows, RAW_FIELDS)

    def report_run(self, row, done, total, t0):
        el = time.monotonic() - t0
        eta = el / done * (total - done)
        bad = ""
        if str(row["rc"]) != "0":
            bad = f"  (exit {row['rc']}; see raw/{row['raw']}.err)"
        elif (fnum(row["errors"]) or 0) > 0:
            bad = f"  ({row['errors']} errors)"
        say(f"  [{done:3d}/{total}, ~{eta / 60:.0f} min left] "
            f"{row['workload']:8s} {row['conc']:5s} {row['target']:8s} "
            f"{row['ops_s'] or '-':>10s} ops/s  p99 {row['p99_us'] or '-'}"
            f" us  cpu/op {row['cpu_us_op'] or '-'} us{bad}")

    def check_alive(self):
        for name, srv in self.servers.items():
            if not srv.alive():
                raise BenchError(f"{name} died during the benchmark\n--- "
                                 f"{srv.log}:\n{tail(srv.log)}")

    def finish(self):
        s = self.s
        if not self.rows:
            return
        write_csv(os.path.join(s.out, "raw.csv"), self.rows, RAW_FIELDS)
        meds = medians(self.rows, s)
        write_csv(os.path.join(s.out, "medians.csv"), meds, median_fields())
        text = table(meds)
        scale = scale_medians(self.rows, s.scale)
        if scale:
            write_csv(os.path.join(s.out, "listing_scale.csv"), scale,
                      SCALE_FIELDS)
            text += "\n" + scale_table(scale)
        notes = TABLE_NOTES.format(rounds=s.rounds, cpu=cpu_kind(self.cg))
        if ext4_journal(s.data) is False:
            notes += "\n" + NO_JOURNAL_NOTE
        with open(os.path.join(s.out, "table.txt"), "w") as f:
            f.write(text + "\n" + notes)
        say("\n" + text + "\n" + notes)
        for png in plot(s, meds):
            say(f"bench: plot {png}")

    def run(self):
        s = self.s
        os.makedirs(s.out, exist_ok=True)
        for old in ("raw.csv", "medians.csv", "table.txt", "mail.csv",
                    "listing_scale.csv", "throughput.png", "latency.png"):
            if os.path.exists(os.path.join(s.out, old)):
                os.remove(os.path.join(s.out, old))
        for old in ("raw", "logs", "plot"):
            shutil.rmtree(os.path.join(s.out, old), ignore_errors=True)
        self.check_tools()
        self.fresh_data()
        if ext4_journal(s.data) is False:
            say(f"bench: note: {s.data} is on ext4 without a journal; "
                "the mail workloads will be noisy (see the table's notes)")
        for line in write_meta(s, self.cg):
            say(f"bench: {line}")
        self.start_servers()
        self.check_servers()
        if not os.access(s.nfsbench, os.X_OK):
            raise BenchError(f"no {s.nfsbench}: both servers answer, but "
                             "there is nothing to measure them with")
        runner = Runner(s, self.procs, self.cg, self.servers)
        for name in self.servers:
            row = runner.run(0, name, "null", "1x1", 0.2, 0, START_TIMEOUT,
                             tag=f"check-{name}-null", ops=PREP_OPS)
            if str(row["rc"]) != "0" or not row["ops_s"]:
                srv = self.servers[name]
                raise BenchError(f"nfsbench -w null against {name} failed "
                                 f"(rc {row['rc']}):\n" + tail(os.path.join(
                                     s.out, "raw", f"check-{name}-null.err"),
                                     10) + f"--- {srv.log}:\n{tail(srv.log)}")
        say("bench: nfsbench -w null answered by " +
            ", ".join(self.servers))
        say("bench: preparing fixtures (untimed)")
        self.prepare(runner)
        self.measure(runner)

    def cleanup(self):
        self.procs.stop_all()
        self.cg.remove()
        if not self.s.keep and os.path.exists(self.s.data):
            say(f"bench: removing {self.s.data}")
            remove_tree(self.s.data)


def on_term(signum, frame):
    raise KeyboardInterrupt


def cmd_run(build):
    try:
        s = Settings(build)
    except BenchError as e:
        say(f"bench: {e}")
        return 1
    b = Bench(s)
    signal.signal(signal.SIGTERM, on_term)
    rc = 0
    try:
        b.run()
    except BenchError as e:
        say(f"bench: FAILED: {e}")
        rc = 1
    except KeyboardInterrupt:
        say("bench: interrupted; stopping everything")
        rc = 130
    finally:
        try:
            b.finish()
        finally:
            b.cleanup()
    return rc


def cmd_summary(out):
    """The final summary: the NFS table, then the mail benchmark's."""
    say("=" * 30 + " make bench: summary " + "=" * 30)
    path = os.path.join(out, "table.txt")
    if os.path.exists(path):
        with open(path) as f:
            say(f.read())
    else:
        say(f"(no NFS results: {path} is missing)")
    mail = os.path.join(out, "mail.csv")
    if os.path.exists(mail):
        say("mail end to end (" + mail + "):")
        with open(mail, newline="") as f:
            rows = list(csv.reader(f))
        widths = [max(len(r[i]) if i < len(r) else 0 for r in rows)
                  for i in range(max(len(r) for r in rows))] if rows else []
        for r in rows:
            say("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)))
    else:
        say("mail end to end: not run (no " + mail + ")")
    say(f"results: {out} (raw.csv, medians.csv, listing_scale.csv, "
        "table.txt, *.png, raw/, logs/)")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "run":
        return cmd_run(argv[2])
    if len(argv) == 3 and argv[1] == "summary":
        return cmd_summary(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
