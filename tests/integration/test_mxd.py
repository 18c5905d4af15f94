#!/usr/bin/env python3
"""
test_mxd.py - mxd, the SMTP receiver, against a real nfsd fileserver
with a user made by mailctl, spoken to by Python's smtplib (a client
nobody here wrote) and by raw sockets for what smtplib will not send.

Proves that
  - mxd -t accepts the config and refuses a bad one naming file:line;
  - EHLO advertises PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES and
    STARTTLS; after STARTTLS (a self-signed certificate) STARTTLS is no
    longer offered;
  - a message to tevie@cluster.example over TLS lands in tevie's
    Maildir/new on the fileserver, owned by tevie, with Return-Path:
    and Received: added and the body byte-exact (dot-unstuffed);
  - unknown user 550 5.1.1, relaying 550 5.7.1, SIZE= over the limit
    and an oversized DATA 552 5.3.4, a bare-LF "\\n.\\n" is not the end
    of data (and the message is refused), an over-long text line
    500 5.5.6, an over-long command 500 5.5.2, NUL in data 554,
    commands out of order 503, unknown 500; pipelined commands are
    answered in order; too many errors end the session with 421;
  - SIGHUP reloads the config, and a bad file keeps the old one;
  - the per-address session limit answers 421;
  - with the fileserver stopped, the reply is 451 4.3.0 and nothing
    lands in new/; restarted, a resend is delivered exactly once;
  - SIGTERM ends mxd with status 0, and no sanitizer report.
"""

import os
import select
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
MXD = os.path.join(BUILD, "mxd")
MAILCTL = os.path.join(BUILD, "mailctl")
PORT = 2525
MAXSIZE = 100000

W = itest.Workdir()
SRV = W.mkfs("usr", "mail1")
os.chmod(SRV, 0o755)
W.mkdir("etc")
exports = W.write("exports", "%s -maproot=root -network 127.0.0.0/8\n" % SRV)
nfsd = itest.Nfsd(W, exports).start()

subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", W.join("etc", "key.pem"),
                "-out", W.join("etc", "cert.pem"), "-days", "2",
                "-subj", "/CN=mx1.cluster.example"],
               check=True, stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
CONF = W.write("etc/mailcluster.conf", "\n".join([
    "hostname mx1.cluster.example",
    "local_domains cluster.example, other.cluster.example",
    "userdb %s" % W.join("etc", "userdb"),
    "userdb_db %s" % W.join("etc", "userdb.cdb"),
    "mount /mail1 nfs://127.0.0.1:2049%s?mountport=20048" % SRV,
    "smtp_listen 127.0.0.1:%d" % PORT,
    "tls_cert %s" % W.join("etc", "cert.pem"),
    "tls_key %s" % W.join("etc", "key.pem"),
    "max_message_size %d" % MAXSIZE,
    "smtp_max_recipients 5",
    "log_level debug",
    ""]))

r = subprocess.run([MAILCTL, "-c", CONF, "useradd", "tevie", "--store",
                    "/mail1"], capture_output=True, text=True)
check_eq(r.returncode, 0, "mailctl useradd tevie")
if r.returncode != 0:
    log(r.stderr)
    itest.finish()
HOME = os.path.join(SRV, "62", "42", "tevie")
NEW = os.path.join(HOME, "Maildir", "new")
TMP = os.path.join(HOME, "Maildir", "tmp")
TEVIE_UID = os.stat(HOME).st_uid

# ---------------------------------------------------------------- -t
r = subprocess.run([MXD, "-t", "-c", CONF], capture_output=True, text=True)
check_eq(r.returncode, 0, "mxd -t accepts the config")
bad = W.write("bad.conf", "hostname x\nsmtp_max_clients lots\n")
r = subprocess.run([MXD, "-t", "-c", bad], capture_output=True, text=True)
check(r.returncode == 1 and (bad + ":2:") in r.stderr,
      "mxd -t refuses a bad config naming file:line", bad + ":2: ...",
      (r.returncode, r.stderr.strip()))


class Mxd:
    def __init__(self, *extra):
        self.log = W.join("mxd.log")
        self.lf = open(self.log, "a")
        self.proc = subprocess.Popen([MXD, "-f", "-c", CONF, "-g", "5"] +
                                     list(extra), stdin=subprocess.DEVNULL,
                                     stdout=self.lf, stderr=self.lf)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), 1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        log("FAIL: mxd did not start")
        self.show()
        sys.exit(1)

    def show(self):
        with open(self.log) as f:
            for line in [l for l in f.read().splitlines()
                         if "refused" not in l][-40:]:
                log("  | " + line)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        check_eq(rc, 0, "mxd exits 0 on SIGTERM")
        with open(self.log) as f:
            bad = [l for l in f if itest.SAN_RE.search(l)]
        if not check(not bad, "no sanitizer report in the mxd log"):
            self.show()


def new_files():
    return sorted(os.listdir(NEW))


