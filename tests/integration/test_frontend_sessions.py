#!/usr/bin/env python3
"""
test_frontend_sessions.py - mxd with many sessions and a graceful stop:
  - 300 SMTP sessions open at once (all EHLO'd and idle) on one mxd,
    and a 301st still delivers a message;
  - SIGTERM while one session is in the middle of DATA: the idle
    sessions get 421 4.3.2, the busy one finishes its message (250),
    the message is in the Maildir, and mxd exits 0.
"""

import os
import signal
import smtplib
import subprocess
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
PORT = 2525
SESSIONS = 300

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
smtp_max_clients 1000
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT, PORT))
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "useradd",
                "tevie"], check=True, stdout=subprocess.DEVNULL)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "makedb"],
               check=True, stdout=subprocess.DEVNULL)
log_path = w.join("mxd.log")
lf = open(log_path, "w")
mxd = subprocess.Popen([os.path.join(BUILD, "mxd"), "-f", "-c", conf,
                        "-p", "1000", "-g", "20"],
                       stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
itest.wait_port(PORT)


def new_mail():
    found = []
    for root, dirs, files in os.walk(store):
        if root.endswith("/new"):
            found += files
    return len(found)


log("== %d sessions at once" % SESSIONS)
idle = []
for i in range(SESSIONS):
    s = smtplib.SMTP("127.0.0.1", PORT, timeout=30)
    s.ehlo("client%d.example" % i)
    idle.append(s)
check_eq(len(idle), SESSIONS, "all %d sessions greeted and EHLO'd"
         % SESSIONS)
with smtplib.SMTP("127.0.0.1", PORT, timeout=30) as s:
    s.sendmail("a@example.org", ["tevie@cluster.example"],
               "Subject: one more\r\n\r\nbody\r\n")
check_eq(new_mail(), 1, "session %d delivered a message" % (SESSIONS + 1))

log("== SIGTERM with a message in flight")
busy = smtplib.SMTP("127.0.0.1", PORT, timeout=30)
busy.ehlo("busy.example")
busy.mail("a@example.org")
busy.rcpt("tevie@cluster.example")
code, _ = busy.docmd("DATA")
check_eq(code, 354, "DATA started")
busy.send(b"Subject: in flight\r\n\r\nfirst half\r\n")
mxd.send_signal(signal.SIGTERM)
time.sleep(1.5)
busy.send(b"second half\r\n.\r\n")
code, text = busy.getreply()
check_eq(code, 250, "the message in flight is accepted after SIGTERM")
got421 = 0
for s in idle[:20]:
    try:
        code, _ = s.noop()
    except (smtplib.SMTPServerDisconnected, OSError):
        code = 421
    if code == 421:
        got421 += 1
check_eq(got421, 20, "idle sessions get 421 or are closed")
for s in idle + [busy]:
    try:
        s.close()
    except OSError:
        pass
try:
    rc = mxd.wait(30)
except subprocess.TimeoutExpired:
    mxd.kill()
    rc = "still running"
check_eq(rc, 0, "mxd exits 0 after the grace period")
check_eq(new_mail(), 2, "both messages are in the Maildir")
with open(log_path) as f:
    bad = [l for l in f if itest.SAN_RE.search(l)]
check_eq(bad[:3], [], "no sanitizer report in the mxd log")
nfsd.stop()
itest.finish()
