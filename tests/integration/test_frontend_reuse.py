#!/usr/bin/env python3
"""
test_frontend_reuse.py - what makes mxd and pop3d fast, kept honest:
  - 20 SMTP sessions one after the other mount the export once (nfsd
    logs each MNT), not once per session: mxd keeps its stores, with
    their connection and cached handles, in a pool between sessions;
    the same for 10 POP3 sessions of pop3d;
  - what mxd delivers is named <uniq>,S=<size>,W=<CRLF size>: S the
    stored bytes, W what POP3 sends (CRLF line ends, the last line
    ended), and pop3d's STAT, LIST and RETR agree with W;
  - pop3d takes a size from ,W= without reading the message: a message
    whose ,W= was planted wrong is listed with that size (as Dovecot
    does), and one with no ,W= is read and counted; a listing is
    READDIR (names), never READDIRPLUS (a lookup of every entry);
  - at QUIT, with the deletions, what is left in new/ moves to cur/ and
    RETR'd mail is flagged seen (:2,S), so mail retrieved and deleted in
    one session costs no RENAME;
  - stopping mxd and pop3d unmounts their idle stores (UMNT: nfsd's
    mount list is empty again).
"""

import os
import poplib
import re
import signal
import smtplib
import socket
import subprocess
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
SMTP_PORT, POP3_PORT = 2525, 1110
SMTP_SESSIONS, POP3_SESSIONS = 20, 10
PASSWORD = "reuse-pw"

w = itest.Workdir()
os.chmod(w.path, 0o755)
store = w.mkdir("usr", "mail1")
exports = w.write("exports", "%s -maproot=root -network 127.0.0.0/8\n"
                  % store)
