#!/usr/bin/env python3
"""
test_mount_acl.py - who may MNT what, over TCP and UDP.

Proves that MOUNT v3 MNT
  - grants an export to a client inside its -network/-mask (status 0, a
    handle of 1..64 bytes, AUTH_SYS among the flavours) and refuses a
    client outside it with MNT3ERR_ACCES (13);
  - answers MNT3ERR_NOENT (2) for a path that does not exist;
  - refuses a subdirectory unless the line has -alldirs, and grants it
    (with its own handle) when it has;
  - with -resvport, refuses a non-reserved source port and grants a
    reserved one;
  - gives the same handle for the same path after a restart with the
    same state dir.
Source addresses 127.0.1.5 / 127.0.2.5 are lo addresses (127.0.0.0/8).
"""

import sys

import itest
from itest import check, check_eq, log
import rpc

itest.require_namespace()
W = itest.Workdir()
D = W.mkfs("dir")                       # a mount point of its own
SUB = W.mkdir("dir", "sub")
MISSING = W.join("no-such-dir")
INSIDE, OUTSIDE = "127.0.1.5", "127.0.2.5"
MP = itest.MOUNT_PORT


def do_mnt(proto, path, src, reserved=False):
    """(status, handle, flavors), or ("rpc", Reply) if the call itself was
    rejected, or ("error", text) on a transport error."""
    try:
        with rpc.connect(proto, "127.0.0.1", MP, src_addr=src,
                         reserved=reserved) as c:
            try:
                return rpc.mnt(c, path)
            except rpc.RpcError as e:
                return ("error", str(e))
    except OSError as e:
        return ("error", "%s: %s" % (type(e).__name__, e))


def expect_granted(proto, path, src, what, reserved=False):
    r = do_mnt(proto, path, src, reserved)
    if not check(r[0] == 0, what, "status 0", r):
        return None
    fh, flavors = r[1], r[2]
    check(1 <= len(fh) <= 64, "%s: handle is 1..64 bytes" % what,
          "1..64", len(fh))
    check(rpc.AUTH_SYS in flavors, "%s: flavours include AUTH_SYS" % what,
          "contains 1", flavors)
    return fh


def expect_status(proto, path, src, status, what, reserved=False):
    r = do_mnt(proto, path, src, reserved)
    check(r[0] == status, what, "status %d" % status, r)
    return r


def expect_refused(proto, path, src, what, reserved=False):
    """Refused by MNT status or by an RPC-level AUTH_ERROR reply."""
    r = do_mnt(proto, path, src, reserved)
    refused = (isinstance(r[0], int) and r[0] != 0) or \
        (r[0] == "error" and "AUTH_ERROR" in r[1])
    check(refused, what, "a non-zero MNT status or AUTH_ERROR", r)
    return r


def restart(nfsd, exports_text):
    nfsd.stop()
    with open(nfsd.exports, "w") as f:
        f.write(exports_text)
    nfsd.start()


# ------------------------------------------------------------------ network
exports = W.write("exports", "%s -network 127.0.1.0 -mask 255.255.255.0\n" % D)
nfsd = itest.Nfsd(W, exports).start()

handles = {}
for proto in ("tcp", "udp"):
    log("== %s: -network 127.0.1.0 -mask 255.255.255.0" % proto)
    handles[proto] = expect_granted(proto, D, INSIDE,
                                    "%s MNT %s from %s granted"
                                    % (proto, D, INSIDE))
    expect_status(proto, D, OUTSIDE, rpc.MNT3ERR_ACCES,
                  "%s MNT from %s refused with MNT3ERR_ACCES"
                  % (proto, OUTSIDE))
    expect_status(proto, D, "127.0.0.1", rpc.MNT3ERR_ACCES,
                  "%s MNT from 127.0.0.1 refused with MNT3ERR_ACCES"
                  % proto)
    expect_status(proto, MISSING, INSIDE, rpc.MNT3ERR_NOENT,
                  "%s MNT of a missing path gets MNT3ERR_NOENT" % proto)
    expect_refused(proto, SUB, INSIDE,
                   "%s MNT of a subdirectory without -alldirs refused"
                   % proto)
if handles["tcp"] and handles["udp"]:
    check_eq(handles["udp"], handles["tcp"],
             "the same handle over TCP and UDP")

# ------------------------------------------------------------------ -alldirs
restart(nfsd, "%s -alldirs -network 127.0.1.0 -mask 255.255.255.0\n" % D)
for proto in ("tcp", "udp"):
    log("== %s: -alldirs" % proto)
    sub_fh = expect_granted(proto, SUB, INSIDE,
                            "%s MNT of subdirectory with -alldirs granted"
                            % proto)
    root_fh = expect_granted(proto, D, INSIDE,
                             "%s MNT of the export root with -alldirs "
                             "granted" % proto)
    if sub_fh and root_fh:
        check(sub_fh != root_fh, "%s subdirectory handle differs from the "
              "root's" % proto, "different", sub_fh.hex())
    expect_status(proto, SUB, OUTSIDE, rpc.MNT3ERR_ACCES,
                  "%s MNT of subdirectory from %s refused with ACCES"
                  % (proto, OUTSIDE))
    expect_status(proto, W.join("dir", "nope"), INSIDE, rpc.MNT3ERR_NOENT,
                  "%s MNT of a missing subdirectory gets NOENT" % proto)

# ------------------------------------------------------------------ -resvport
restart(nfsd, "%s -resvport -network 127.0.1.0/24\n" % D)
for proto in ("tcp", "udp"):
    log("== %s: -resvport" % proto)
    expect_refused(proto, D, INSIDE,
                   "%s MNT from a non-reserved port refused" % proto)
    expect_granted(proto, D, INSIDE,
                   "%s MNT from a reserved port (< 1024) granted" % proto,
                   reserved=True)
    expect_status(proto, D, OUTSIDE, rpc.MNT3ERR_ACCES,
                  "%s MNT from %s on a reserved port still refused (ACCES)"
                  % (proto, OUTSIDE), reserved=True)

# ------------------------------------------------------------------ restart
log("== handles are stable across a restart with the same state dir")
restart(nfsd, "%s -alldirs -network 127.0.1.0 -mask 255.255.255.0\n" % D)
before = (do_mnt("tcp", D, INSIDE), do_mnt("tcp", SUB, INSIDE))
restart(nfsd, "%s -alldirs -network 127.0.1.0 -mask 255.255.255.0\n" % D)
after = (do_mnt("tcp", D, INSIDE), do_mnt("tcp", SUB, INSIDE))
for name, b, a in (("export root", before[0], after[0]),
                   ("subdirectory", before[1], after[1])):
    if check(b[0] == 0 and a[0] == 0, "%s granted before and after restart"
             % name, "status 0 twice", (b, a)):
        check_eq(a[1].hex(), b[1].hex(),
                 "%s handle identical after restart" % name)
if handles["tcp"] and after[0][0] == 0:
    check_eq(after[0][1].hex(), handles["tcp"].hex(),
             "root handle identical to the first run's (other options)")

nfsd.stop()
itest.finish()
