#!/usr/bin/env python3
"""
client.py - what the test does from inside one host's namespace (it is
run there with `ip netns exec`); prints one JSON document on stdout.

  submit ADDR PORT IDS...          send one message per "user:id" to the
                                   MTA at ADDR:PORT (one SMTP session)
  smtp ADDR PORT USER ID           one message straight to an MX; the reply
  fetch NAME USER:PW...            POP3 via NAME (resolved with the host's
                                   resolver, its A records alternated):
                                   every message retrieved and deleted
  pop-login ADDR USER PW           the POP3 server's answer to PASS
  resolve NAME                     the IPv4 addresses NAME resolves to
  mnt ADDR PATH                    MOUNT v3 MNT status (+ handle, hex)
  getattr ADDR FHHEX               NFSv3 GETATTR status with that handle
  nullrpc ADDR                     does nfsd answer NFS NULL at ADDR?
  connect ADDR PORT                connect(); "ok" or the error
"""

import json
import os
import poplib
import re
import smtplib
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import rpc                                                  # noqa: E402

DOMAIN = "cluster.example"
POP_THREADS = 8
TIMEOUT = 30
ID_RE = re.compile(rb"^X-Test-Id: (\S+)")


def message(user, mid):
    return ("From: sender@public.example\r\nTo: %s@%s\r\n"
            "X-Test-Id: %s\r\nSubject: cluster test %s\r\n\r\n"
            "Message %s for %s.\r\n" % (user, DOMAIN, mid, mid, mid, user))


def submit(addr, port, pairs):
    """Hand every message to the MTA; {id: reply or error}."""
    out = {}
    with smtplib.SMTP(addr, int(port), timeout=TIMEOUT) as s:
        for pair in pairs:
            user, mid = pair.split(":")
            try:
                s.sendmail("sender@public.example",
                           ["%s@%s" % (user, DOMAIN)], message(user, mid))
                out[mid] = "250"
            except smtplib.SMTPException as e:
                out[mid] = repr(e)
    return out


def smtp(addr, port, user, mid):
    try:
        with smtplib.SMTP(addr, int(port), timeout=TIMEOUT) as s:
            s.sendmail("sender@public.example", ["%s@%s" % (user, DOMAIN)],
                       message(user, mid))
        return "250"
    except (OSError, smtplib.SMTPException) as e:
        return repr(e)


def resolve(name):
    infos = socket.getaddrinfo(name, 110, socket.AF_INET, socket.SOCK_STREAM)
    return sorted({i[4][0] for i in infos})


def fetch_one(addr, user, pw):
    """Retrieve and delete user's mail at addr: (ids, error)."""
    try:
        p = poplib.POP3(addr, 110, timeout=TIMEOUT)
        p.user(user)
        p.pass_(pw)
        ids = []
        for i in range(1, p.stat()[0] + 1):
            for line in p.retr(i)[1]:
                m = ID_RE.match(line)
                if m:
                    ids.append(m.group(1).decode())
                    break
            p.dele(i)
        p.quit()
        return ids, None
    except (OSError, poplib.error_proto) as e:
        return [], repr(e)


def fetch(name, creds):
    addrs = resolve(name)
    out, lock = {}, threading.Lock()
    work = list(enumerate(creds))

    def worker():
        while True:
            with lock:
                if not work:
                    return
                n, cred = work.pop()
            user, pw = cred.split(":")
            addr = addrs[n % len(addrs)]
            ids, err = fetch_one(addr, user, pw)
            with lock:
                out[user] = {"server": addr, "ids": ids, "error": err}

    threads = [threading.Thread(target=worker) for _ in range(POP_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"addresses": addrs, "users": out}


def pop_login(addr, user, pw):
    try:
        p = poplib.POP3(addr, 110, timeout=TIMEOUT)
        p.user(user)
        r = p.pass_(pw).decode()
        p.stat()
        p.quit()
        return r
    except poplib.error_proto as e:
        return str(e.args[0].decode() if isinstance(e.args[0], bytes)
                   else e.args[0])
    except OSError as e:
        return repr(e)


def mnt(addr, path):
    with rpc.TcpClient(host=addr, port=20048) as c:
        st, fh, _ = rpc.mnt(c, path)
    return {"status": st, "fh": fh.hex() if fh else None}


def getattr_(addr, fhhex):
    with rpc.TcpClient(host=addr, port=2049) as c:
        r = c.call(rpc.NFS_PROG, 3, 1,
                   rpc.Packer().opaque(bytes.fromhex(fhhex)).get(),
                   rpc.auth_sys())
    return {"status": rpc.Unpacker(r.body).uint()}


def nullrpc(addr):
    return rpc.null_ok("tcp", addr, 2049, rpc.NFS_PROG, 3, timeout=3)


def connect(addr, port):
    try:
        socket.create_connection((addr, int(port)), 3).close()
        return "ok"
    except OSError as e:
        return "%s: %s" % (type(e).__name__, e)


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "submit":
        r = submit(args[0], args[1], args[2:])
    elif cmd == "smtp":
        r = smtp(*args)
    elif cmd == "fetch":
        r = fetch(args[0], args[1:])
    elif cmd == "pop-login":
        r = pop_login(*args)
    elif cmd == "resolve":
        r = resolve(args[0])
    elif cmd == "mnt":
        r = mnt(*args)
    elif cmd == "getattr":
        r = getattr_(*args)
    elif cmd == "nullrpc":
        r = nullrpc(*args)
    elif cmd == "connect":
        r = connect(*args)
    else:
        sys.exit("client.py: unknown command %s" % cmd)
    json.dump(r, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