nfsd = itest.Nfsd(w, exports).start()
conf = w.write("mailcluster.conf", """\
hostname mx.cluster.example
local_domains cluster.example
userdb %s
userdb_db %s
mount /mail1 nfs://127.0.0.1:%d%s?mountport=%d
smtp_listen 127.0.0.1:%d
pop3_listen 127.0.0.1:%d
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT, SMTP_PORT, POP3_PORT))
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "useradd",
                "tevie", "--password-stdin"], input=PASSWORD.encode(),
               check=True, stdout=subprocess.DEVNULL)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "makedb"],
               check=True, stdout=subprocess.DEVNULL)
maildir = None
for root, dirs, files in os.walk(store):
    if root.endswith("/tevie/Maildir"):
        maildir = root
check(maildir is not None, "tevie's Maildir exists")


def start(prog):
    lf = open(w.join(prog + ".log"), "w")
    p = subprocess.Popen([os.path.join(BUILD, prog), "-f", "-c", conf],
                         stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
    return p


def mounts():
    return len(re.findall(r"\bMNT \S+ from", nfsd.log_text()))


def names(sub):
    return sorted(os.listdir(os.path.join(maildir, sub)))


def wire(body):
    """What POP3 sends for stored bytes: CRLF line ends, last ended."""
    s = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return s if s.endswith(b"\r\n") else s + b"\r\n"


mxd = start("mxd")
pop3d = start("pop3d")
check(itest.wait_port(SMTP_PORT) and itest.wait_port(POP3_PORT),
      "mxd and pop3d listen")

log("== %d SMTP sessions, one message each" % SMTP_SESSIONS)
before = mounts()
for i in range(SMTP_SESSIONS):
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as s:
        s.sendmail("a@example.org", ["tevie@cluster.example"],
                   "Subject: reuse %d\r\n\r\nline one\r\n%s" %
                   (i, "no final line end" if i % 2 else "ended\r\n"))
made = mounts() - before
check(1 <= made <= 2, "%d sessions mounted the export once (at most "
      "twice), not per session" % SMTP_SESSIONS, "1..2 MNT", made)
new = names("new")
check_eq(len(new), SMTP_SESSIONS, "%d messages in new/" % SMTP_SESSIONS)
bad = []
for n in new:
    m = re.search(r",S=(\d+),W=(\d+)$", n)
    with open(os.path.join(maildir, "new", n), "rb") as f:
        data = f.read()
    if m is None or int(m.group(1)) != len(data) or \
            int(m.group(2)) != len(wire(data)):
        bad.append(n)
check_eq(bad, [], "every name ends ,S=<bytes>,W=<CRLF size> and both "
         "are right")

log("== pop3d: sizes from ,W=")
# a planted message: its ,W= is deliberately not its CRLF size
planted = b"Subject: planted\n\nbare LF body\n"
pname = "1700000000.M1P1Q1.test,S=%d,W=%d" % (len(planted), 4242)
unsized = b"Subject: no W\n\nline\nlast, unended"
uname = "1700000001.M1P1Q2.test,S=%d" % len(unsized)
for name, data in ((pname, planted), (uname, unsized)):
    path = os.path.join(maildir, "new", name)
    with open(path, "wb") as f:
        f.write(data)
    os.chown(path, *[os.stat(maildir).st_uid, os.stat(maildir).st_gid])
    os.chmod(path, 0o600)

p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
p.user("tevie")
p.pass_(PASSWORD)
count, total = p.stat()
check_eq(count, SMTP_SESSIONS + 2, "STAT counts every message")
listed = {}
for line in p.list()[1]:
    num, size = line.split()
    listed[int(num)] = int(size)
check_eq(sum(listed.values()), total, "STAT's total is LIST's sum")
uidl = {}
for line in p.uidl()[1]:
    num, uid = line.split()
    uidl[uid.decode()] = int(num)
pnum = [n for u, n in uidl.items() if u.startswith("1700000000.")]
unum = [n for u, n in uidl.items() if u.startswith("1700000001.")]
check(len(pnum) == 1 and listed[pnum[0]] == 4242,
      "the planted message is listed with its ,W= (not read)", 4242,
      listed.get(pnum[0] if pnum else 0))
check(len(unum) == 1 and listed[unum[0]] == len(wire(unsized)),
      "a message without ,W= is read and counted", len(wire(unsized)),
      listed.get(unum[0] if unum else 0))
mismatch = []
for num in range(1, count + 1):
    if pnum and num == pnum[0]:
        continue
    resp, lines, octets = p.retr(num)
    sent = sum(len(l) + 2 for l in lines)
    if not resp.startswith(b"+OK %d octets" % listed[num]) or \
            sent != listed[num]:
        mismatch.append((num, resp, sent, listed[num]))
check_eq(mismatch, [], "RETR says and sends each message's LIST size")
p.quit()

def calls(proc):
    """nfsd's count of calls of an NFS procedure so far (nfsd -S)."""
    r = subprocess.run([itest.NFSD, "-s", nfsd.statedir, "-S"],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise RuntimeError("nfsd -S: %s" % r.stderr.strip())
    m = re.search(r"^nfs\s+v3 %s\s+(\d+) calls" % proc, r.stdout, re.M)
    return int(m.group(1)) if m else 0


log("== %d POP3 sessions" % POP3_SESSIONS)
before = mounts()
plus0, plain0 = calls("READDIRPLUS"), calls("READDIR")
for i in range(POP3_SESSIONS):
    p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
    p.user("tevie")
    p.pass_(PASSWORD)
    p.stat()
    p.quit()
made = mounts() - before
check(made <= 1, "%d POP3 sessions reused pop3d's mounted store"
      % POP3_SESSIONS, "0..1 MNT", made)
check_eq(calls("READDIRPLUS") - plus0, 0, "listing a mailbox asks for no "
         "attributes (no READDIRPLUS: the names carry the sizes)")
plain = calls("READDIR") - plain0
check(plain >= 2 * POP3_SESSIONS, "each session lists new/ and cur/ with "
      "READDIR", ">= %d" % (2 * POP3_SESSIONS), plain)

log("== seen flags and deletions at QUIT, no renames for deleted mail")
for i in range(5):
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as sm:
        sm.sendmail("a@example.org", ["tevie@cluster.example"],
                    "Subject: flags %d\r\n\r\nbody\r\n" % i)
renames0 = calls("RENAME")
p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
p.user("tevie")
p.pass_(PASSWORD)
n = p.stat()[0]
for num in range(1, n + 1):
    p.retr(num)
    p.dele(num)
p.quit()
check_eq(calls("RENAME") - renames0, 0, "login, RETR and DELE of every "
         "new message, QUIT: no RENAME (mail about to go is neither moved "
         "to cur/ nor flagged)")
check_eq(names("new") + names("cur"), [], "and the mailbox is empty")
for i in range(2):
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as sm:
        sm.sendmail("a@example.org", ["tevie@cluster.example"],
                    "Subject: keep %d\r\n\r\nbody\r\n" % i)
p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
p.user("tevie")
p.pass_(PASSWORD)
p.retr(1)
check_eq([n for n in names("cur") if n.endswith(":2,S")], [],
         "RETR alone flags nothing before QUIT")
p.quit()
check_eq(len([n for n in names("cur") if n.endswith(":2,S")]), 1,
         "after QUIT the retrieved message is flagged seen (:2,S)")
p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
p.user("tevie")
p.pass_(PASSWORD)
p.retr(2)
p.sock.shutdown(socket.SHUT_RDWR)
p.close()
time.sleep(1)
check_eq(len([n for n in names("cur") if n.endswith(":2,S")]), 1,
         "a session that ends without QUIT flags nothing (as it deletes "
         "nothing)")

log("== stopping unmounts the idle stores")
rmtab = os.path.join(nfsd.statedir, "rmtab")
held = open(rmtab).read().strip() if os.path.exists(rmtab) else ""
check(held != "", "while they run, nfsd's mount list has their mounts",
      "entries", held)
for d in (mxd, pop3d):
    d.send_signal(signal.SIGTERM)
    check_eq(d.wait(40), 0, "%s exits 0 on SIGTERM" % d.args[0])
left = open(rmtab).read().strip() if os.path.exists(rmtab) else ""
check_eq(left, "", "nfsd's mount list is empty (UMNT on exit)")
nfsd.stop()
itest.finish()
