#!/usr/bin/env python3
"""
mailbench.py - the mail half of `make bench`, run by bench/mail/run.sh
inside private namespaces (with its own rpcbind already up).

Starts our nfsd on a fresh export (on OUTDIR's filesystem), provisions
the users with mailctl, starts mxd and pop3d; writes configs for Exim
(exim4-daemon-light, Maildirs on local disk) and Dovecot (pop3, the
same Maildirs) and starts them; then, same users, message sizes,
threads and duration for each pair:

  SMTP  postal -t 40 against mxd (-> nfsd), then against Exim
  POP3  rabid -p 10 -c 10 against pop3d (-> nfsd), then against Dovecot
        (the mailboxes were filled through each MX by postal)

SMTP runs for a fixed time per server; then each user's fuller mailbox
is trimmed to the other's size (the faster MX must not give its POP3
server bigger mailboxes to list), and POP3 runs until the same number
of messages (a share of them) has left each store, so both do the same
work on the same mailbox sizes and neither runs into empty mailboxes.  Messages per
minute come from what landed in (SMTP) or left (POP3) the Maildirs in
the window, beside the 250s the MX logged, the full-minute lines postal
prints and the checksum-verified lines rabid writes to its rabid.log
(it prints no counts of its own).
Each server runs in its own cgroup (cgroup v2 cpu.stat usage_usec:
counts Exim's and Dovecot's children too; /proc utime+stime with
children without one); peak memory is the largest sum of PSS over a
group's processes, sampled every half second.  Passwords are
SHA-512-crypt with 1000 rounds in both userdbs (mailctl's yescrypt
would make both POP3 servers measure the hash, not the mail store).  Writes OUTDIR/mail.csv and
OUTDIR/mail.txt and prints the table.  Everything started is stopped
and the scratch directory removed, also on failure.
"""

import csv
import ctypes
import ctypes.util
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

BUILD, OUT = sys.argv[1], sys.argv[2]
QUICK = os.environ.get("BENCH_QUICK") == "1"
KEEP = os.environ.get("MB_KEEP") == "1"
USERS = int(os.environ.get("MB_USERS", "100"))
SIZE_KB = int(os.environ.get("MB_SIZE_KB", "10"))       # postal -m
SMTP_SECS = int(os.environ.get("MB_SMTP_SECS", "20" if QUICK else "150"))
POP_SECS = int(os.environ.get("MB_POP_SECS", "15" if QUICK else "60"))
POP_SHARE = 0.7              # of the smaller store's messages, per server
POLL_SECS = 0.25
POSTAL_THREADS = 40
POSTAL_PER_CONN = 3          # postal -c: 1..3 messages per connection
POSTAL_RATE = 1000000        # postal -r: no cap (its default is 24000)
RABID_PROCS, RABID_PER_CONN = 10, 10
DOMAIN = "bench.example"
NFS_PORT, MOUNT_PORT = 2049, 20048
MXD_PORT, EXIM_PORT = 25025, 25026
POP3D_PORT, DOVECOT_PORT = 11110, 11111
EXIM_USER = "Debian-exim"
START_TIMEOUT = 15.0
DRAIN_TIMEOUT = 120.0
SAMPLE_SECS = 0.5
HASH_ROUNDS = 1000           # SHA-512-crypt rounds (the minimum)
CGROUP_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")

WORK = os.path.join(OUT, "mail-work")
procs = []                   # (name, Popen) of everything started
cgroup_base = None


def log(msg):
    print(msg, flush=True)


def die(msg):
    raise SystemExit("mailbench: " + msg)


# ------------------------------------------------------------ cgroups

def find_cgroup2():
    """A writable cgroup v2 directory of ours, or None (then /proc)."""
    for root in CGROUP_ROOTS:
        try:
            if os.statvfs(root) and not os.path.exists(
                    os.path.join(root, "cgroup.procs")):
                continue
            with open("/proc/mounts") as f:
                if not any(l.split()[1] == root and l.split()[2] == "cgroup2"
                           for l in f):
                    continue
            # make bench's run.sh removes its BENCH_CGROUP whatever
            # happens; alone, a name no other run can have
            name = os.environ.get("BENCH_CGROUP") or \
                "mailbench." + secrets.token_hex(6)
            base = os.path.join(root, name)
            os.makedirs(base, exist_ok=True)
            return base
        except OSError:
            continue
    return None