def read_new(name):
    with open(os.path.join(NEW, name), "rb") as f:
        return f.read()


class Raw:
    """A raw SMTP connection: send bytes, read reply lines."""

    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), 5)
        self.f = self.s.makefile("rb")
        self.greeting = self.reply()

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                return b"".join(lines) or None
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return b"".join(lines)

    def cmd(self, data):
        self.send(data)
        return self.reply()

    def nothing_within(self, secs):
        ready, _, _ = select.select([self.s], [], [], secs)
        return not ready

    def close(self):
        self.f.close()
        self.s.close()


def code(reply):
    return reply[:9].decode(errors="replace") if reply else None


mxd = Mxd()

# ---------------------------------------------------------------- EHLO, TLS
BODY = (b"From: sender@example.org\r\nTo: tevie@cluster.example\r\n"
        b"Subject: hello\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n"
        b"\xc3\xa9 8bit\r\n\r\nlast\r\n")
with smtplib.SMTP("127.0.0.1", PORT, local_hostname="client.example",
                  timeout=20) as s:
    s.ehlo()
    for ext in ("pipelining", "size", "8bitmime", "enhancedstatuscodes",
                "starttls"):
        check(s.has_extn(ext), "EHLO advertises %s" % ext.upper())
    check_eq(s.esmtp_features.get("size"), str(MAXSIZE), "SIZE value")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c, _ = s.starttls(context=ctx)
    check_eq(c, 220, "STARTTLS 220")
    s.ehlo()
    check(not s.has_extn("starttls"), "no STARTTLS offered inside TLS")
    refused = s.sendmail("sender@example.org", ["tevie@cluster.example"],
                         BODY, mail_options=["BODY=8BITMIME"])
    check_eq(refused, {}, "message to tevie accepted over TLS")
    c, m = s.verify("tevie")
    check_eq(c, 252, "VRFY 252")
    c, m = s.docmd("HELP")
    check_eq(c, 214, "HELP 214")

files = new_files()
check_eq(len(files), 1, "one message in tevie's new/")
if files:
    data = read_new(files[0])
    st = os.stat(os.path.join(NEW, files[0]))
    check_eq(st.st_uid, TEVIE_UID, "stored as tevie's uid")
    check(data.startswith(b"Return-Path: <sender@example.org>\r\n"
                          b"Received: from client.example ([127.0.0.1])\r\n"
                          b"\tby mx1.cluster.example (mxd) with ESMTPS id "),
          "Return-Path and Received come first", None, data[:200])
    check(b"\tfor <tevie@cluster.example>;" in data[:400],
          "Received names the recipient")
    hdr_end = data.find(b"\r\nFrom: ")
    check_eq(data[hdr_end + 2:] if hdr_end >= 0 else data, BODY,
             "body byte-exact after the trace headers")

# ---------------------------------------------------------------- refusals
with smtplib.SMTP("127.0.0.1", PORT, timeout=20) as s:
    s.ehlo("client.example")
    c, m = s.mail("a@example.org")
    check_eq(c, 250, "MAIL 250")
    c, m = s.rcpt("nosuchuser@cluster.example")
    check(c == 550 and m.startswith(b"5.1.1"), "unknown user 550 5.1.1",
          "550 5.1.1", (c, m))
    c, m = s.rcpt("someone@elsewhere.example")
    check(c == 550 and m.startswith(b"5.7.1"), "relaying 550 5.7.1",
          "550 5.7.1", (c, m))
    c, m = s.rcpt("Tevie@Cluster.Example")
    check_eq(c, 250, "RCPT is case-insensitive")
    s.rset()
    c, m = s.mail("a@example.org", ["SIZE=%d" % (MAXSIZE + 1)])
    check(c == 552 and m.startswith(b"5.3.4"), "SIZE over limit 552 5.3.4",
          552, (c, m))
    c, m = s.mail("a@example.org")
    s.rcpt("tevie@cluster.example")
    c, m = s.data(b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 2000)
    check(c == 552 and m.startswith(b"5.3.4"), "oversized DATA 552 5.3.4",
          552, (c, m))
    c, m = s.mail("a@example.org")
    for i in range(5):
        s.rcpt("tevie@cluster.example")
    c, m = s.docmd("DATA")
    check_eq(c, 354, "DATA after duplicates of one recipient")
    s.send(b"Subject: x\r\n\r\n" + b"y" * 1200 + b"\r\n.\r\n")
    c, m = s.getreply()
    check(c == 500 and m.startswith(b"5.5.6"), "over-long text line 500 5.5.6",
          500, (c, m))
check_eq(len(new_files()), 1, "no refused message was stored")

r = Raw()
check(r.greeting.startswith(b"220 mx1.cluster.example"), "greeting 220")
check_eq(code(r.cmd(b"MAIL FROM:<a@b.example>\r\n")), "503 5.5.1",
         "MAIL before EHLO 503")
