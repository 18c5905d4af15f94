#!/usr/bin/env python3
"""
test_frontend_daemon.py - mxd and pop3d as daemons:
  - with -u nobody they give up root after binding (their uid is then
    nobody's) and still deliver and serve mail: NFS credentials are
    sent with each call, not taken from the process;
  - an idle SMTP session is closed after smtp_idle_timeout with 421,
    an idle POP3 session after pop3_idle_timeout;
  - SIGTERM to pop3d lets a logged-in session finish: its DELE is
    carried out at QUIT, and pop3d exits 0.
"""

import os
import poplib
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
NOBODY = 65534

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
smtp_idle_timeout 2
pop3_idle_timeout 2
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT, SMTP_PORT, POP3_PORT))
os.chmod(conf, 0o644)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "useradd",
                "tevie", "--password-stdin"], input=b"pw\n", check=True,
               stdout=subprocess.DEVNULL)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "makedb"],
               check=True, stdout=subprocess.DEVNULL)
# the admin lets the daemons' user read the compiled db (it stays so)
os.chmod(w.join("userdb.cdb"), 0o644)


def start(prog, port):
    lf = open(w.join(prog + ".log"), "w")
    p = subprocess.Popen([os.path.join(BUILD, prog), "-f", "-c", conf,
                          "-u", "nobody"], stdin=subprocess.DEVNULL,
                         stdout=lf, stderr=lf)
    itest.wait_port(port)
    return p


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    return None


mxd = start("mxd", SMTP_PORT)
pop3d = start("pop3d", POP3_PORT)

log("== -u nobody")
check_eq(uid_of(mxd.pid), [NOBODY] * 4, "mxd runs as nobody")
check_eq(uid_of(pop3d.pid), [NOBODY] * 4, "pop3d runs as nobody")
for i in range(2):
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=20) as s:
        s.sendmail("a@example.org", ["tevie@cluster.example"],
                   "Subject: %d\r\n\r\nbody %d\r\n" % (i, i))
p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=20)
p.user("tevie")
p.pass_("pw")
check_eq(p.stat()[0], 2, "mail delivered and listed as nobody's daemons")
p.quit()

log("== idle timeouts")
s = socket.create_connection(("127.0.0.1", SMTP_PORT), 10)
f = s.makefile("rb")
f.readline()                            # 220
t0 = time.monotonic()
line = f.readline()
waited = time.monotonic() - t0
check(line.startswith(b"421"), "an idle SMTP session gets 421", "421",
      line)
check(1.5 <= waited <= 6, "after smtp_idle_timeout (2 s)", "2..6 s",
      "%.1f s" % waited)
s.close()
s = socket.create_connection(("127.0.0.1", POP3_PORT), 10)
f = s.makefile("rb")
f.readline()                            # +OK
t0 = time.monotonic()
rest = f.read()
waited = time.monotonic() - t0
check(1.5 <= waited <= 6, "an idle POP3 session is closed after "
      "pop3_idle_timeout (2 s)", "2..6 s", "%.1f s" % waited)
s.close()

log("== SIGTERM with a POP3 session in progress")
p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=20)
p.user("tevie")
p.pass_("pw")
p.dele(1)
pop3d.send_signal(signal.SIGTERM)
time.sleep(0.5)
check_eq(pop3d.poll(), None, "pop3d waits for the session")
p.quit()
try:
    rc = pop3d.wait(30)
except subprocess.TimeoutExpired:
    pop3d.kill()
    rc = "still running"
check_eq(rc, 0, "pop3d exits 0 once the session ended")
left = []
for root, dirs, files in os.walk(store):
    if root.endswith(("/new", "/cur")):
        left += files
check_eq(len(left), 1, "the DELE was carried out at QUIT")
mxd.terminate()
check_eq(mxd.wait(30), 0, "mxd exits 0 on SIGTERM")
for prog in ("mxd", "pop3d"):
    with open(w.join(prog + ".log")) as f:
        bad = [l for l in f if itest.SAN_RE.search(l)]
    check_eq(bad[:3], [], "no sanitizer report in the %s log" % prog)
nfsd.stop()
itest.finish()