def cg_dir(name):
    if cgroup_base is None:
        return None
    d = os.path.join(cgroup_base, name)
    if not os.path.isdir(d):
        os.mkdir(d)
    return d


def cg_enter(name):
    """A preexec_fn moving the child into cgroup name."""
    d = cg_dir(name)
    if d is None:
        return None

    def enter():
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write("0")
    return enter


def cg_pids(name, proc=None):
    d = cg_dir(name)
    if d is None:
        return [proc.pid] if proc is not None and proc.poll() is None else []
    try:
        with open(os.path.join(d, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_cpu_usec(pid):
    """utime+stime+cutime+cstime of pid (the /proc fallback)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    ticks = sum(int(x) for x in fields[11:15])
    return ticks * 1000000 // os.sysconf("SC_CLK_TCK")


def cpu_usec(name):
    d = cg_dir(name)
    if d is None:
        return sum(proc_cpu_usec(p.pid) for n, p in procs if n == name)
    with open(os.path.join(d, "cpu.stat")) as f:
        for line in f:
            k, v = line.split()
            if k == "usage_usec":
                return int(v)
    return 0


def rss_kib(pids):
    """Summed proportional set size (shared pages counted once)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


class Sampler(threading.Thread):
    """Peak summed PSS per group while a phase runs."""

    def __init__(self, names):
        super().__init__(daemon=True)
        self.names = names
        self.peak = {n: 0 for n in names}
        self.stop_ev = threading.Event()

    def run(self):
        while not self.stop_ev.is_set():
            for n in self.names:
                procs_n = [p for m, p in procs if m == n]
                pids = cg_pids(n, procs_n[0] if procs_n else None)
                self.peak[n] = max(self.peak[n], rss_kib(pids))
            self.stop_ev.wait(SAMPLE_SECS)

    def finish(self):
        self.stop_ev.set()
        self.join()
        return self.peak


# ------------------------------------------------------------ processes

def start(name, argv, logname, cg=None, **kw):
    lf = open(os.path.join(WORK, logname), "w")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf,
                         stderr=subprocess.STDOUT,
                         preexec_fn=cg_enter(cg or name), **kw)
    procs.append((name, p))
    return p


def wait_port(port, proc=None, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop_all():
    for name, p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for name, p in reversed(procs):
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if cgroup_base is not None:
        for n in os.listdir(cgroup_base):
            d = os.path.join(cgroup_base, n)
            if not os.path.isdir(d):
                continue
            try:
                with open(os.path.join(d, "cgroup.kill"), "w") as f:
                    f.write("1")
            except OSError:
                pass
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)
        try:
            os.rmdir(cgroup_base)
        except OSError as e:
            log("mailbench: could not remove %s: %s" % (cgroup_base, e))


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


# ------------------------------------------------------------ set-up

def home_of(name):
    """The hashed home of clients/README.md: <h1>/<h2>/<name>."""
    d = hashlib.sha256(name.encode()).digest()
    return "%02d/%02d/%s" % (int.from_bytes(d[0:2], "big") % 100,
                             int.from_bytes(d[2:4], "big") % 100, name)


def users():
    return ["u%d" % i for i in range(USERS)]


def password(u):
    return "pw-" + u


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def setup_ours():
    export = os.path.join(WORK, "nfs", "export")
    state = os.path.join(WORK, "nfs", "state")
    os.makedirs(export)
    os.makedirs(state)
    exports = write(os.path.join(WORK, "exports"),
                    "%s -maproot=root -network 127.0.0.0/8\n" % export)
    nfsd = start("nfsd", [os.path.join(BUILD, "nfsd"), "-f", "-N", "-e",
                          exports, "-s", state, "-p", str(NFS_PORT),
                          "-m", str(MOUNT_PORT)], "nfsd.log")
    if not wait_port(NFS_PORT, nfsd) or not wait_port(MOUNT_PORT, nfsd):
        die("nfsd did not start (see %s/nfsd.log)" % WORK)
    conf = write(os.path.join(WORK, "mailcluster.conf"), """\
# mailbench: the front ends' config
hostname       mx.%(d)s
local_domains  %(d)s
userdb         %(w)s/userdb
userdb_db      %(w)s/userdb.cdb
mount /mail1   nfs://127.0.0.1:%(nfs)d%(exp)s?mountport=%(mnt)d
smtp_listen    127.0.0.1:%(smtp)d
pop3_listen    127.0.0.1:%(pop)d
smtp_max_clients 500
pop3_max_clients 500
""" % {"d": DOMAIN, "w": WORK, "nfs": NFS_PORT, "exp": export,
       "mnt": MOUNT_PORT, "smtp": MXD_PORT, "pop": POP3D_PORT})
    mailctl = os.path.join(BUILD, "mailctl")
    log("mailbench: %d users (mailctl useradd)" % USERS)
    for u in users():
        run([mailctl, "-c", conf, "useradd", u, "--password-stdin"],
            input=(password(u) + "\n").encode(), stdout=subprocess.DEVNULL)
    cheap_hashes(os.path.join(WORK, "userdb"))
    run([mailctl, "-c", conf, "makedb"], stdout=subprocess.DEVNULL)
    # every postal thread comes from 127.0.0.1: lift the per-address cap
    mxd = start("mxd", [os.path.join(BUILD, "mxd"), "-f", "-c", conf,
                        "-p", "1000"], "mxd.log")
    pop3d = start("pop3d", [os.path.join(BUILD, "pop3d"), "-f", "-c", conf],
                  "pop3d.log")
    if not wait_port(MXD_PORT, mxd) or not wait_port(POP3D_PORT, pop3d):
        die("mxd or pop3d did not start (see %s)" % WORK)
    return export


def sha512_crypt(pw):
    """$6$rounds=HASH_ROUNDS$ hash through libcrypt (as mailctl's)."""
    lib = ctypes.CDLL(ctypes.util.find_library("crypt"))
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt.restype = ctypes.c_char_p
    salt = lib.crypt_gensalt(b"$6$", HASH_ROUNDS, None, 0)
    h = lib.crypt(pw.encode(), salt)
    if not h or not h.startswith(b"$6$"):
        die("crypt failed")
    return h.decode()


def cheap_hashes(userdb):
    """
    mailctl stores yescrypt ($y$, ~30 ms of CPU per login here): that
    would measure the password hash, not the mail store.  Both POP3
    servers get the same cheap SHA-512-crypt hash instead (pop3d reads
    it from the userdb, Dovecot from its passwd-file).
    """
    out = []
    with open(userdb) as f:
        for line in f:
            name, _, rest = line.rstrip("\n").partition("\t")
            fields = [("systempw=" + sha512_crypt(password(name))
                       if fl.startswith("systempw=") else fl)
                      for fl in rest.split("|")]
            out.append(name + "\t" + "|".join(fields) + "\n")
    with open(userdb + ".new", "w") as f:
        f.writelines(out)
    os.chmod(userdb + ".new", os.stat(userdb).st_mode & 0o7777)
    os.rename(userdb + ".new", userdb)


def userdb_hashes():
    """name -> the crypt hash mailctl stored (Dovecot gets the same)."""
    out = {}
    with open(os.path.join(WORK, "userdb")) as f:
        for line in f:
            name, _, rest = line.rstrip("\n").partition("\t")
            for field in rest.split("|"):
                if field.startswith("systempw="):
                    out[name] = field[len("systempw="):]
    return out


def setup_exim():
    ex = os.path.join(WORK, "exim")
    pw = pwd.getpwnam(EXIM_USER)
    for sub in ("spool", "log", "mail"):
        os.makedirs(os.path.join(ex, sub))
        os.chown(os.path.join(ex, sub), pw.pw_uid, pw.pw_gid)
    # key: value, so that $local_part_data (untainted) is the user name
    write(os.path.join(ex, "users"), "".join("%s: %s\n" % (u, u)
                                             for u in users()))
    # Started by root with -C: Exim keeps root for the daemon, drops it
    # when it re-executes for a delivery (the file is not in Debian's
    # TRUSTED_CONFIG_LIST), so deliveries run as the Exim user anyway:
    # deliver_drop_privilege, Maildirs owned by that user.
    conf = write(os.path.join(ex, "exim.conf"), """\
# mailbench: Exim accepting mail for the benchmark's users and
# delivering into Maildirs on local disk (appendfile, maildir_format)
primary_hostname = exim.%(d)s
domainlist local_domains = %(d)s
exim_user = %(u)s
exim_group = %(u)s
never_users = root
deliver_drop_privilege = true
spool_directory = %(ex)s/spool
log_file_path = %(ex)s/log/%%slog
pid_file_path = %(ex)s/exim.pid
local_interfaces = 127.0.0.1
smtp_accept_max = 500
smtp_accept_max_per_host = 500
smtp_accept_queue_per_connection = 0
smtp_accept_reserve = 0
remote_max_parallel = 0
host_lookup =
keep_environment =
tls_advertise_hosts =
rfc1413_hosts =
message_size_limit = 50M
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl

acl_check_rcpt:
  accept domains = +local_domains
         local_parts = lsearch;%(ex)s/users
  deny   message = unknown user

acl_check_data:
  accept

begin routers

local_user:
  driver = accept
  domains = +local_domains
  local_parts = lsearch;%(ex)s/users
  transport = local_maildir

begin transports

local_maildir:
  driver = appendfile
  directory = %(ex)s/mail/${local_part_data}/Maildir
  maildir_format
  create_directory
  directory_mode = 0700
  mode = 0600
  delivery_date_add
  envelope_to_add
  return_path_add
  user = %(u)s
  group = %(u)s

begin retry

*   *   F,1h,1m

begin rewrite
""" % {"d": DOMAIN, "u": EXIM_USER, "ex": ex}, mode=0o644)
    exim = start("exim", ["exim4", "-C", conf, "-bdf", "-oX",
                          str(EXIM_PORT), "-odf"], "exim.out")
    if not wait_port(EXIM_PORT, exim):
        die("exim did not start (see %s/exim.out and %s/log)" % (WORK, ex))
    return conf, os.path.join(ex, "mail")


def setup_dovecot(maildirs):
    dv = os.path.join(WORK, "dovecot")
    for sub in ("run", "state"):
        os.makedirs(os.path.join(dv, sub))
    pw = pwd.getpwnam(EXIM_USER)
    hashes = userdb_hashes()
    write(os.path.join(dv, "passwd"), "".join(
        "%s:{CRYPT}%s:%d:%d::%s/%s::\n" % (u, hashes[u], pw.pw_uid,
                                           pw.pw_gid, maildirs, u)
        for u in users()), mode=0o640)
    os.chown(os.path.join(dv, "passwd"), 0, pwd.getpwnam("dovecot").pw_gid)
    conf = write(os.path.join(dv, "dovecot.conf"), """\
# mailbench: Dovecot serving POP3 from the Maildirs Exim delivered into
base_dir = %(dv)s/run
state_dir = %(dv)s/state
instance_name = mailbench
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = %(dv)s/dovecot.log
first_valid_uid = %(uid)d
first_valid_gid = %(gid)d
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = %(dv)s/passwd
}
userdb {
  driver = passwd-file
  args = %(dv)s/passwd
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %(port)d
  }
}
service pop3 {
  process_limit = 500
}
""" % {"dv": dv, "uid": pw.pw_uid, "gid": pw.pw_gid,
       "port": DOVECOT_PORT})
    dovecot = start("dovecot", ["dovecot", "-F", "-c", conf], "dovecot.out")
    if not wait_port(DOVECOT_PORT, dovecot):
        die("dovecot did not start (see %s/dovecot)" % WORK)


# ------------------------------------------------------------ counting

def maildir_new_dirs(kind, root):
    if kind == "nfs":
        return [os.path.join(root, home_of(u), "Maildir") for u in users()]
    return [os.path.join(root, u, "Maildir") for u in users()]


def count_msgs(dirs):
    n = 0
    for d in dirs:
        for sub in ("new", "cur"):
            try:
                n += sum(1 for _ in os.scandir(os.path.join(d, sub)))
            except FileNotFoundError:
                pass
    return n


def mailbox_files(d):
    out = []
    for sub in ("new", "cur"):
        try:
            out += [os.path.join(d, sub, e.name)
                    for e in os.scandir(os.path.join(d, sub))]
        except FileNotFoundError:
            pass
    return sorted(out)


def even_out(ours, theirs):
    """
    Give each user's two mailboxes the same number of messages, the
    larger one trimmed (on disk, as an admin would) to the smaller: the
    faster MX must not hand its POP3 server bigger mailboxes to list.
    Returns the messages removed.
    """
    removed = 0
    for a, b in zip(ours, theirs):
        fa, fb = mailbox_files(a), mailbox_files(b)
        big, n = (fa, len(fb)) if len(fa) > len(fb) else (fb, len(fa))
        for path in big[n:]:
            os.unlink(path)
            removed += 1
    return removed


def postal_minutes(text):
    """Messages of each full minute postal printed (first one dropped)."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\d\d:\d\d,(\d+),", line)
        if m:
            rows.append(int(m.group(1)))
    return rows[1:]


def tool_errors(text):
    """The errors column of every minute line postal or rabid printed."""
    return sum(int(m.group(1)) for m in
               re.finditer(r"^\d\d:\d\d,\d+,\d+,(\d+),", text, re.M))


# ------------------------------------------------------------ phases

def userlist():
    return write(os.path.join(WORK, "users.txt"), "".join(
        "%s@%s %s\n" % (u, DOMAIN, password(u)) for u in users()))


def accepted_count(label):
    """Messages the MX said 250 to so far, from its own log."""
    if label == "exim":
        path, pat = os.path.join(WORK, "exim", "log", "mainlog"), " <= "
    else:
        path, pat = os.path.join(WORK, "mxd.log"), ": delivered to "
    try:
        with open(path, errors="replace") as f:
            return sum(1 for line in f if pat in line)
    except OSError:
        return 0


def smtp_phase(label, server_groups, port, dirs, ulist):
    before = count_msgs(dirs)
    acc0 = accepted_count(label)
    cpu0 = {g: cpu_usec(g) for g in server_groups + ["load"]}
    sampler = Sampler(server_groups)
    sampler.start()
    t0 = time.monotonic()
    # postal (and rabid) write their checksum logs into the cwd
    cwd = os.path.join(WORK, "postal-" + label)
    os.makedirs(cwd)
    p = start("postal", ["stdbuf", "-oL", "postal", "-m", str(SIZE_KB), "-t",
                         str(POSTAL_THREADS), "-c", str(POSTAL_PER_CONN),
                         "-r", str(POSTAL_RATE), "-p", str(port),
                         "127.0.0.1", ulist], "postal-%s.out" % label,
              cg="load", cwd=cwd)
    time.sleep(SMTP_SECS)
    landed = count_msgs(dirs) - before
    secs = time.monotonic() - t0
    accepted = accepted_count(label) - acc0
    cpu1 = {g: cpu_usec(g) for g in server_groups + ["load"]}
    p.send_signal(signal.SIGINT)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    peak = sampler.finish()
    with open(os.path.join(WORK, "postal-%s.out" % label)) as f:
        out = f.read()
    mins = postal_minutes(out)
    errors = tool_errors(out)
    return {"phase": "smtp", "server": label, "msgs": landed, "secs": secs,
            "accepted_per_min": accepted * 60.0 / secs,
            "per_min": landed * 60.0 / secs,
            "tool_per_min": (sum(mins) / len(mins)) if mins else None,
            "tool_errors": errors,
            "cpu": {g: (cpu1[g] - cpu0[g]) / 1e6 for g in server_groups},
            "load_cpu": (cpu1["load"] - cpu0["load"]) / 1e6,
            "rss": {g: peak[g] / 1024.0 for g in server_groups}}


def pop_phase(label, server_groups, port, dirs, ulist, target):
    """rabid until target messages are gone (or POP_SECS): the same
    amount of work for both servers, and never an empty mailbox race."""
    before = count_msgs(dirs)
    cpu0 = {g: cpu_usec(g) for g in server_groups + ["load"]}
    sampler = Sampler(server_groups)
    sampler.start()
    t0 = time.monotonic()
    dbg = (["-z", os.path.join(WORK, "rabid-%s.dbg" % label)]
           if os.environ.get("MB_RABID_DEBUG") == "1" else [])
    cwd = os.path.join(WORK, "rabid-" + label)
    os.makedirs(cwd)
    p = start("rabid", ["stdbuf", "-oL", "rabid"] + dbg + ["-p", str(RABID_PROCS), "-c",
                        str(RABID_PER_CONN), "-u", "[127.0.0.1]%d" % port,
                        ulist], "rabid-%s.out" % label, cg="load", cwd=cwd)
    deadline = t0 + POP_SECS
    while True:
        time.sleep(POLL_SECS)
        left = count_msgs(dirs)
        if before - left >= target or time.monotonic() >= deadline:
            break
    secs = time.monotonic() - t0
    cpu1 = {g: cpu_usec(g) for g in server_groups + ["load"]}
    if cgroup_base is not None:
        for pid in cg_pids("load"):
            try:
                os.kill(pid, signal.SIGINT)
            except OSError:
                pass
    p.send_signal(signal.SIGINT)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    peak = sampler.finish()
    with open(os.path.join(WORK, "rabid-%s.out" % label), errors="replace") \
            as f:
        out = f.read()
    # rabid.log: one line per message whose checksum it verified
    try:
        with open(os.path.join(cwd, "rabid.log"), errors="replace") as f:
            verified = sum(1 for line in f if line.strip())
    except OSError:
        verified = 0
    taken = before - left
    return {"phase": "pop3", "server": label, "msgs": taken, "secs": secs,
            "per_min": taken * 60.0 / secs,
            "tool_per_min": verified * 60.0 / secs,
            "tool_errors": tool_errors(out),
            "left": left, "filled": before,
            "cpu": {g: (cpu1[g] - cpu0[g]) / 1e6 for g in server_groups},
            "load_cpu": (cpu1["load"] - cpu0["load"]) / 1e6,
            "rss": {g: peak[g] / 1024.0 for g in server_groups}}


def wait_exim_drained(conf, dirs, accepted_hint):
    """Until Exim's queue is empty (deliveries after the 250s)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        r = subprocess.run(["exim4", "-C", conf, "-bpc"], capture_output=True,
                           text=True)
        if r.returncode == 0 and r.stdout.strip() == "0":
            return True
        time.sleep(1)
    log("mailbench: Exim's queue did not drain in %.0fs" % DRAIN_TIMEOUT)
    return False


