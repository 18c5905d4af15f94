#!/usr/bin/env python3
"""
test_cluster_load.py - the cluster with clients nobody here wrote
(Python's smtplib and poplib).  One message goes in through mxd and
comes out of pop3d byte for byte, after the Return-Path: and Received:
lines mxd adds.  Then, under load, 50 parallel SMTP sessions deliver
2,000 messages to 100 users through two mxd instances while two pop3d
instances retrieve and delete them: every message is retrieved exactly
once, none is lost, and no mailbox has anything left at the end.
"""

import collections
import os
import poplib
import random
import re
import smtplib
import subprocess
import threading
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
USERS, SENDERS, MESSAGES = 100, 50, 2000
SMTP_PORTS, POP3_PORTS = (2525, 2526), (1110, 1111)
DEADLINE = 150

w = itest.Workdir()
os.chmod(w.path, 0o755)
store = w.mkdir("usr", "mail1")
exports = w.write("exports", "%s -maproot=root -network 127.0.0.0/8\n"
                  % store)
nfsd = itest.Nfsd(w, exports).start()
common = """\
local_domains cluster.example
userdb %s
userdb_db %s
mount /mail1 nfs://127.0.0.1:%d%s?mountport=%d
smtp_max_clients 200
pop3_max_clients 200
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT)
confs = [w.write("node%d.conf" % i, common +
                 "hostname mx%d.cluster.example\n"
                 "smtp_listen 127.0.0.1:%d\npop3_listen 127.0.0.1:%d\n"
                 % (i, SMTP_PORTS[i], POP3_PORTS[i])) for i in (0, 1)]

log("== %d users" % USERS)
for u in range(USERS):
    subprocess.run([os.path.join(BUILD, "mailctl"), "-c", confs[0],
                    "useradd", "u%d" % u, "--password-stdin"],
                   input=b"pw%d\n" % u, check=True,
                   stdout=subprocess.DEVNULL)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", confs[0], "makedb"],
               check=True, stdout=subprocess.DEVNULL)

daemons = []
for i in (0, 1):
    for prog in ("mxd", "pop3d"):
        lf = open(w.join("%s%d.log" % (prog, i)), "w")
        # every client here comes from 127.0.0.1: lift mxd's per-address
        # session limit (20) above the 50 senders
        extra = ["-p", "100"] if prog == "mxd" else []
        daemons.append(subprocess.Popen(
            [os.path.join(BUILD, prog), "-f", "-c", confs[i]] + extra,
            stdin=subprocess.DEVNULL, stdout=lf, stderr=lf))


for port in SMTP_PORTS + POP3_PORTS:
    check(itest.wait_port(port), "a daemon listens on %d" % port, "listening",
          "nothing")

log("== one message, byte for byte through mxd and pop3d")
ONE = ("From: tevie@example.org\r\nTo: u0@cluster.example\r\n"
       "Subject: exact\r\n\r\n.leading dot\r\nline two\r\n")
with smtplib.SMTP("127.0.0.1", SMTP_PORTS[0]) as s:
    s.sendmail("tevie@example.org", ["u0@cluster.example"], ONE)
p = poplib.POP3("127.0.0.1", POP3_PORTS[1])
p.user("u0")
p.pass_("pw0")
lines = p.retr(1)[1]
p.dele(1)
p.quit()
body = b"".join(l + b"\r\n" for l in lines)
check_eq(lines[0], b"Return-Path: <tevie@example.org>",
         "Return-Path comes first")
check(lines[1].startswith(b"Received: from "), "then a Received: line",
      "Received: from ...", lines[1])
check(body.endswith(ONE.encode()), "the message follows byte for byte",
      ONE, body[-len(ONE) - 20:])

sent = collections.Counter()
got = collections.Counter()
failures = []
lock = threading.Lock()
senders_done = threading.Event()


def send(sender):
    rnd = random.Random(sender)
    ids = list(range(sender, MESSAGES, SENDERS))
    while ids:
        batch, ids = ids[:4], ids[4:]
        port = SMTP_PORTS[rnd.randrange(2)]
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
                for n in batch:
                    user = "u%d" % (n % USERS)
                    msg = ("From: load@example.org\r\nTo: %s@cluster."
                           "example\r\nX-Test-Id: %d\r\nSubject: load %d"
                           "\r\n\r\n%s\r\n" % (user, n, n,
                                               "line %d\r\n" % n * 20))
                    s.sendmail("load@example.org",
                               ["%s@cluster.example" % user], msg)
                    with lock:
                        sent[n] += 1
        except (OSError, smtplib.SMTPException) as e:
            with lock:
                failures.append(("send", batch, repr(e)))


def fetch_user(u):
    """Retrieve and delete u's messages; the ids seen, or None."""
    p = poplib.POP3("127.0.0.1", POP3_PORTS[random.randrange(2)],
                    timeout=60)
    try:
        p.user("u%d" % u)
        p.pass_("pw%d" % u)
    except poplib.error_proto as e:
        p.close()
        if b"IN-USE" in str(e).encode():
            return []
        raise
    ids = []
    count = p.stat()[0]
    for i in range(1, count + 1):
        lines = p.retr(i)[1]
        for line in lines:
            m = re.match(rb"X-Test-Id: (\d+)", line)
            if m:
                ids.append(int(m.group(1)))
                break
        p.dele(i)
    p.quit()
    return ids


def fetch(worker):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        quiet = senders_done.is_set()
        for u in range(worker, USERS, 2):
            try:
                ids = fetch_user(u)
            except (OSError, poplib.error_proto) as e:
                with lock:
                    failures.append(("fetch", u, repr(e)))
                continue
            with lock:
                for n in ids:
                    got[n] += 1
            if ids:
                quiet = False
        with lock:
            if quiet and sum(got.values()) >= sum(sent.values()):
                return


log("== %d messages from %d SMTP sessions, fetched meanwhile"
    % (MESSAGES, SENDERS))
t0 = time.monotonic()
senders = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
fetchers = [threading.Thread(target=fetch, args=(i,)) for i in (0, 1)]
for t in senders + fetchers:
    t.start()
for t in senders:
    t.join()
senders_done.set()
for t in fetchers:
    t.join()
log("  %.1f s: %d sent, %d fetched" % (time.monotonic() - t0,
                                       sum(sent.values()),
                                       sum(got.values())))
check_eq(failures[:3], [], "no SMTP or POP3 session failed")
check_eq(len(sent), MESSAGES, "every message was accepted (250)")
check_eq([n for n in sent if got[n] == 0][:5], [], "none lost")
check_eq([n for n in got if got[n] > 1][:5], [],
         "none retrieved twice")
left = []
for root, dirs, files in os.walk(store):
    if root.endswith(("/new", "/cur", "/tmp")):
        left += files
check_eq(left[:5], [], "nothing left in any Maildir")
for d in daemons:
    d.terminate()
for d in daemons:
    check_eq(d.wait(40), 0, "%s exits 0 on SIGTERM" % d.args[0])
nfsd.stop()
itest.finish()
