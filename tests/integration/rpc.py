"""
rpc.py - a small ONC RPC (RFC 5531) / XDR (RFC 4506) client for the
integration tests, plus MOUNT v3 (RFC 1813 appendix I) helpers.

Python 3 standard library only.  Written independently of the daemon so
that the tests check the wire protocol, not the daemon's own encoders.

    from rpc import TcpClient, UdpClient, auth_sys, mnt, NFS_PROG
    with TcpClient("127.0.0.1", 2049) as c:
        r = c.call(NFS_PROG, 3, 0)          # NFS NULL
        assert r.ok
"""

import os
import random
import socket
import struct
import time

# ---------------------------------------------------------------- constants

RPC_VERS = 2
CALL, REPLY = 0, 1
MSG_ACCEPTED, MSG_DENIED = 0, 1

# accept_stat
SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, \
    SYSTEM_ERR = range(6)
ACCEPT_NAMES = {0: "SUCCESS", 1: "PROG_UNAVAIL", 2: "PROG_MISMATCH",
                3: "PROC_UNAVAIL", 4: "GARBAGE_ARGS", 5: "SYSTEM_ERR"}

# reject_stat
RPC_MISMATCH, AUTH_ERROR = 0, 1

# auth_stat
AUTH_OK, AUTH_BADCRED, AUTH_REJECTEDCRED, AUTH_BADVERF, AUTH_REJECTEDVERF, \
    AUTH_TOOWEAK, AUTH_INVALIDRESP, AUTH_FAILED = range(8)
AUTH_NAMES = {0: "AUTH_OK", 1: "AUTH_BADCRED", 2: "AUTH_REJECTEDCRED",
              3: "AUTH_BADVERF", 4: "AUTH_REJECTEDVERF", 5: "AUTH_TOOWEAK",
              6: "AUTH_INVALIDRESP", 7: "AUTH_FAILED"}

# auth flavours
AUTH_NONE, AUTH_SYS, AUTH_SHORT, AUTH_DH = 0, 1, 2, 3
RPCSEC_GSS = 6

# programs
PMAP_PROG = 100000
NFS_PROG = 100003
MOUNT_PROG = 100005

# MOUNT v3 procedures and status
MOUNTPROC3_NULL, MOUNTPROC3_MNT, MOUNTPROC3_DUMP, MOUNTPROC3_UMNT, \
    MOUNTPROC3_UMNTALL, MOUNTPROC3_EXPORT = range(6)
MNT3_OK = 0
MNT3ERR_PERM = 1
MNT3ERR_NOENT = 2
MNT3ERR_IO = 5
MNT3ERR_ACCES = 13
MNT3ERR_NOTDIR = 20
MNT3ERR_INVAL = 22
MNT3ERR_NAMETOOLONG = 63
MNT3ERR_NOTSUPP = 10004
MNT3ERR_SERVERFAULT = 10006

LAST_FRAG = 0x80000000


class RpcError(Exception):
    """Transport or decoding trouble (not an RPC-level rejection)."""


class ConnectionClosed(RpcError):
    """The server closed (or reset) the connection."""


# ---------------------------------------------------------------- XDR

class Packer:
    def __init__(self):
        self.parts = []

    def uint(self, v):
        self.parts.append(struct.pack(">I", v & 0xFFFFFFFF))
        return self

    def int(self, v):
        self.parts.append(struct.pack(">i", v))
        return self

    def hyper(self, v):
        self.parts.append(struct.pack(">Q", v & 0xFFFFFFFFFFFFFFFF))
        return self

    def bool(self, v):
        return self.uint(1 if v else 0)

    def fopaque(self, data):
        """Fixed-length opaque: the bytes, padded to 4."""
        self.parts.append(bytes(data) + b"\0" * (-len(data) % 4))
        return self

    def opaque(self, data):
        """Variable-length opaque / string: length, bytes, padding."""
        if isinstance(data, str):
            data = data.encode()
        self.uint(len(data))
        return self.fopaque(data)

    string = opaque

    def raw(self, data):
        self.parts.append(bytes(data))
        return self

    def get(self):
        return b"".join(self.parts)