# ------------------------------------------------------------ report

NOTE = ("Exim answers 250 once the message is in its spool and writes the "
        "Maildir afterwards;\nmxd answers 250 only after the Maildir copy "
        "is durable on the fileserver (FILE_SYNC/COMMIT, RENAME into new/).")


def report(rows):
    lines = []
    hdr = "%-5s %-12s %9s %10s %9s %9s %8s %9s %10s %s" % (
        "phase", "server", "msgs", "msgs/min", "250s/min", "tool/min",
        "CPU s",
        "CPU ms/msg", "PSS MiB", "CPU by process (s) / peak PSS (MiB)")
    lines.append("mail end to end: postal -t %d -m %d -c %d, rabid -p %d "
                 "-c %d; %d users; SMTP %ds per server, POP3 the same "
                 "number of messages each (<= %ds)%s"
                 % (POSTAL_THREADS, SIZE_KB, POSTAL_PER_CONN, RABID_PROCS,
                    RABID_PER_CONN, USERS, SMTP_SECS, POP_SECS,
                    " (BENCH_QUICK)" if QUICK else ""))
    lines.append("CPU: %s" % ("cgroup v2 cpu.stat per server"
                              if cgroup_base else
                              "/proc utime+stime with children"))
    lines.append(hdr)
    for r in rows:
        cpu = sum(r["cpu"].values())
        rss = sum(r["rss"].values())
        detail = ", ".join("%s %.1f/%.0f" % (g, r["cpu"][g], r["rss"][g])
                           for g in r["cpu"])
        tool = "%.0f" % r["tool_per_min"] if r["tool_per_min"] else "-"
        acc = ("%.0f" % r["accepted_per_min"] if "accepted_per_min" in r
               else "-")
        lines.append("%-5s %-12s %9d %10.0f %9s %9s %8.1f %9.2f %10.0f %s" % (
            r["phase"], r["server"], r["msgs"], r["per_min"], acc, tool, cpu,
            cpu * 1000.0 / r["msgs"] if r["msgs"] else 0.0, rss, detail))

    lines.append("msgs/min: landed in (SMTP) or removed from (POP3) the "
                 "Maildirs in the window; 250s/min: messages the MX\n"
                 "accepted (its log); tool/min: the full minutes postal "
                 "printed (- when none),\nthe checksum-verified lines of "
                 "rabid.log (until rabid was stopped); PSS: peak summed PSS "
                 "of the server's processes; passwords: $6$ rounds=%d"
                 % HASH_ROUNDS)
    lines.append(NOTE)
    text = "\n".join(lines)
    print(text, flush=True)
    write(os.path.join(OUT, "mail.txt"), text + "\n")
    with open(os.path.join(OUT, "mail.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["phase", "server", "msgs", "secs", "msgs_per_min",
                    "accepted_per_min", "tool_per_min", "tool_errors", "cpu_s", "cpu_ms_per_msg",
                    "peak_pss_mib", "cpu_by_process", "pss_by_process_mib"])
        for r in rows:
            cpu = sum(r["cpu"].values())
            w.writerow([r["phase"], r["server"], r["msgs"],
                        "%.1f" % r["secs"], "%.0f" % r["per_min"],
                        "%.0f" % r["accepted_per_min"]
                        if "accepted_per_min" in r else "",
                        "%.0f" % r["tool_per_min"] if r["tool_per_min"]
                        else "", r["tool_errors"], "%.2f" % cpu,
                        "%.3f" % (cpu * 1000.0 / r["msgs"]) if r["msgs"]
                        else "",
                        "%.0f" % sum(r["rss"].values()),
                        " ".join("%s=%.2f" % kv for kv in r["cpu"].items()),
                        " ".join("%s=%.0f" % kv for kv in r["rss"].items())])


