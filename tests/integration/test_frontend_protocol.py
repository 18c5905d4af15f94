#!/usr/bin/env python3
"""
test_frontend_protocol.py - protocol limits of mxd and pop3d that the
other tests leave out:
  - the recipient limit: RCPT beyond smtp_max_recipients gets 452;
  - beyond smtp_max_clients / pop3_max_clients sessions, a new one is
    refused (421 / -ERR) and the others go on;
  - STARTTLS and STLS discard what a client sent after the command and
    before the handshake (RFC 3207 section 4.2, RFC 2595 section 4):
    an injected MAIL/QUIT is not run inside the TLS session.
"""

import os
import socket
import ssl
import subprocess
import time

import itest
from itest import check, check_eq, log

itest.require_namespace()
BUILD = os.environ.get("CLIENT_BUILD", "build")
SMTP_PORT, POP3_PORT = 2525, 1110

w = itest.Workdir()
os.chmod(w.path, 0o755)
store = w.mkdir("usr", "mail1")
exports = w.write("exports", "%s -maproot=root -network 127.0.0.0/8\n"
                  % store)
nfsd = itest.Nfsd(w, exports).start()
cert, key = w.join("cert.pem"), w.join("key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj",
                "/CN=mx.cluster.example"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
conf = w.write("mailcluster.conf", """\
hostname mx.cluster.example
local_domains cluster.example
userdb %s
userdb_db %s
mount /mail1 nfs://127.0.0.1:%d%s?mountport=%d
smtp_listen 127.0.0.1:%d
pop3_listen 127.0.0.1:%d
smtp_max_recipients 3
smtp_max_clients 5
pop3_max_clients 5
tls_cert %s
tls_key %s
""" % (w.join("userdb"), w.join("userdb.cdb"), itest.NFS_PORT, store,
       itest.MOUNT_PORT, SMTP_PORT, POP3_PORT, cert, key))
for u in ("u1", "u2", "u3", "u4"):
    subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "useradd",
                    u, "--password-stdin"], input=b"pw\n", check=True,
                   stdout=subprocess.DEVNULL)
subprocess.run([os.path.join(BUILD, "mailctl"), "-c", conf, "makedb"],
               check=True, stdout=subprocess.DEVNULL)
procs = []
for prog, port in (("mxd", SMTP_PORT), ("pop3d", POP3_PORT)):
    lf = open(w.join(prog + ".log"), "w")
    procs.append(subprocess.Popen([os.path.join(BUILD, prog), "-f", "-c",
                                   conf], stdin=subprocess.DEVNULL,
                                  stdout=lf, stderr=lf))
    itest.wait_port(port)
ctx = ssl.create_default_context(cafile=cert)
ctx.check_hostname = False


class Lines:
    """Reply lines over a socket that may be wrapped in TLS later."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def smtp_reply(self):
        while True:
            line = self.line()
            if line is None or line[3:4] != b"-":
                return line

    def send(self, data):
        self.s.sendall(data)


log("== the recipient limit")
c = Lines(socket.create_connection(("127.0.0.1", SMTP_PORT), 10))
c.smtp_reply()
c.send(b"EHLO client.example\r\n")
c.smtp_reply()
c.send(b"MAIL FROM:<a@example.org>\r\n")
c.smtp_reply()
codes = []
for u in ("u1", "u2", "u3", "u4"):
    c.send(b"RCPT TO:<%s@cluster.example>\r\n" % u.encode())
    codes.append(c.smtp_reply()[:3])
check_eq(codes, [b"250", b"250", b"250", b"452"],
         "RCPTs 1-3 accepted, the 4th gets 452")
c.s.close()

log("== session limits")
for port, bad in ((SMTP_PORT, b"421"), (POP3_PORT, b"-ERR")):
    held = []
    for _ in range(5):
        h = Lines(socket.create_connection(("127.0.0.1", port), 10))
        held.append((h, h.line()))
    extra = Lines(socket.create_connection(("127.0.0.1", port), 10))
    greeting = extra.line()
    check(greeting is not None and greeting.startswith(bad),
          "port %d: a 6th session is refused" % port, bad, greeting)
    check(all(g and not g.startswith(bad) for _, g in held),
          "port %d: the first 5 were greeted" % port, "greetings",
          [g for _, g in held])
    extra.s.close()
    for h, _ in held:
        h.s.close()
    time.sleep(0.5)

log("== STARTTLS discards what came before the handshake")
c = Lines(socket.create_connection(("127.0.0.1", SMTP_PORT), 10))
c.smtp_reply()
c.send(b"EHLO client.example\r\n")
c.smtp_reply()
c.send(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n")
check_eq(c.smtp_reply()[:3], b"220", "STARTTLS: 220")
c = Lines(ctx.wrap_socket(c.s, server_hostname="mx.cluster.example"))
c.send(b"EHLO client.example\r\n")
check_eq(c.smtp_reply()[:3], b"250", "EHLO inside TLS")
c.send(b"MAIL FROM:<good@example.org>\r\n")
check_eq(c.smtp_reply()[:3], b"250",
         "MAIL inside TLS is the first (the injected one was dropped)")
c.s.close()

log("== STLS discards what came before the handshake")
c = Lines(socket.create_connection(("127.0.0.1", POP3_PORT), 10))
c.line()
c.send(b"STLS\r\nQUIT\r\n")
check(c.line().startswith(b"+OK"), "STLS: +OK", "+OK", "")
c = Lines(ctx.wrap_socket(c.s, server_hostname="mx.cluster.example"))
c.send(b"CAPA\r\n")
lines = []
while True:
    line = c.line()
    if line is None or line == b".\r\n":
        break
    lines.append(line)
check(line == b".\r\n" and b"TOP\r\n" in lines,
      "CAPA inside TLS answered in full: the injected QUIT was dropped",
      "+OK, capabilities, .", lines)
c.s.close()

for p in procs:
    p.terminate()
for p in procs:
    check_eq(p.wait(30), 0, "%s exits 0" % os.path.basename(p.args[0]))
nfsd.stop()
itest.finish()