check_eq(code(r.cmd(b"FOO\r\n")), "500 5.5.2", "unknown command 500")
check_eq(code(r.cmd(b"EHLO " + b"a" * 1100 + b"\r\n")), "500 5.5.2",
         "over-long command 500 5.5.2")
# Pipelined: one write, replies in order.
r.send(b"EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<tevie@cluster.example>"
       b"\r\nRCPT TO:<x@nowhere.example>\r\nDATA\r\n")
ehlo = r.reply()
got = [code(r.reply()) for _ in range(4)]
check(ehlo.startswith(b"250-") and b"PIPELINING" in ehlo, "pipelined EHLO")
check_eq(got, ["250 2.1.0", "250 2.1.5", "550 5.7.1", "354 End d"],
         "pipelined replies in order")
r.send(b"Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@x.example>\n")
check(r.nothing_within(1.5), "bare LF . LF does not end the data")
rep = r.cmd(b"\r\n.\r\n")
check_eq(code(rep), "550 5.6.0", "message with bare LF refused at CRLF.CRLF")
r.send(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<tevie@cluster.example>\r\n"
       b"DATA\r\n")
r.reply(), r.reply(), r.reply()
check_eq(code(r.cmd(b"a\x00b\r\n.\r\n")), "554 5.6.0", "NUL in data 554")
check_eq(code(r.cmd(b"RCPT TO:<tevie@cluster.example>\r\n")), "503 5.5.1",
         "RCPT without MAIL 503")
codes = []
for _ in range(12):
    codes.append(code(r.cmd(b"BAD\r\n")))
    if not codes[-1] or codes[-1].startswith("421"):
        break
check(codes[-1] and codes[-1].startswith("421"), "too many errors: 421",
      "421", codes[-3:])
r.close()
check_eq(len(new_files()), 1, "still only the one good message")

# ---------------------------------------------------------------- SIGHUP
def ehlo_size():
    with smtplib.SMTP("127.0.0.1", PORT, timeout=20) as s:
        s.ehlo("client.example")
        return s.esmtp_features.get("size")


with open(CONF) as f:
    good = f.read()
with open(CONF, "a") as f:
    f.write("max_message_size 200000\n")     # given twice: an error
mxd.proc.send_signal(signal.SIGHUP)
time.sleep(0.5)
check_eq(ehlo_size(), str(MAXSIZE), "SIGHUP with a bad file keeps the old")
with open(CONF, "w") as f:
    f.write(good.replace("max_message_size %d" % MAXSIZE,
                         "max_message_size 200000"))
mxd.proc.send_signal(signal.SIGHUP)
time.sleep(0.5)
check_eq(ehlo_size(), "200000", "SIGHUP reloads the config (new SIZE)")
with open(CONF, "w") as f:
    f.write(good)

# ---------------------------------------------------------------- limits
mxd.stop()
mxd = Mxd("-p", "2")
# Two admitted sessions (the readiness probe's session may still hold a
# slot for a moment: a refused attempt is retried).
conns = []
for _ in range(50):
    if len(conns) == 2:
        break
    r = Raw()
    if r.greeting and r.greeting.startswith(b"220"):
        conns.append(r)
    else:
        r.s.close()
        time.sleep(0.1)
third = Raw()
check(third.greeting and third.greeting.startswith(b"421"),
      "a third session from one address gets 421", "421",
      third.greeting)
for c in conns + [third]:
    c.close()
for _ in range(50):         # the closed sessions are released
    t = Raw()
    t.close()
    if t.greeting.startswith(b"220"):
        break
    time.sleep(0.1)
else:
    mxd.show()

# ---------------------------------------------------------------- fileserver down
MARK = b"X-Mark: resend-once\r\n"
MSG = MARK + b"Subject: retry\r\n\r\nbody\r\n"
nfsd.stop()
with smtplib.SMTP("127.0.0.1", PORT, timeout=60) as s:
    try:
        s.sendmail("a@example.org", ["tevie@cluster.example"], MSG)
        c, m = 250, b""
    except smtplib.SMTPDataError as e:
        c, m = e.smtp_code, e.smtp_error
    except smtplib.SMTPResponseException as e:
        c, m = e.smtp_code, e.smtp_error
    check(c == 451 and m.startswith(b"4.3.0"),
          "fileserver stopped: 451 4.3.0", 451, (c, m))
check_eq(len(new_files()), 1, "nothing new in new/ while it was down")
check_eq(os.listdir(TMP), [], "nothing left in tmp/")
nfsd.start()
with smtplib.SMTP("127.0.0.1", PORT, timeout=60) as s:
    check_eq(s.sendmail("a@example.org", ["tevie@cluster.example"], MSG), {},
             "resend after restart accepted")
marked = [f for f in new_files() if MARK in read_new(f)]
check_eq(len(marked), 1, "the resent message is in new/ exactly once")

mxd.stop()
nfsd.stop()
itest.finish()
