"""
test_pop3d.py - pop3d against a real nfsd fileserver, spoken to with
Python's poplib (a client nobody here wrote) and raw sockets.

Proves that
 - pop3d -t accepts a good config and names file and line of a bad one;
 - USER/PASS and AUTH PLAIN log in with the userdb's hash (mailctl
   useradd + makedb); at QUIT what is left in new/ moves to cur/;
 - STAT and LIST count sizes with CRLF line endings (bare LF counts 2);
   RETR is byte-exact, dot-stuffed on the wire; TOP sends the header;
 - UIDL is the same in two sessions;
 - DELE then a dropped connection deletes nothing; DELE then QUIT does;
 - a second concurrent login gets -ERR [IN-USE];
 - wrong password and unknown user get the same reply;
 - from a non-loopback address plain-text login is refused until STLS
   (self-signed certificate), and works after it; CAPA says so;
 - SIGHUP reloads the config; SIGTERM ends pop3d with status 0, no sanitizer report.
"""

import os
import poplib
import pwd
import re
import signal
import socket
import ssl
import subprocess
import sys
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
POP3D = os.path.join(BUILD, "pop3d")
MAILCTL = os.path.join(BUILD, "mailctl")
PORT = 1110
OTHER_ADDR = "10.0.0.1"          # on lo, but not loopback
PASSWORD = "s3cret pass"

w = itest.Workdir()
os.chmod(w.path, 0o755)
store = w.mkdir("usr", "mail1")
exports = w.write("exports", "%s -maproot=root -network 127.0.0.0/8\n"
                  % store)
nfsd = itest.Nfsd(w, exports).start()
subprocess.run(["ip", "addr", "add", OTHER_ADDR + "/32", "dev", "lo"],
               check=True)