class Unpacker:
    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def _take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise RpcError("XDR underflow: need %d bytes at offset %d of %d"
                           % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def uint(self):
        return struct.unpack(">I", self._take(4))[0]

    def int(self):
        return struct.unpack(">i", self._take(4))[0]

    def hyper(self):
        return struct.unpack(">Q", self._take(8))[0]

    def bool(self):
        v = self.uint()
        if v not in (0, 1):
            raise RpcError("XDR bool is %d" % v)
        return v == 1

    def fopaque(self, n):
        b = self._take(n)
        self._take(-n % 4)
        return b

    def opaque(self, maxlen=None):
        n = self.uint()
        if maxlen is not None and n > maxlen:
            raise RpcError("XDR opaque length %d > %d" % (n, maxlen))
        return self.fopaque(n)

    def string(self, maxlen=None):
        return self.opaque(maxlen).decode("utf-8", "replace")

    def remaining(self):
        return len(self.data) - self.pos

    def rest(self):
        return self._take(self.remaining())

    def done(self):
        if self.pos != len(self.data):
            raise RpcError("%d trailing bytes" % (len(self.data) - self.pos))


# ---------------------------------------------------------------- auth

def opaque_auth(flavor, body=b""):
    return Packer().uint(flavor).opaque(body).get()


def auth_none():
    return opaque_auth(AUTH_NONE)


def auth_sys_body(uid=0, gid=0, gids=(), machinename="itest", stamp=None):
    if stamp is None:
        stamp = int(time.time()) & 0xFFFFFFFF
    p = Packer().uint(stamp).string(machinename).uint(uid).uint(gid)
    p.uint(len(gids))
    for g in gids:
        p.uint(g)
    return p.get()


def auth_sys(uid=0, gid=0, gids=(), machinename="itest", stamp=None):
    """An AUTH_SYS (AUTH_UNIX) opaque_auth, no limits enforced here."""
    return opaque_auth(AUTH_SYS,
                       auth_sys_body(uid, gid, gids, machinename, stamp))


# ---------------------------------------------------------------- messages

def build_call(xid, prog, vers, proc, args=b"", cred=None, verf=None,
               rpcvers=RPC_VERS):
    """The bytes of an RPC CALL message (without record marking)."""
    if cred is None:
        cred = auth_none()
    if verf is None:
        verf = auth_none()
    head = struct.pack(">IIIIII", xid, CALL, rpcvers, prog, vers, proc)
    return head + cred + verf + bytes(args)


class Reply:
    """A decoded RPC reply.

    stat:  MSG_ACCEPTED or MSG_DENIED
    accepted: accept_stat, (low, high) for PROG_MISMATCH, body = results
    denied:   reject_stat, (low, high) for RPC_MISMATCH, auth_stat
    """

    def __init__(self):
        self.xid = None
        self.stat = None
        self.verf = None
        self.accept_stat = None
        self.reject_stat = None
        self.auth_stat = None
        self.low = self.high = None
        self.body = b""
        self.raw = b""

    @property
    def ok(self):
        return self.stat == MSG_ACCEPTED and self.accept_stat == SUCCESS

    def __repr__(self):
        if self.stat == MSG_ACCEPTED:
            s = "MSG_ACCEPTED %s" % ACCEPT_NAMES.get(self.accept_stat,
                                                     self.accept_stat)
            if self.accept_stat == PROG_MISMATCH:
                s += " low=%d high=%d" % (self.low, self.high)
            if self.body:
                s += " body=%s" % self.body[:64].hex()
        elif self.stat == MSG_DENIED:
            if self.reject_stat == RPC_MISMATCH:
                s = "MSG_DENIED RPC_MISMATCH low=%d high=%d" % (self.low,
                                                                self.high)
            elif self.reject_stat == AUTH_ERROR:
                s = "MSG_DENIED AUTH_ERROR %s" % AUTH_NAMES.get(
                    self.auth_stat, self.auth_stat)
            else:
                s = "MSG_DENIED reject_stat=%r" % self.reject_stat
        else:
            s = "reply_stat=%r" % self.stat
        return "<Reply xid=%#x %s>" % (self.xid or 0, s)


def parse_reply(data):
    """Decode a reply message.  Raises RpcError if it is not one."""
    u = Unpacker(data)
    r = Reply()
    r.raw = bytes(data)
    r.xid = u.uint()
    mtype = u.uint()
    if mtype != REPLY:
        raise RpcError("msg_type %d is not REPLY" % mtype)
    r.stat = u.uint()
    if r.stat == MSG_ACCEPTED:
        flavor = u.uint()
        r.verf = (flavor, u.opaque(400))
        r.accept_stat = u.uint()
        if r.accept_stat == PROG_MISMATCH:
            r.low, r.high = u.uint(), u.uint()
            u.done()
        elif r.accept_stat == SUCCESS:
            r.body = u.rest()
        else:
            u.done()
    elif r.stat == MSG_DENIED:
        r.reject_stat = u.uint()
        if r.reject_stat == RPC_MISMATCH:
            r.low, r.high = u.uint(), u.uint()
        elif r.reject_stat == AUTH_ERROR:
            r.auth_stat = u.uint()
        else:
            raise RpcError("reject_stat %d" % r.reject_stat)
        u.done()
    else:
        raise RpcError("reply_stat %d" % r.stat)
    return r


def record(payload, fragments=1):
    """Record-mark payload, split into `fragments` fragments (RFC 5531 s11)."""
    n = len(payload)
    fragments = max(1, min(fragments, n)) if n else 1
    cuts = [n * i // fragments for i in range(fragments + 1)]
    out = []
    for i in range(fragments):
        piece = payload[cuts[i]:cuts[i + 1]]
        mark = len(piece) | (LAST_FRAG if i == fragments - 1 else 0)
        out.append(struct.pack(">I", mark) + piece)
    return b"".join(out)


_xid = random.Random(os.getpid() ^ int(time.time() * 1000)).getrandbits(32)


def next_xid():
    global _xid
    _xid = (_xid + 1) & 0xFFFFFFFF
    return _xid


def _bind(sock, src_addr, src_port, reserved):
    """Bind to a source address and/or port; reserved picks one < 1024."""
    if src_addr is None and src_port is None and not reserved:
        return
    addr = src_addr or "0.0.0.0"
    if src_port is not None:
        sock.bind((addr, src_port))
        return
    if not reserved:
        sock.bind((addr, 0))
        return
    ports = list(range(600, 1024))
    random.shuffle(ports)
    last = None
    for port in ports:
        try:
            sock.bind((addr, port))
            return
        except OSError as e:
            last = e
    raise RpcError("no free reserved port on %s: %s" % (addr, last))


# ---------------------------------------------------------------- transports

class TcpClient:
    """An RPC client over one TCP connection with record marking."""

    def __init__(self, host="127.0.0.1", port=2049, src_addr=None,
                 src_port=None, reserved=False, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        try:
            _bind(self.sock, src_addr, src_port, reserved)
            self.sock.connect((host, port))
        except BaseException:
            self.sock.close()
            raise
        self.local = self.sock.getsockname()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_record(self, payload, fragments=1):
        self.sock.sendall(record(payload, fragments))

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError:
                raise ConnectionClosed("connection reset")
            except socket.timeout:
                raise RpcError("timeout after %.1fs waiting for reply"
                               % self.timeout)
            if not chunk:
                raise ConnectionClosed("connection closed by server")
            buf += chunk
        return bytes(buf)

    def recv_record(self, maxlen=1 << 24):
        out = bytearray()
        while True:
            mark = struct.unpack(">I", self._recv_exact(4))[0]
            size = mark & 0x7FFFFFFF
            if len(out) + size > maxlen:
                raise RpcError("reply fragment of %d bytes" % size)
            out += self._recv_exact(size)
            if mark & LAST_FRAG:
                return bytes(out)

    def call_raw(self, payload, fragments=1):
        """Send one call message; return the parsed reply."""
        self.send_record(payload, fragments)
        return parse_reply(self.recv_record())

    def call(self, prog, vers, proc, args=b"", cred=None, verf=None,
             rpcvers=RPC_VERS, xid=None):
        xid = next_xid() if xid is None else xid
        r = self.call_raw(build_call(xid, prog, vers, proc, args, cred,
                                     verf, rpcvers))
        if r.xid != xid:
            raise RpcError("reply xid %#x != call xid %#x" % (r.xid, xid))
        return r

    def wait_closed(self, timeout=5.0):
        """True if the server closes/resets within timeout (data ignored)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True


class UdpClient:
    """An RPC client over UDP: one datagram per call, no retransmission."""

    def __init__(self, host="127.0.0.1", port=2049, src_addr=None,
                 src_port=None, reserved=False, timeout=3.0):
        self.addr = (host, port)
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        try:
            _bind(self.sock, src_addr, src_port, reserved)
            self.sock.connect(self.addr)
        except BaseException:
            self.sock.close()
            raise
        self.local = self.sock.getsockname()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.send(data)

    def recv_datagram(self, timeout=None):
        """The next datagram, or None on timeout."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionRefusedError:
            raise RpcError("ICMP port unreachable (nothing on %s:%d)"
                           % self.addr)

    def call_raw(self, payload, timeout=None):
        """Send a datagram; the parsed reply, or None if none came."""
        self.send_raw(payload)
        data = self.recv_datagram(timeout)
        return None if data is None else parse_reply(data)

    def call(self, prog, vers, proc, args=b"", cred=None, verf=None,
             rpcvers=RPC_VERS, xid=None, timeout=None):
        xid = next_xid() if xid is None else xid
        self.send_raw(build_call(xid, prog, vers, proc, args, cred, verf,
                                 rpcvers))
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else timeout)
        while True:                      # skip stale replies to old xids
            left = deadline - time.monotonic()
            if left <= 0:
                raise RpcError("no UDP reply within timeout")
            data = self.recv_datagram(left)
            if data is None:
                raise RpcError("no UDP reply within timeout")
            r = parse_reply(data)
            if r.xid == xid:
                return r


def connect(proto, host, port, **kw):
    return (TcpClient if proto == "tcp" else UdpClient)(host, port, **kw)


# ---------------------------------------------------------------- NFS v3

def nfs3(client, proc, args, cred=None):
    """An NFSv3 call that must be accepted: an Unpacker on its result
    (status first); RpcError when the RPC itself failed."""
    r = client.call(NFS_PROG, 3, proc, args, cred or auth_sys())
    if not r.ok:
        raise RpcError("NFSv3 procedure %d: %r" % (proc, r))
    return Unpacker(r.body)


# ---------------------------------------------------------------- MOUNT v3

def _expect_ok(r, what):
    if not r.ok:
        raise RpcError("%s: %r" % (what, r))


def mnt(client, path, cred=None, vers=3):
    """MOUNTPROC3_MNT: (status, fhandle or None, [flavors])."""
    if cred is None:
        cred = auth_sys()
    r = client.call(MOUNT_PROG, vers, MOUNTPROC3_MNT,
                    Packer().string(path).get(), cred)
    _expect_ok(r, "MNT %s" % path)
    u = Unpacker(r.body)
    status = u.uint()
    if status != MNT3_OK:
        u.done()
        return status, None, []
    fh = u.opaque()
    flavors = [u.uint() for _ in range(u.uint())]
    u.done()
    return status, fh, flavors


def umnt(client, path, cred=None):
    """MOUNTPROC3_UMNT (void result)."""
    r = client.call(MOUNT_PROG, 3, MOUNTPROC3_UMNT,
                    Packer().string(path).get(), cred or auth_sys())
    _expect_ok(r, "UMNT %s" % path)
    Unpacker(r.body).done()


def umntall(client, cred=None):
    r = client.call(MOUNT_PROG, 3, MOUNTPROC3_UMNTALL, b"",
                    cred or auth_sys())
    _expect_ok(r, "UMNTALL")
    Unpacker(r.body).done()


def dump(client):
    """MOUNTPROC3_DUMP: [(hostname, directory)]."""
    r = client.call(MOUNT_PROG, 3, MOUNTPROC3_DUMP)
    _expect_ok(r, "DUMP")
    u = Unpacker(r.body)
    out = []
    while u.bool():
        host = u.string(255)
        d = u.string(1024)
        out.append((host, d))
    u.done()
    return out


def export(client):
    """MOUNTPROC3_EXPORT: [(directory, [group names])]."""
    r = client.call(MOUNT_PROG, 3, MOUNTPROC3_EXPORT)
    _expect_ok(r, "EXPORT")
    u = Unpacker(r.body)
    out = []
    while u.bool():
        d = u.string(1024)
        groups = []
        while u.bool():
            groups.append(u.string(255))
        out.append((d, groups))
    u.done()
    return out


def null_ok(proto, host, port, prog, vers, timeout=1.0):
    """True if prog/vers answers NULL with SUCCESS on host:port."""
    try:
        with connect(proto, host, port, timeout=timeout) as c:
            return c.call(prog, vers, 0).ok
    except (OSError, RpcError):
        return False


# ---------------------------------------------------------------- PMAP v2

def pmap_getport(client, prog, vers, proto="tcp"):
    """PMAPPROC_GETPORT: the port, 0 if not registered."""
    ipproto = 6 if proto == "tcp" else 17
    args = Packer().uint(prog).uint(vers).uint(ipproto).uint(0).get()
    r = client.call(PMAP_PROG, 2, 3, args)
    _expect_ok(r, "GETPORT")
    u = Unpacker(r.body)
    port = u.uint()
    u.done()
    return port


# ---------------------------------------------------------------- CLI

def _gone(pid):
    """Process PID has exited (a zombie counts as exited)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _ready(host, nfs_port, mount_port, pid, seconds, timeout):
    """The server's start-up wait in one process (a shell loop starting
    python for each of the four NULL calls costs a second or two per
    start on a busy machine): 0 ready, 3 PID exited, 1 out of time."""
    deadline = time.monotonic() + seconds
    while True:
        if _gone(pid):
            return 3
        if (null_ok("tcp", host, nfs_port, NFS_PROG, 3, timeout) and
                null_ok("tcp", host, mount_port, MOUNT_PROG, 3, timeout) and
                null_ok("udp", host, nfs_port, NFS_PROG, 3, timeout) and
                null_ok("udp", host, mount_port, MOUNT_PROG, 3, timeout)):
            return 0
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.02)


def _main(argv):
    """python3 rpc.py [--udp] [--src ADDR] [--resv] [--timeout S] CMD HOST PORT [ARGS]

    CMD: null PROG VERS, null-nfs, null-mount, mnt PATH, umnt PATH,
         umntall, dump, export; ready MOUNTPORT PID SECONDS (PORT is
         the NFS port): waits until NFS v3 and MOUNT v3 answer NULL on
         TCP and UDP, exit 0; 3 if process PID has exited, 1 if SECONDS
         have passed.
    Prints the result; exit 0 on success, 1 on a non-OK status or error.
    """
    import sys
    proto, src, resv, timeout = "tcp", None, False, 5.0
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--udp":
            proto = "udp"
        elif opt == "--src":
            src = args.pop(0)
        elif opt == "--resv":
            resv = True
        elif opt == "--timeout":
            timeout = float(args.pop(0))
        else:
            raise SystemExit("unknown option %s" % opt)
    if len(args) < 3:
        print(_main.__doc__, file=sys.stderr)
        return 2
    cmd, host, port = args[0], args[1], int(args[2])
    if cmd == "ready":
        return _ready(host, port, int(args[3]), int(args[4]),
                      float(args[5]), timeout)
    try:
        with connect(proto, host, port, src_addr=src, reserved=resv,
                     timeout=timeout) as c:
            if cmd == "null":
                r = c.call(int(args[3]), int(args[4]), 0)
                print(r)
                return 0 if r.ok else 1
            if cmd == "null-nfs":
                r = c.call(NFS_PROG, 3, 0)
                print(r)
                return 0 if r.ok else 1
            if cmd == "null-mount":
                r = c.call(MOUNT_PROG, 3, 0)
                print(r)
                return 0 if r.ok else 1
            if cmd == "mnt":
                st, fh, fl = mnt(c, args[3])
                print("status %d handle %s flavors %s"
                      % (st, fh.hex() if fh else "-", fl))
                return 0 if st == 0 else 1
            if cmd == "umnt":
                umnt(c, args[3])
                print("ok")
                return 0
            if cmd == "umntall":
                umntall(c)
                print("ok")
                return 0
            if cmd == "dump":
                for h, d in dump(c):
                    print("%s:%s" % (h, d))
                return 0
            if cmd == "export":
                for d, g in export(c):
                    print("%s %s" % (d, ",".join(g) or "(everyone)"))
                return 0
            print("unknown command %s" % cmd, file=sys.stderr)
            return 2
    except (OSError, RpcError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys
    sys.exit(_main(sys.argv[1:]))
