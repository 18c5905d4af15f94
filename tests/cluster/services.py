"""
services.py - the daemons of the cluster, each started for real in its
host's namespace with its log in the test directory: rpcbind and nfsd on
a fileserver, dnsmasq, the outside Exim, mxd and pop3d on a front end.

A fileserver keeps one holder process whose private mount namespace has
its own /run (so its rpcbind's socket is its own) and the store
bind-mounted at /usr/mailN (on an overlay of /usr, so the exports file
names /usr/mailN as on a real fileserver); its daemons are started with
nsenter into that holder's namespaces.
"""

import os
import signal
import subprocess
import time

import net

LIMIT_WAIT = 15.0                 # seconds any daemon gets to come up


class ServiceError(Exception):
    pass


def wait_tcp(host, addr, port, timeout=LIMIT_WAIT):
    """True once addr:port accepts a connection from inside host."""
    code = ("import socket,sys,time\n"
            "d=time.monotonic()+%f\n"
            "while time.monotonic()<d:\n"
            "  try:\n"
            "    socket.create_connection((%r,%d),1).close();sys.exit(0)\n"
            "  except OSError: time.sleep(0.1)\n"
            "sys.exit(1)\n" % (timeout, addr, port))
    return subprocess.run(net.netns_argv(host) + ["python3", "-c", code]
                          ).returncode == 0


class Proc:
    """One daemon: its argv, log file and process."""

    def __init__(self, name, argv, logpath):
        self.name, self.argv, self.logpath = name, argv, logpath
        self.proc = None

    def start(self):
        with open(self.logpath, "a") as lf:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=lf, stderr=lf)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL; the exit status (None if not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc, self.proc = self.proc.returncode, None
        return rc

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Registry:
    """Every Proc started, so that the end of the test stops them all."""

    def __init__(self):
        self.procs = []

    def run(self, name, argv, logpath):
        p = Proc(name, argv, logpath).start()
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            p.kill()


class Fileserver:
    """nfsN: rpcbind + nfsd exporting /usr/mailN to the storage network."""

    def __init__(self, reg, work, host, store_name, build, exports_text):
        self.reg, self.host, self.build = reg, host, build
        self.dir = os.path.join(work, host)
        self.store = os.path.join(self.dir, store_name)      # on disk
        self.path = "/usr/" + store_name                     # as exported
        self.state = os.path.join(self.dir, "state")
        for d in (self.store, self.state, os.path.join(self.dir, "upper"),
                  os.path.join(self.dir, "ovl")):
            os.makedirs(d, exist_ok=True)
        os.makedirs(os.path.join(self.dir, "upper", store_name),
                    exist_ok=True)
        os.chmod(self.store, 0o755)
        self.exports = os.path.join(self.dir, "exports")
        with open(self.exports, "w") as f:
            f.write(exports_text)
        self.holder = None
        self.nfsd = None

    def setup(self):
        script = ("set -e; mount -t tmpfs -o mode=0755 run /run; "
                  "mkdir -p /run/rpcbind; "
                  "mount -t overlay overlay -o lowerdir=/usr,upperdir=%s,"
                  "workdir=%s /usr; mount --bind %s %s; exec sleep 100000"
                  % (os.path.join(self.dir, "upper"),
                     os.path.join(self.dir, "ovl"), self.store, self.path))
        self.holder = self.reg.run(
            self.host + "-holder",
            net.netns_argv(self.host) + ["unshare", "--mount",
                                         "--propagation", "private",
                                         "sh", "-c", script],
            os.path.join(self.dir, "holder.log"))
        deadline = time.monotonic() + LIMIT_WAIT
        while time.monotonic() < deadline:
            if self._ready_mounts():
                break
            if not self.holder.alive():
                raise ServiceError("%s: mount set-up failed: %s"
                                   % (self.host, self.holder.log()))
            time.sleep(0.05)
        else:
            raise ServiceError("%s: mounts not ready" % self.host)
        self.reg.run(self.host + "-rpcbind",
                     self.enter() + ["rpcbind", "-w", "-f"],
                     os.path.join(self.dir, "rpcbind.log"))
        if not wait_tcp(self.host, "127.0.0.1", 111):
            raise ServiceError("%s: rpcbind not listening" % self.host)
        return self

    def _ready_mounts(self):
        pid = self.holder.proc.pid
        try:
            with open("/proc/%d/mountinfo" % pid) as f:
                return (" %s " % self.path) in f.read()
        except OSError:
            return False

    def enter(self):
        """argv prefix: run in this fileserver's network + mount namespace."""
        return ["nsenter", "-t", str(self.holder.proc.pid), "-m", "-n", "--"]

    def start_nfsd(self):
        self.nfsd = self.reg.run(
            self.host + "-nfsd",
            self.enter() + [os.path.join(self.build, "nfsd"), "-f", "-e",
                            self.exports, "-s", self.state],
            os.path.join(self.dir, "nfsd.log"))
        if not (wait_tcp(self.host, "127.0.0.1", 2049) and
                wait_tcp(self.host, "127.0.0.1", 20048)):
            raise ServiceError("%s: nfsd not listening: %s"
                               % (self.host, self.nfsd.log()[-2000:]))
        return self.nfsd


class FrontEnd:
    """mxN or popN: a mailcluster.conf, a userdb copy, mxd or pop3d."""

    def __init__(self, reg, work, host, build, conf_text):
        self.reg, self.host, self.build = reg, host, build
        self.dir = os.path.join(work, host)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "mailcluster.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.proc = None

    def run(self, prog, args=()):
        """Run a tool on this node (e.g. mailctl makedb); CompletedProcess."""
        return subprocess.run(net.netns_argv(self.host) +
                              [os.path.join(self.build, prog), "-c",
                               self.conf] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)

    def start(self, prog, port, addr, extra=()):
        self.proc = self.reg.run(
            "%s-%s" % (self.host, prog),
            net.netns_argv(self.host) + [os.path.join(self.build, prog), "-f",
                                         "-c", self.conf] + list(extra),
            os.path.join(self.dir, prog + ".log"))
        if not wait_tcp(self.host, addr, port):
            raise ServiceError("%s: %s not listening on %s:%d: %s"
                               % (self.host, prog, addr, port,
                                  self.proc.log()[-2000:]))
        return self.proc


def copy_file(src, dst):
    """Distribute a file as an admin would: rsync if installed, else cp."""
    tool = (["rsync", "-t", src, dst] if _have("rsync")
            else ["cp", "-p", src, dst])
    subprocess.run(tool, check=True)
    return tool[0]


def _have(tool):
    return any(os.access(os.path.join(d, tool), os.X_OK)
               for d in os.environ.get("PATH", "").split(":"))