cert, key = w.join("cert.pem"), w.join("key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj",
                "/CN=pop3.cluster.example"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
conf = w.write("mailcluster.conf", """\
hostname pop1.cluster.example
userdb %s
userdb_db %s
mount /mail1 nfs://127.0.0.1:%d%s?mountport=%d
pop3_listen 127.0.0.1:%d %s:%d
tls_cert %s
tls_key %s
pop3_idle_timeout 30
log_level debug
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT, PORT, OTHER_ADDR, PORT, cert, key))


def run(*argv, stdin=None):
    p = subprocess.run(list(argv), input=stdin, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


log("== config check")
rc, out = run(POP3D, "-t", "-c", conf)
check_eq(rc, 0, "pop3d -t accepts the config")
bad = w.write("bad.conf", "pop3_listen 127.0.0.1:1110\npop3_max_clients x\n")
rc, out = run(POP3D, "-t", "-c", bad)
check_eq(rc, 1, "pop3d -t refuses a bad config")
check(bad + ":2:" in out, "and names file and line", bad + ":2:", out)

log("== users")
rc, out = run(MAILCTL, "-c", conf, "useradd", "tevie", "--uid", "2001",
              "--gid", "2001", "--password-stdin", "--store", "/mail1",
              stdin=PASSWORD + "\n")
check_eq(rc, 0, "mailctl useradd tevie (%s)" % out.strip())
rc, out = run(MAILCTL, "-c", conf, "makedb")
check_eq(rc, 0, "mailctl makedb (%s)" % out.strip())
home = None
with open(w.join("userdb")) as f:
    for line in f:
        m = re.match(r"tevie\t.*home=/mail1/([^|\n]*)", line)
        if m:
            home = m.group(1)
if not check(home is not None, "tevie has a home on /mail1"):
    itest.finish()
maildir = os.path.join(store, home, "Maildir")

MSGS = [
    b"From: a@example.org\nSubject: one\n\nline 1\n.dot line\n..two dots\n"
    b"last\n",
    b"From: b@example.org\r\nSubject: two\r\n\r\nbody\r\n.\r\nafter\r\n",
    b"From: c@example.org\nSubject: three\n\nno final newline",
]


def wire(msg):
    """What RETR sends: CRLF endings, the last line ended."""
    s = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return s if s.endswith(b"\r\n") else s + b"\r\n"


for i, m in enumerate(MSGS):
    name = "17000000%02d.M%dP1Q%d.test,S=%d" % (i, i, i, len(m))
    p = os.path.join(maildir, "new", name)
    with open(p, "wb") as f:
        f.write(m)
    os.chown(p, 2001, 2001)
    os.chmod(p, 0o600)

log("== pop3d")
plog = w.join("pop3d.log")
pop3d = subprocess.Popen([POP3D, "-f", "-c", conf], stdin=subprocess.DEVNULL,
                         stdout=open(plog, "w"), stderr=subprocess.STDOUT)
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", PORT), 1).close()
        break
    except OSError:
        time.sleep(0.1)


def show_log():
    with open(plog) as f:
        for line in f.read().splitlines()[-40:]:
            log("  | " + line)


def drop(c):
    """Close a poplib client's connection without QUIT."""
    try:
        c.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    c.close()


def login(addr="127.0.0.1", tries=20):
    """A logged-in poplib client (retrying while the lock is held)."""
    for _ in range(tries):
        p = poplib.POP3(addr, PORT, timeout=20)
        p.user("tevie")
        try:
            p.pass_(PASSWORD)
            return p
        except poplib.error_proto as e:
            drop(p)
            if b"IN-USE" not in e.args[0]:
                raise
            time.sleep(0.2)
    raise RuntimeError("mailbox stayed in use")


try:
    p = login()
    check_eq(len(os.listdir(os.path.join(maildir, "new"))), 3,
             "after login the messages are still in new/ (moved at QUIT)")
    sizes = [len(wire(m)) for m in MSGS]
    check_eq(p.stat(), (3, sum(sizes)), "STAT counts CRLF sizes")
    resp, lines, _ = p.list()
    check_eq([l.decode() for l in lines],
             ["%d %d" % (i + 1, s) for i, s in enumerate(sizes)],
             "LIST sizes (bare LF counts 2)")
    check_eq(p.list(1), b"+OK 1 %d" % sizes[0], "LIST 1")
    for i, m in enumerate(MSGS):
        resp, lines, octets = p.retr(i + 1)
        got = b"".join(l + b"\r\n" for l in lines)
        check_eq(got, wire(m), "RETR %d byte-exact" % (i + 1))
        check_eq(resp, b"+OK %d octets" % sizes[i], "RETR %d size" % (i + 1))
    resp, lines, _ = p.top(1, 0)
    check_eq(lines, [b"From: a@example.org", b"Subject: one", b""],
             "TOP 1 0 is the header and the empty line")
    resp, lines, _ = p.top(1, 2)
    check_eq(lines[-2:], [b"line 1", b".dot line"], "TOP 1 2: two body "
             "lines, unstuffed by poplib")
    uidl1 = p.uidl()[1]
    check_eq(len(uidl1), 3, "UIDL lists 3")
    check(p.uidl(2).startswith(b"+OK 2 "), "UIDL 2", "+OK 2 ...",
          p.uidl(2))

    log("== a second session on the same mailbox")
    q = poplib.POP3("127.0.0.1", PORT, timeout=20)
    q.user("tevie")
    try:
        r = q.pass_(PASSWORD)
    except poplib.error_proto as e:
        r = e.args[0]
    check(r.startswith(b"-ERR [IN-USE]"), "second login: -ERR [IN-USE]",
          "-ERR [IN-USE] ...", r)
    drop(q)

    log("== DELE then a dropped connection")
    p.dele(2)
    check_eq(p.stat()[0], 2, "STAT after DELE counts 2")
    drop(p)
    p = login()
    check_eq(p.stat()[0], 3, "the dropped session deleted nothing")
    check_eq(p.uidl()[1], uidl1, "UIDL is the same in the next session")

    log("== raw wire: stuffing and AUTH PLAIN")
    p.quit()
    check_eq(len(os.listdir(os.path.join(maildir, "new"))), 0,
             "after QUIT new/ is empty")
    check_eq(sorted(n.rsplit(":", 1)[-1] for n in
                    os.listdir(os.path.join(maildir, "cur"))),
             ["2,", "2,", "2,"], "and cur/ holds the 3 messages, with "
             "no flags (the session that retrieved them was dropped)")
    s = socket.create_connection(("127.0.0.1", PORT), 20)
    f = s.makefile("rwb")
    f.readline()
    import base64
    tok = base64.b64encode(b"\0tevie\0" + PASSWORD.encode()).decode()
    for _ in range(20):
        f.write(b"AUTH PLAIN " + tok.encode() + b"\r\n")
        f.flush()
        r = f.readline()
        if b"IN-USE" not in r:
            break
        time.sleep(0.2)
    check(r.startswith(b"+OK"), "AUTH PLAIN with an initial response",
          "+OK ...", r)
    f.write(b"RETR 1\r\n")
    f.flush()
    data = b""
    while not data.endswith(b"\r\n.\r\n"):
        chunk = f.readline()
        if not chunk:
            break
        data += chunk
    body = data.split(b"\r\n", 1)[1]
    exp = wire(MSGS[0]).replace(b"\r\n.", b"\r\n..") + b".\r\n"
    check_eq(body, exp, "RETR on the wire: CRLF and dot-stuffed")
    f.write(b"QUIT\r\n")
    f.flush()
    f.readline()
    s.close()

    log("== DELE then QUIT")
    p = login()
    p.dele(2)
    r = p.quit()
    check(r.startswith(b"+OK"), "QUIT after DELE: +OK", "+OK", r)
    left = os.listdir(os.path.join(maildir, "cur"))
    check_eq(len(left), 2, "the deleted message is gone from cur/")
    p = login()
    check_eq(p.stat(), (2, sizes[0] + sizes[2]), "STAT: 2 messages left")
    check_eq(p.uidl()[1], [b"1 " + uidl1[0].split()[1],
                           b"2 " + uidl1[2].split()[1]],
             "UIDLs of the survivors unchanged")
    p.quit()

    log("== failed logins")
    replies = {}
    times = {}
    for who, pw in (("tevie", "wrong"), ("nosuchuser", "wrong")):
        q = poplib.POP3("127.0.0.1", PORT, timeout=20)
        q.user(who)
        t0 = time.monotonic()
        try:
            q.pass_(pw)
            replies[who] = b"+OK?!"
        except poplib.error_proto as e:
            replies[who] = e.args[0]
        times[who] = time.monotonic() - t0
        drop(q)
    check(replies["tevie"].startswith(b"-ERR"), "a wrong password fails",
          "-ERR ...", replies["tevie"])
    check_eq(replies["nosuchuser"], replies["tevie"],
             "unknown user and wrong password: the same reply")
    check(times["tevie"] >= 0.9 and times["nosuchuser"] >= 0.9,
          "both are delayed", ">= 1 s", times)
    check(abs(times["tevie"] - times["nosuchuser"]) < 0.5,
          "by about the same time", "< 0.5 s apart", times)

    log("== STLS from a non-loopback address")
    q = poplib.POP3(OTHER_ADDR, PORT, timeout=20)
    caps = q.capa()
    check("STLS" in caps and "USER" not in caps,
          "CAPA before STLS: STLS, no USER", "STLS, no USER", caps)
    try:
        r = q.user("tevie")
    except poplib.error_proto as e:
        r = e.args[0]
    check(r.startswith(b"-ERR"), "USER before STLS is refused", "-ERR", r)
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    q.stls(ctx)
    caps = q.capa()
    check("USER" in caps and "STLS" not in caps,
          "CAPA after STLS: USER, no STLS", "USER, no STLS", caps)
    q.user("tevie")
    for _ in range(20):
        try:
            q.pass_(PASSWORD)
            break
        except poplib.error_proto as e:
            if b"IN-USE" not in e.args[0]:
                raise
            time.sleep(0.2)
    resp, lines, _ = q.retr(2)
    check_eq(b"".join(l + b"\r\n" for l in lines), wire(MSGS[2]),
             "RETR over TLS byte-exact")
    q.quit()
except Exception as e:  # report, then stop the daemons
    check(False, "no exception in the POP3 dialogue", "none", repr(e))
    show_log()

log("== SIGHUP")
pop3d.send_signal(signal.SIGHUP)
time.sleep(0.5)
with open(plog) as f:
    check("reloaded" in f.read(), "SIGHUP reloads the config", "reloaded",
          "")
try:
    p = login()
    check_eq(p.stat()[0], 2, "sessions work after the reload")
    p.quit()
except Exception as e:
    check(False, "login after SIGHUP", "works", repr(e))

log("== pop3_plaintext")


def user_reply(addr):
    """The reply to USER from addr, without STLS."""
    q = poplib.POP3(addr, PORT, timeout=20)
    try:
        r = q.user("tevie")
    except poplib.error_proto as e:
        r = e.args[0]
    q.close()
    return r


def reload_with(line):
    with open(conf) as f:
        text = f.read()
    text = re.sub(r"(?m)^pop3_plaintext .*\n", "", text) + line + "\n"
    with open(conf, "w") as f:
        f.write(text)
    pop3d.send_signal(signal.SIGHUP)
    time.sleep(0.5)


reload_with("pop3_plaintext tls")
check(user_reply("127.0.0.1").startswith(b"-ERR"),
      "pop3_plaintext tls: USER from loopback refused", "-ERR",
      user_reply("127.0.0.1"))
reload_with("pop3_plaintext always")
check(user_reply(OTHER_ADDR).startswith(b"+OK"),
      "pop3_plaintext always: USER from %s accepted" % OTHER_ADDR, "+OK",
      user_reply(OTHER_ADDR))
reload_with("pop3_plaintext loopback")
check(user_reply(OTHER_ADDR).startswith(b"-ERR") and
      user_reply("127.0.0.1").startswith(b"+OK"),
      "pop3_plaintext loopback: loopback only", "-ERR / +OK",
      (user_reply(OTHER_ADDR), user_reply("127.0.0.1")))

log("== SIGTERM")
pop3d.send_signal(signal.SIGTERM)
try:
    rc = pop3d.wait(40)
except subprocess.TimeoutExpired:
    pop3d.kill()
    rc = "still running"
check_eq(rc, 0, "pop3d exits 0 on SIGTERM")
with open(plog) as f:
    text = f.read()
bad = [l for l in text.splitlines() if itest.SAN_RE.search(l)]
check(not bad, "no sanitizer report in the pop3d log", "none", bad[:5])
check(re.search(r"session \d+: tevie logged in", text) is not None,
      "log lines carry session ids", "session N: tevie logged in", "")
if itest._failures:
    show_log()
nfsd.stop()
itest.finish()