def main():
    global cgroup_base
    if os.path.exists(WORK):
        shutil.rmtree(WORK)
    os.makedirs(WORK)
    os.chmod(WORK, 0o755)
    cgroup_base = find_cgroup2()
    try:
        export = setup_ours()
        exim_conf, exim_mail = setup_exim()
        setup_dovecot(exim_mail)
        ulist = userlist()
        ours = maildir_new_dirs("nfs", export)
        theirs = maildir_new_dirs("local", exim_mail)
        rows = []
        log("mailbench: postal -> mxd -> nfsd, %ds" % SMTP_SECS)
        rows.append(smtp_phase("mxd+nfsd", ["mxd", "nfsd"], MXD_PORT, ours,
                               ulist))
        log("mailbench: postal -> Exim, %ds" % SMTP_SECS)
        rows.append(smtp_phase("exim", ["exim"], EXIM_PORT, theirs, ulist))
        wait_exim_drained(exim_conf, theirs, rows[-1]["msgs"])
        trimmed = even_out(ours, theirs)
        log("mailbench: POP3 mailboxes evened out (%d messages of the "
            "fuller store set aside)" % trimmed)
        target = int(min(count_msgs(ours), count_msgs(theirs)) *
                     POP_SHARE)
        log("mailbench: rabid -> pop3d -> nfsd, %d messages (at most %ds)"
            % (target, POP_SECS))
        rows.append(pop_phase("pop3d+nfsd", ["pop3d", "nfsd"], POP3D_PORT,
                              ours, ulist, target))
        log("mailbench: rabid -> Dovecot, %d messages (at most %ds)"
            % (target, POP_SECS))
        rows.append(pop_phase("dovecot", ["dovecot"], DOVECOT_PORT, theirs,
                              ulist, target))
        report(rows)
    finally:
        stop_all()
        if not KEEP:
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
