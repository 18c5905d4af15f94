#!/usr/bin/env python3
"""
test_cluster.py - the whole mail cluster, end to end, failures included
(run through run.sh, which puts it in private namespaces).

Hosts (one network namespace each; bridges in a "switch" namespace):

  storage 10.77.1.0/24: admin .5, nfs1 .11, nfs2 .12, mx1 .21, mx2 .22,
                        mx3 .23, pop1 .31, pop2 .32, gw .1
  public  10.77.2.0/24: mx1 .21, mx2 .22, mx3 .23, pop1 .31, pop2 .32,
                        dns .53, outside .100
  intruder 10.77.3.0/24: gw .1 (routes to storage), intruder .66

What it shows, each as a named check (expected vs seen): mail for 200
users sent through the outside Exim lands in the right Maildir on the
right fileserver and is fetched once through pop3.cluster.example; mx1
down, then back; nfs2 down for 30 s during delivery and POP3; the
intruder refused by the exports' ACL; outside unable to reach storage;
mx3 added while running.  Everything is removed at the end.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import net
import services
from services import FrontEnd, Fileserver, Registry

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1]
USERS = 200
OUTAGE = 30                      # seconds nfs2 is down
DELIVERY_WAIT = 60               # seconds for the MTA to deliver a batch
PROVISION_JOBS = 4               # mailctl useradd run at once
ADMIN, GW = 5, 1
FRONTS = {"mx1": 21, "mx2": 22, "pop1": 31, "pop2": 32}
DNS, OUTSIDE, INTRUDER = 53, 100, 66
NFS = {"nfs1": (11, "mail1"), "nfs2": (12, "mail2")}

# AddressSanitizer / UBSan reports, when the daemons are a SAN=1 build
SAN_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|"
                    r"runtime error:|SUMMARY: [A-Za-z]+Sanitizer")
results = []
T0 = time.monotonic()


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def check(name, ok, expected, seen):
    results.append((name, bool(ok)))
    print("%s %s\n       expected: %s\n       seen:     %s"
          % ("PASS" if ok else "FAIL", name, expected, seen), flush=True)
    return ok


def check_eq(name, seen, expected):
    return check(name, seen == expected, expected, seen)


# ------------------------------------------------------------ the hosts

def pub(octet):
    return "10.77.2.%d" % octet


def st(octet):
    return "10.77.1.%d" % octet


def exports_text(store):
    return ("# %s's exports: the mail store, read-write for the storage\n"
            "# network (root there is nobody); root stays root only from\n"
            "# the admin host, which runs mailctl.\n"
            "/usr/%s -network %s -mask %s\n"
            "/usr/%s -maproot=root %s\n"
            % ("nfs1" if store == "mail1" else "nfs2", store,
               net.STORAGE_NET, net.STORAGE_MASK, store, st(ADMIN)))


def conf_text(work, host, smtp=None, pop=None):
    """A node's mailcluster.conf (every path in the test directory: the
    default userdb_db would be /etc/userdb.cdb)."""
    d = os.path.join(work, host)
    text = ("# %s's mailcluster.conf\n"
            "hostname %s.cluster.example\n"
            "local_domains cluster.example\n"
            "userdb %s/userdb\nuserdb_db %s/userdb.cdb\n"
            % (host, host, d, d))
    for fs, (octet, store) in sorted(NFS.items()):
        text += "mount /%s nfs://%s/usr/%s\n" % (store, st(octet), store)
    if smtp:
        text += "smtp_listen %s:25\n" % smtp
    if pop:
        text += "pop3_listen %s:110\npop3_plaintext always\n" % pop
    return text


def client(host, *args, timeout=120):
    """Run client.py in host's namespace; its JSON answer."""
    r = subprocess.run(net.netns_argv(host) +
                       ["python3", os.path.join(HERE, "client.py")] +
                       [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        return {"error": r.stderr.strip()[-500:]}
    return json.loads(r.stdout)


class Cluster:
    def __init__(self, work):
        self.work = work
        self.reg = Registry()
        self.topo = net.Topology()
        self.fs = {}
        self.fronts = {}
        self.exim_conf = None
        self.exim = None
        self.dns = None
        self.users = {}          # name -> (password, fileserver, home)

    # network
    def build_network(self):
        t = self.topo
        t.add_host("gw", [("storage", GW), ("intruder", GW)], forward=True)
        for fs, (octet, _) in NFS.items():
            t.add_host(fs, [("storage", octet)],
                       routes=[("10.77.3.0/24", st(GW))])
        t.add_host("admin", [("storage", ADMIN)])
        for host, octet in FRONTS.items():
            t.add_host(host, [("storage", octet), ("public", octet)])
        t.add_host("dns", [("public", DNS)])
        t.add_host("outside", [("public", OUTSIDE)])
        t.add_host("intruder", [("intruder", INTRUDER)],
                   routes=[("default", "10.77.3.1")])

    # fileservers
    def start_fileservers(self):
        for fs, (octet, store) in NFS.items():
            f = Fileserver(self.reg, self.work, fs, store, BUILD,
                           exports_text(store)).setup()
            f.start_nfsd()
            self.fs[fs] = f

    # DNS
    def start_dns(self, mx_hosts):
        if self.dns:
            self.dns.stop()
        d = os.path.join(self.work, "dns")
        os.makedirs(d, exist_ok=True)
        hosts = os.path.join(d, "hosts")
        with open(hosts, "w") as f:
            for host, octet in sorted(FRONTS.items()):
                f.write("%s %s.cluster.example\n" % (pub(octet), host))
            if "mx3" in mx_hosts:
                f.write("%s mx3.cluster.example\n" % pub(23))
            for host in ("pop1", "pop2"):
                f.write("%s pop3.cluster.example\n" % pub(FRONTS[host]))
            f.write("%s outside.public.example\n" % pub(OUTSIDE))
        argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts,
                "--listen-address=" + pub(DNS), "--bind-interfaces",
                "--user=root", "--pid-file=", "--log-facility=-",
                "--log-queries", "--local=/cluster.example/",
                "--local=/public.example/"]
        argv += ["--mx-host=cluster.example,%s.cluster.example,10" % h
                 for h in mx_hosts]
        self.dns = self.reg.run("dnsmasq", net.netns_argv("dns") + argv,
                                os.path.join(d, "dnsmasq.log"))
        if not services.wait_tcp("dns", pub(DNS), 53):
            raise services.ServiceError("dnsmasq: " + self.dns.log()[-1000:])

    # users
    def provision(self):
        d = os.path.join(self.work, "admin")
        os.makedirs(d, exist_ok=True)
        admin = FrontEnd(self.reg, self.work, "admin", BUILD,
                         conf_text(self.work, "admin"))
        # four at a time: mailctl serializes its userdb edits with a lock
        script = ("seq 0 %d | xargs -P %d -I N sh -c 'echo pwN | %s -c %s "
                  "useradd uN --password-stdin --store /mail$((N %% 2 + 1)) "
                  ">/dev/null'"
                  % (USERS - 1, PROVISION_JOBS, os.path.join(BUILD, "mailctl"),
                     admin.conf))
        r = subprocess.run(net.netns_argv("admin") + ["sh", "-c", script],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            raise services.ServiceError("mailctl useradd: " + r.stdout)
        self.admin = admin
        with open(os.path.join(d, "userdb")) as f:
            for line in f:
                name, fields = line.rstrip("\n").split("\t")
                home = dict(kv.split("=", 1)
                            for kv in fields.split("|"))["home"]
                n = int(name[1:])
                fs = "nfs1" if home.startswith("/mail1/") else "nfs2"
                self.users[name] = ("pw%d" % n, fs, home)

    def distribute_userdb(self, host):
        """Copy the admin's userdb text file to host, makedb there."""
        src = os.path.join(self.work, "admin", "userdb")
        tool = services.copy_file(src, os.path.join(self.work, host,
                                                    "userdb"))
        r = self.fronts[host].run("mailctl", ["makedb"])
        return tool, r.returncode, r.stdout.strip()

    # front ends
    def add_front(self, host, octet):
        smtp = pub(octet) if host.startswith("mx") else None
        pop = pub(octet) if host.startswith("pop") else None
        self.fronts[host] = FrontEnd(self.reg, self.work, host, BUILD,
                                     conf_text(self.work, host, smtp, pop))
        return self.fronts[host]

    def start_front(self, host):
        f = self.fronts[host]
        if host.startswith("mx"):
            # the outside MTA is one address with many sessions at once
            return f.start("mxd", 25, pub(FRONTS[host]), ["-p", "500"])
        return f.start("pop3d", 110, pub(FRONTS[host]))

    # the outside MTA
    def start_exim(self):
        d = os.path.join(self.work, "outside")
        spool, logd = os.path.join(d, "spool"), os.path.join(d, "log")
        for p in (spool, logd):
            os.makedirs(p, exist_ok=True)
        subprocess.run(["chown", "-R", "Debian-exim:", spool, logd],
                       check=True)
        with open(os.path.join(HERE, "exim.conf")) as f:
            text = f.read().replace("@SPOOL@", spool).replace("@LOG@", logd)
        self.exim_conf = os.path.join(d, "exim.conf")
        with open(self.exim_conf, "w") as f:
            f.write(text)
        self.exim_log = os.path.join(logd, "mainlog")
        self.exim = self.reg.run(
            "exim", net.netns_argv("outside") +
            ["exim4", "-C", self.exim_conf, "-bdf", "-q2s"],
            os.path.join(d, "exim.out"))
        if not services.wait_tcp("outside", "127.0.0.1", 25):
            raise services.ServiceError("exim: %s %s" % (
                self.exim.log()[-1000:], read(self.exim_log)[-1000:]))

    def exim_queue(self):
        r = subprocess.run(["exim4", "-C", self.exim_conf, "-bpc"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        try:
            return int(r.stdout.strip())
        except ValueError:
            return -1

    def stop(self):
        self.reg.stop_all()
        self.topo.remove()


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# ------------------------------------------------------- what is stored

ID_RE = re.compile(r"^X-Test-Id: (\S+)", re.M)


def scan(cl):
    """Every stored message: id -> [(fileserver, user, subdir)]."""
    found = {}
    for fs, f in cl.fs.items():
        for root, dirs, files in os.walk(f.store):
            sub = os.path.basename(root)
            if sub not in ("new", "cur"):
                continue
            user = os.path.basename(os.path.dirname(os.path.dirname(root)))
            for name in files:
                with open(os.path.join(root, name), errors="replace") as fp:
                    m = ID_RE.search(fp.read(4096))
                if m:
                    found.setdefault(m.group(1), []).append((fs, user, sub))
    return found


def expect_where(cl, batch):
    """batch: [(user, id)] -> {id: [(fileserver, user)]} as it must be."""
    return {mid: [(cl.users[u][1], u)] for u, mid in batch}


def stored_where(found, batch):
    return {mid: [(fs, u) for fs, u, _ in found.get(mid, [])]
            for _, mid in batch}


def wait_stored(cl, ids, timeout=DELIVERY_WAIT):
    """Wait until every id is stored (or timeout); the scan."""
    deadline = time.monotonic() + timeout
    while True:
        found = scan(cl)
        if all(i in found for i in ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def mx_count(cl, host):
    return len(re.findall(r"octets to \d+ recipient",
                          read(os.path.join(cl.fronts[host].dir, "mxd.log"))))


def fileservers_state(cl):
    """Each fileserver's exports file digest and nfsd pid."""
    out = {}
    for fs, f in cl.fs.items():
        with open(f.exports, "rb") as fp:
            out[fs] = (hashlib.sha256(fp.read()).hexdigest(),
                       f.nfsd.proc.pid)
    return out


def exim_deferred(cl, want, timeout):
    """Users whose delivery Exim deferred on a 451, once all of want are
    (or after timeout seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = {m.group(1) for m in re.finditer(
            r"== (u\d+)@cluster\.example .*: 451 ", read(cl.exim_log))}
        if want <= seen or time.monotonic() > deadline:
            return seen
        time.sleep(0.5)


def batch_for(tag, users):
    return [(u, "%s-%s" % (tag, u)) for u in users]


def submit(batch):
    r = client("outside", "submit", "127.0.0.1", 25,
               *["%s:%s" % p for p in batch])
    bad = {k: v for k, v in r.items() if v != "250"}
    return bad


# ------------------------------------------------------------ the test

class Scenario:
    """The checks, phase by phase, on a running cluster."""

    def __init__(self, cl):
        self.cl = cl
        self.users = sorted(cl.users, key=lambda n: int(n[1:]))
        self.on = {fs: [u for u in self.users if cl.users[u][1] == fs]
                   for fs in NFS}
        self.u1, self.u2 = self.on["nfs1"][0], self.on["nfs2"][0]
        self.creds = ["%s:%s" % (u, cl.users[u][0]) for u in self.users]
        self.fetched = {}        # id -> [users who fetched it]
        self.rest = []           # (user, id) sent after phase A

    def run(self):
        self.provisioned()
        self.mail_in()
        self.mx_failover()
        self.access_control()
        self.fileserver_outage()
        self.add_mx()
        self.the_end()

    def provisioned(self):
        """The users made from the admin host, half on each store."""
        cl, on = self.cl, self.on
        check("mailctl spread the users over both fileservers",
              len(on["nfs1"]) == len(on["nfs2"]) == USERS // 2,
              "%d on nfs1, %d on nfs2" % (USERS // 2, USERS // 2),
              "%d on nfs1, %d on nfs2" % (len(on["nfs1"]),
                                          len(on["nfs2"])))
        homes_ok = all(os.path.isdir(os.path.join(
            cl.fs[fs].store, home.split("/", 2)[2], "Maildir", "new"))
            for pw, fs, home in cl.users.values())
        check("every home's Maildir exists on its own fileserver", homes_ok,
              "200 x <store>/h1/h2/user/Maildir/new", homes_ok)

    def fetch_all(self, what):
        """Every user's mail through pop3.cluster.example, into fetched."""
        r = client("outside", "fetch", "pop3.cluster.example",
                   *self.creds, timeout=300)
        errors = {u: v["error"] for u, v in r.get("users", {}).items()
                  if v["error"]}
        check_eq("%s: no POP3 session failed" % what, errors, {})
        servers = sorted({v["server"]
                          for v in r.get("users", {}).values()})
        check_eq("%s: pop3.cluster.example resolves to pop1 and pop2 and "
                 "both served" % what, servers,
                 sorted([pub(FRONTS["pop1"]), pub(FRONTS["pop2"])]))
        for u, v in r.get("users", {}).items():
            for mid in v["ids"]:
                self.fetched.setdefault(mid, []).append(u)
        return r

    def mail_in(self):
        """A: 200 messages in through the outside MTA, out through POP3."""
        cl, users, fetched = self.cl, self.users, self.fetched
        log("== A: one message per user through the outside MTA")
        a = batch_for("a", users)
        check_eq("A: the outside MTA accepted all 200", submit(a), {})
        found = wait_stored(cl, [m for _, m in a])
        check_eq("A: each message stored once, in its user's Maildir on its "
                 "user's fileserver", stored_where(found, a),
                 expect_where(cl, a))
        check_eq("A: the MTA's queue is empty", cl.exim_queue(), 0)
        n1, n2 = mx_count(cl, "mx1"), mx_count(cl, "mx2")
        check("A: both MX hosts took traffic (equal MX 10)",
              n1 > 0 and n2 > 0 and n1 + n2 == USERS,
              "mx1 > 0, mx2 > 0, sum 200", "mx1 %d, mx2 %d" % (n1, n2))
        log("== A: every message fetched through pop3.cluster.example")
        self.fetch_all("A")
        check_eq("A: every message fetched exactly once, by its user",
                 {m: fetched.get(m) for u, m in a}, {m: [u] for u, m in a})
        left = sum(len(v) for v in scan(cl).values())
        check_eq("A: the Maildirs are empty after DELE/QUIT", left, 0)

    def mx_failover(self):
        """B: mx1 down, all through mx2; C: mx1 back, both take traffic."""
        cl, users = self.cl, self.users
        log("== B: mx1 stopped")
        rc = cl.fronts["mx1"].proc.stop()
        check_eq("B: mx1's mxd exits 0 on SIGTERM", rc, 0)
        m1, m2 = mx_count(cl, "mx1"), mx_count(cl, "mx2")
        b = batch_for("b", users)
        check_eq("B: the outside MTA accepted all 200", submit(b), {})
        found = wait_stored(cl, [m for _, m in b])
        check_eq("B: nothing lost: each stored once in the right place",
                 stored_where(found, b), expect_where(cl, b))
        check_eq("B: mx2 delivered all 200, mx1 none",
                 (mx_count(cl, "mx1") - m1, mx_count(cl, "mx2") - m2),
                 (0, USERS))
        refused = len(re.findall(r"%s.*Connection refused" % re.escape(
            pub(FRONTS["mx1"])), read(cl.exim_log)))
        check("B: the MTA found mx1 refusing and went on to mx2", refused > 0,
              "'Connection refused' for mx1 in Exim's log", refused)

        log("== C: mx1 back")
        cl.start_front("mx1")
        time.sleep(2.5)              # Exim's retry time for the host (2 s)
        m1, m2 = mx_count(cl, "mx1"), mx_count(cl, "mx2")
        c = batch_for("c", users)
        check_eq("C: the outside MTA accepted all 200", submit(c), {})
        found = wait_stored(cl, [m for _, m in c])
        check_eq("C: each stored once in the right place",
                 stored_where(found, c), expect_where(cl, c))
        d1, d2 = mx_count(cl, "mx1") - m1, mx_count(cl, "mx2") - m2
        check("C: both MX hosts take traffic again", d1 > 0 and d2 > 0 and
              d1 + d2 == USERS, "mx1 > 0, mx2 > 0, sum 200",
              "mx1 %d, mx2 %d" % (d1, d2))
        self.rest += b + c

    def access_control(self):
        """E: the intruder and outside against the storage network."""
        cl = self.cl
        log("== E: the storage network's access control")
        legit = client("mx1", "mnt", st(11), "/usr/mail1")
        fh1 = legit.get("fh")
        check_eq("E: a front end (storage network) mounts /usr/mail1",
                 legit.get("status"), 0)
        fh2 = client("mx2", "mnt", st(12), "/usr/mail2").get("fh")
        for fs, (octet, store), fh in (("nfs1", NFS["nfs1"], fh1),
                                       ("nfs2", NFS["nfs2"], fh2)):
            check_eq("E: intruder reaches %s at IP level (NFS NULL answered)"
                     % fs, client("intruder", "nullrpc", st(octet)), True)
            check_eq("E: intruder's MNT of /usr/%s is MNT3ERR_ACCES (13)"
                     % store, client("intruder", "mnt", st(octet),
                                     "/usr/" + store).get("status"), 13)
            ga = client("intruder", "getattr", st(octet), fh or "00").get(
                "status")
            check("E: intruder's GETATTR with %s's root handle (captured "
                  "on the storage network) is refused" % fs, ga in (13, 70),
                  "NFS3ERR_ACCES (13) or NFS3ERR_STALE (70)", ga)
            check_eq("E: the same handle works from the storage network (%s)"
                     % fs, client("pop1", "getattr", st(octet),
                                  fh or "00").get("status"), 0)
        seen = client("outside", "connect", st(11), 2049)
        check("E: outside cannot reach the storage network (no route)",
              "unreachable" in seen.lower(), "Network is unreachable", seen)
        net.ip("route", "add", "10.77.1.0/24", "via", pub(FRONTS["mx1"]),
               ns="outside")
        seen = client("outside", "connect", st(11), 2049)
        net.ip("route", "del", "10.77.1.0/24", ns="outside")
        check("E: nor through a front end (mx1 does not forward)",
              seen != "ok", "timeout or unreachable", seen)

    def fileserver_outage(self):
        """D: nfs2 down for OUTAGE seconds during delivery and POP3."""
        cl, users = self.cl, self.users
        log("== D: nfs2 down for %d s during delivery and POP3" % OUTAGE)
        pw = {u: cl.users[u][0] for u in users}
        u1, u2 = self.u1, self.u2
        cl.fs["nfs2"].nfsd.kill()
        down_at = time.monotonic()
        d = batch_for("d", users)
        d1 = [p for p in d if cl.users[p[0]][1] == "nfs1"]
        d2 = [p for p in d if cl.users[p[0]][1] == "nfs2"]
        check_eq("D: the outside MTA accepted all 200", submit(d), {})
        found = wait_stored(cl, [m for _, m in d1],
                            timeout=OUTAGE - 8)
        check_eq("D: while nfs2 is down, /mail1 users get their mail (each "
                 "once, right place)", stored_where(found, d1),
                 expect_where(cl, d1))
        check_eq("D: while nfs2 is down, nothing for /mail2 users is stored",
                 sum(len(found.get(m, [])) for _, m in d2), 0)
        r2 = client("outside", "pop-login", pub(FRONTS["pop1"]), u2, pw[u2])
        r1 = client("outside", "pop-login", pub(FRONTS["pop2"]), u1, pw[u1])
        check("D: POP3 for a /mail2 user while nfs2 is down is a temporary "
              "error", str(r2).startswith("-ERR [SYS/TEMP]"),
              "-ERR [SYS/TEMP] ...", r2)
        check("D: POP3 for a /mail1 user works meanwhile",
              str(r1).startswith("+OK"), "+OK ...", r1)
        deferred = exim_deferred(cl, {u for u, _ in d2},
                                 down_at + OUTAGE - time.monotonic() - 1)
        check_eq("D: the /mail2 users' messages got 451 from the MX (Exim "
                 "deferred them)", sorted(deferred, key=lambda s: int(s[1:])),
                 [u for u, _ in d2])
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - down_at)))
        cl.fs["nfs2"].start_nfsd()
        back_at = time.monotonic()
        log("   nfs2 back after %.1f s" % (back_at - down_at))
        found = wait_stored(cl, [m for _, m in d])
        arrived = time.monotonic() - back_at
        check_eq("D: after nfs2 returns the MTA's retries deliver the /mail2 "
                 "mail: all 200 stored once, right place",
                 stored_where(found, d), expect_where(cl, d))
        log("   the deferred mail arrived %.1f s after nfs2 came back"
            % arrived)
        r2 = client("outside", "pop-login", pub(FRONTS["pop1"]), u2, pw[u2])
        check("D: POP3 for the /mail2 user works again",
              str(r2).startswith("+OK"), "+OK ...", r2)
        check_eq("D: the MTA's queue is empty", cl.exim_queue(), 0)
        self.rest += d

    def add_mx(self):
        """F: mx3 added while running, no change on the fileservers."""
        cl, users = self.cl, self.users
        u1, u2 = self.u1, self.u2
        log("== F: mx3 added while the cluster runs")
        before = fileservers_state(cl)
        cl.topo.add_host("mx3", [("storage", 23), ("public", 23)])
        cl.add_front("mx3", 23)
        tool, rc, out = cl.distribute_userdb("mx3")
        check_eq("F: mx3 gets the userdb (%s + mailctl makedb)" % tool,
                 rc, 0)
        cl.fronts["mx3"].start("mxd", 25, pub(23), ["-p", "500"])
        f3 = [(u1, "f-direct-" + u1), (u2, "f-direct-" + u2)]
        replies = [client("outside", "smtp", pub(23), 25, u, m) for u, m in f3]
        check_eq("F: mx3 accepts mail for a /mail1 and a /mail2 user at once",
                 replies, ["250", "250"])
        cl.start_dns(["mx1", "mx2", "mx3"])
        m3 = mx_count(cl, "mx3")
        f = batch_for("f", users[:60])
        check_eq("F: the outside MTA accepted 60 more", submit(f), {})
        found = wait_stored(cl, [m for _, m in f + f3])
        check_eq("F: each stored once in the right place",
                 stored_where(found, f + f3), expect_where(cl, f + f3))
        check("F: with MX 10 mx3 in DNS, mx3 takes a share",
              mx_count(cl, "mx3") - m3 > 0, "> 0 of 60",
              mx_count(cl, "mx3") - m3)
        after = fileservers_state(cl)
        check_eq("F: the fileservers were not touched (exports, nfsd pids)",
                 after, before)
        self.rest += f + f3

    def the_end(self):
        """Everything fetched once; every daemon stops cleanly."""
        cl, fetched = self.cl, self.fetched
        log("== every message of B, C, D and F fetched through POP3")
        self.fetch_all("end")
        rest = self.rest
        check_eq("end: every message fetched exactly once, by its user",
                 {m: fetched.get(m) for u, m in rest},
                 {m: [u] for u, m in rest})
        check_eq("end: nothing left in any Maildir",
                 sum(len(v) for v in scan(cl).values()), 0)
        for host in ("mx1", "mx2", "mx3", "pop1", "pop2"):
            check_eq("end: %s exits 0 on SIGTERM" % host,
                     cl.fronts[host].proc.stop(20), 0)
        for fs in NFS:
            check_eq("end: %s's nfsd exits 0 on SIGTERM" % fs,
                     cl.fs[fs].nfsd.stop(), 0)
        reports = ["%s: %s" % (p.name, line) for p in cl.reg.procs
                   for line in p.log().splitlines() if SAN_RE.search(line)]
        check_eq("end: no sanitizer report in any daemon's log (make SAN=1)",
                 reports[:5], [])


def show_logs(cl, work):
    for p in cl.reg.procs:
        text = p.log()
        if text:
            print("---- %s (%s), last lines ----" % (p.name, p.logpath))
            print("\n".join(text.splitlines()[-15:]))
    print("---- exim mainlog, last lines ----")
    print("\n".join(read(cl.exim_log).splitlines()[-30:]))


def main():
    work = tempfile.mkdtemp(prefix="cluster.")
    os.chmod(work, 0o755)
    resolv = os.path.join(work, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver %s\noptions timeout:2 attempts:2\n" % pub(DNS))
    subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"],
                   check=True)
    cl = Cluster(work)
    cl.exim_log = ""
    failed = False
    try:
        log("== network namespaces, bridges and veths (prefix %s)"
            % net.PREFIX)
        cl.build_network()
        log("== fileservers nfs1, nfs2 (rpcbind + nfsd each)")
        cl.start_fileservers()
        log("== dnsmasq")
        cl.start_dns(["mx1", "mx2"])
        log("== %d users provisioned with mailctl from the admin host"
            % USERS)
        cl.provision()
        for host, octet in FRONTS.items():
            cl.add_front(host, octet)
        dist = [cl.distribute_userdb(h) for h in FRONTS]
        check_eq("userdb copied (%s) to mx1, mx2, pop1, pop2 and compiled "
                 "there with mailctl makedb" % dist[0][0],
                 [r[1] for r in dist], [0, 0, 0, 0])
        log("== mxd on mx1, mx2; pop3d on pop1, pop2; Exim on outside")
        for host in FRONTS:
            cl.start_front(host)
        cl.start_exim()
        log("== cluster up")
        Scenario(cl).run()
    except (services.ServiceError, net.NetError, OSError,
            subprocess.SubprocessError) as e:
        check("the cluster runs", False, "no error", repr(e))
    finally:
        failed = not results or not all(ok for _, ok in results)
        if failed:
            show_logs(cl, work)
        cl.stop()
        subprocess.run(["umount", "/etc/resolv.conf"])
        keep = os.environ.get("CLUSTER_KEEP")
        if keep:
            shutil.copytree(work, keep, symlinks=True, dirs_exist_ok=True)
            print("test directory copied to", keep)
        shutil.rmtree(work, ignore_errors=True)
    passed = sum(ok for _, ok in results)
    print("check-cluster: %d of %d checks passed in %.0f s%s"
          % (passed, len(results), time.monotonic() - T0,
             "" if not failed else "; FAILED:"))
    for name, ok in results:
        if not ok:
            print("  - " + name)
    return 1 if failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    sys.exit(main())
