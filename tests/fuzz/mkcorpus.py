#!/usr/bin/env python3
"""mkcorpus.py - write the seed corpora of the libFuzzer harnesses into
tests/fuzz/corpus/<harness>/ and the exports dictionary, from small
hand-made valid inputs (and a few near misses).  Rerun after changing
it; the files are committed so that `make fuzz` needs no Python.

    python3 tests/fuzz/mkcorpus.py [OUTDIR]     (default: beside this)
"""
import os
import shutil
import struct
import sys

NFS_PROG, MOUNT_PROG = 100003, 100005
AUTH_NONE, AUTH_SYS = 0, 1
# fuzz_args.c: first byte = version << 5 | procedure.
V_NFS3, V_MOUNT1, V_MOUNT3 = 0, 1, 3


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v)


def opaque(b):
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


def string(s):
    return opaque(s.encode())


def fixed(b):
    return b + b"\0" * (-len(b) % 4)


# RPC call headers (RFC 5531).

def auth_none():
    return u32(AUTH_NONE) + opaque(b"")


def auth_sys(machine="client.example", uid=1000, gid=1000, gids=(1000,)):
    body = (u32(0x5eed) + string(machine) + u32(uid) + u32(gid) +
            u32(len(gids)) + b"".join(u32(g) for g in gids))
    return u32(AUTH_SYS) + opaque(body)


def call(xid, prog, vers, proc, cred=None, args=b"", rpcvers=2):
    return (u32(xid) + u32(0) + u32(rpcvers) + u32(prog) + u32(vers) +
            u32(proc) + (cred if cred is not None else auth_none()) +
            auth_none() + args)


# Record marking: fragments, the last one flagged.

def frag(data, last=True):
    return u32(len(data) | (0x80000000 if last else 0)) + data


def record(data, nfrags=1):
    step = max(1, -(-len(data) // nfrags))
    parts = [data[i:i + step] for i in range(0, len(data), step)] or [b""]
    return b"".join(frag(p, i == len(parts) - 1) for i, p in enumerate(parts))


# NFSv3 arguments (RFC 1813).

FH = opaque(bytes(range(1, 29)))        # a 28-byte handle
FH2 = opaque(bytes(range(101, 133)))


def sattr(mode=None, uid=None, gid=None, size=None, atime=0, mtime=0):
    def opt(v, enc):
        return u32(0) if v is None else u32(1) + enc(v)

    def when(how):      # 0 DONT_CHANGE, 1 SERVER, 2 CLIENT (+ nfstime3)
        return u32(how) + (u32(1700000000) + u32(5) if how == 2 else b"")
    return (opt(mode, u32) + opt(uid, u32) + opt(gid, u32) +
            opt(size, u64) + when(atime) + when(mtime))


def dirop(name, fh=FH):
    return fh + string(name)


VERF = fixed(b"verf0001")

NFS3_ARGS = {
    "getattr": (1, FH),
    "setattr": (2, FH + sattr(mode=0o644, size=0, atime=1, mtime=2) +
                u32(1) + u32(1700000000) + u32(0)),
    "setattr_noguard": (2, FH + sattr(uid=1000, gid=1000) + u32(0)),
    "lookup": (3, dirop("cur")),
    "lookup_dotdot": (3, dirop("..")),
    "access": (4, FH + u32(0x3f)),
    "readlink": (5, FH),
    "read": (6, FH + u64(0) + u32(4096)),
    "write": (7, FH + u64(8192) + u32(11) + u32(2) +
              opaque(b"hello, mail")),
    "write_unstable": (7, FH + u64(0) + u32(0) + u32(0) + opaque(b"")),
    "create_unchecked": (8, dirop("1700000000.M1P2.mx") + u32(0) +
                         sattr(mode=0o600)),
    "create_guarded": (8, dirop("tmpfile") + u32(1) + sattr(mode=0o600,
                                                            size=0)),
    "create_exclusive": (8, dirop("excl") + u32(2) + VERF),
    "mkdir": (9, dirop("new") + sattr(mode=0o700)),
    "symlink": (10, dirop("link") + sattr() + string("../cur/target")),
    "mknod_chr": (11, dirop("dev") + u32(4) + sattr(mode=0o600) +
                  u32(1) + u32(3)),
    "mknod_fifo": (11, dirop("fifo") + u32(7) + sattr(mode=0o600)),
    "mknod_reg": (11, dirop("reg") + u32(1)),
    "remove": (12, dirop("1700000000.M1P2.mx")),
    "rmdir": (13, dirop("new")),
    "rename": (14, dirop("1700000000.M1P2.mx") +
               dirop("1700000000.M1P2.mx:2,S", FH2)),
    "link": (15, FH + dirop("hardlink", FH2)),
    "readdir": (16, FH + u64(0) + fixed(bytes(8)) + u32(4096)),
    "readdirplus": (17, FH + u64(3) + VERF + u32(1024) + u32(8192)),
    "fsstat": (18, FH),
    "fsinfo": (19, FH),
    "pathconf": (20, FH),
    "commit": (21, FH + u64(0) + u32(0)),
}

MOUNT_ARGS = {
    "mnt": (V_MOUNT3, 1, string("/usr/mail1")),
    "umnt": (V_MOUNT3, 3, string("/usr/mail1")),
    "umnt_v1": (V_MOUNT1, 3, string("/usr/mail2")),
    "export": (V_MOUNT3, 5, b""),
}


def records():
    null = call(1, NFS_PROG, 3, 0)
    getattr_ = call(2, NFS_PROG, 3, 1, auth_sys(), FH)
    mnt = call(3, MOUNT_PROG, 3, 1, auth_sys(), string("/usr/mail1"))
    # First byte: the read size of the split feed, 1 + b % 16.
    return {
        "null": b"\x00" + record(null),
        "getattr_3frags": b"\x03" + record(getattr_, 3),
        "two_records": b"\x07" + record(null) + record(mnt),
        "empty_frag_first": b"\x01" + frag(b"", False) + record(null),
        "empty_record": b"\x02" + frag(b"") + record(null),
        "toobig": b"\x05" + u32(0x80000000 | 2048) + bytes(16),
        "partial": b"\x0b" + record(getattr_)[:30],
        "write_big": b"\x0f" + record(call(4, NFS_PROG, 3, 7, auth_sys(),
                                           NFS3_ARGS["write"][1]), 4),
    }


def callhdrs():
    gids16 = tuple(range(100, 116))
    return {
        "null_none": call(1, NFS_PROG, 3, 0),
        "getattr_sys": call(2, NFS_PROG, 3, 1, auth_sys(), FH),
        "sys_16gids": call(3, NFS_PROG, 3, 4, auth_sys("mx1", 0, 0, gids16),
                           FH + u32(0x3f)),
        "sys_no_gids": call(4, MOUNT_PROG, 3, 1, auth_sys("", 0, 0, ()),
                            string("/")),
        "sys_long_machine": call(5, NFS_PROG, 3, 0, auth_sys("m" * 255)),
        "rpcvers3": call(6, NFS_PROG, 3, 0, rpcvers=3),
        "reply": u32(7) + u32(1) + u32(0),
        "auth_dh": call(8, NFS_PROG, 3, 0, u32(3) + opaque(bytes(12))),
        "authsys_body": auth_sys()[8:],
    }


def args():
    out = {}
    for name, (proc, data) in NFS3_ARGS.items():
        out["nfs3_" + name] = bytes([V_NFS3 << 5 | proc]) + data
    for name, (vers, proc, data) in MOUNT_ARGS.items():
        out["mount_" + name] = bytes([vers << 5 | proc]) + data
    return out


EXPORTS = {
    "readme": """# /etc/exports
/usr -network 84.201.31.0 -mask 255.255.255.0
/var -maproot=root -network 84.201.31.0/24
/var -ro 10.0.0.7 127.0.0.1
""",
    "world": "/tmp\n",
    "options": "/tmp -alldirs -resvport -sec=sys -fsid=7 -mapall=nobody\n",
    "maproot_groups": "/tmp -maproot=0:0:5:27 127.0.0.1 ::1\n",
    "ipv6": "/tmp -network fd00::/8\n/usr -network ::ffff:10.0.0.0/104\n",
    "classful": "/tmp -network 10.0.0.0\n/usr -o -network 172.16.0.0\n",
    "continued": '/tmp \\\n  -ro \\\n  127.0.0.1 # the host\n"/usr" -o\n',
    "two_paths": "/tmp /usr -ro -network=192.168.1.0/24\n",
    "numeric_host": "/tmp 127.1 0x7f000001\n",
    "nested": "/ -ro\n/tmp\n",
    "error_option": "/tmp -frobnicate\n",
    "error_quote": '/tmp "127.0.0.1\n',
    # Past EXPORT_MAX_LINE (8192): one line, and one joined by '\'.
    "long_line": "/tmp " + "10.0.0.1 " * 920 + "\n",
    "long_continued": "/tmp \\\n" + "  -ro \\\n" * 1400 + "\n",
}

DICT = ["-ro", "-o", "-alldirs", "-resvport", "-sec=sys", "-sec=", "sys",
        "-fsid=", "-maproot=", "-mapall=", "root", "nobody", "nogroup",
        "-network", "-network=", "-mask", "255.255.255.0", "/24", "/104",
        "::ffff:", "::1", "127.0.0.1", "10.0.0.0", "fd00::", "/tmp", "/usr",
        "/var", "/", "#", "\\\n", "\\\r\n", "\"", ":", "-2", " ", "\n"]


def write_dir(path, files):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(files.items()):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


def dict_entry(s):
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else
                         "\\x%02x" % ord(c) for c in s) + '"'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else here
    corpus = os.path.join(out, "corpus")
    write_dir(os.path.join(corpus, "record"), records())
    write_dir(os.path.join(corpus, "callhdr"), callhdrs())
    write_dir(os.path.join(corpus, "args"), args())
    write_dir(os.path.join(corpus, "exports"), EXPORTS)
    with open(os.path.join(out, "exports.dict"), "w") as f:
        f.write("# exports(5) words for fuzz_exports (mkcorpus.py)\n")
        for w in DICT:
            f.write(dict_entry(w) + "\n")
    n = sum(len(os.listdir(os.path.join(corpus, d))) for d in
            os.listdir(corpus))
    print("mkcorpus: %d seeds in %s" % (n, corpus))


if __name__ == "__main__":
    main()
