#!/bin/bash
# test_responder_smoke.sh - bench/floor's responder (the transport floor)
# answers RPC over TCP correctly, driven by tests/integration/rpc.py,
# libnfs's nfs-ls and, when it is built, nfsbench.
#
# Proves that
#  - NULL (NFS, MOUNT, any program) gets an empty SUCCESS; GETATTR a
#    NFS3_OK with a whole fattr3 (a directory for the root handle MNT
#    gives, a regular file for the handle LOOKUP gives); MNT a handle
#    and AUTH_UNIX; ACCESS grants what was asked; an unknown program's
#    other procedures PROG_UNAVAIL, NFS v2 PROG_MISMATCH 3..3, RPC
#    version 3 MSG_DENIED RPC_MISMATCH;
#  - record marking: two calls in one segment, a call split across many
#    writes (even inside the record mark), a call in several fragments,
#    a 200 KiB call (only its head kept), 3,000 calls pipelined in one
#    go: every reply, in order, with its xid; a record longer than the
#    responder's limit closes the connection;
#  - nfs-ls mounts it (MNT, FSINFO, ... on one port);
#  - nfsbench -w null,getattr against it: no errors, every op done;
#  - SIGTERM stops it cleanly (exit 0, its count of calls), no
#    sanitizer report.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

BIN=${CLIENT_BUILD:-build}/bench
RSP=$BIN/responder
[ -x "$RSP" ] || fail "no $RSP (make BUILD=... bench-build builds it)"

"$RSP" -t 2 >"$W/rsp.out" 2>"$W/rsp.err" &
RSP_PID=$!
IT_PIDS+=("$RSP_PID")
PORT=
for _ in $(seq 50); do
	PORT=$(sed -n 's/^responder: listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' \
	    "$W/rsp.out")
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || fail "the responder did not say its port: $(cat "$W/rsp.err")"
ok "listening on port $PORT"

# The wire checks: one line "ok ..." per check, "FAIL ..." and exit 1.
python3 - "$PORT" >"$W/py.out" 2>&1 <<'EOF' && RC=0 || RC=$?
import socket, struct, sys, time
import rpc
from rpc import TcpClient, Packer, Unpacker, NFS_PROG, MOUNT_PROG

port = int(sys.argv[1])
fails = 0

def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1

def fattr_type(body):
    u = Unpacker(body)
    status, ftype = u.uint(), u.uint()
    return status, ftype, len(body)

c = TcpClient("127.0.0.1", port)
r = c.call(NFS_PROG, 3, 0)
check(r.ok and r.body == b"", "NFS NULL: empty SUCCESS")
r = c.call(MOUNT_PROG, 3, 0)
check(r.ok and r.body == b"", "MOUNT NULL: empty SUCCESS")
r = c.call(400123, 7, 0)
check(r.ok and r.body == b"", "NULL of any program: empty SUCCESS")
r = c.call(400123, 7, 1)
check(r.accept_stat == rpc.PROG_UNAVAIL, "other program's proc: PROG_UNAVAIL")
r = c.call(NFS_PROG, 2, 1)
check(r.accept_stat == rpc.PROG_MISMATCH and (r.low, r.high) == (3, 3),
      "NFS v2: PROG_MISMATCH 3..3")
r = c.call(NFS_PROG, 3, 0, rpcvers=3)
check(r.stat == rpc.MSG_DENIED and r.reject_stat == rpc.RPC_MISMATCH,
      "RPC version 3: MSG_DENIED RPC_MISMATCH")

status, root, flavors = rpc.mnt(c, "/x")
check(status == 0 and 0 < len(root) <= 64 and flavors == [rpc.AUTH_SYS],
      "MNT: a handle and AUTH_UNIX")
cred = rpc.auth_sys()
r = c.call(NFS_PROG, 3, 1, Packer().opaque(root).get(), cred)
st, ftype, n = fattr_type(r.body)
check(r.ok and st == 0 and ftype == 2 and n == 4 + 84,
      "GETATTR of the root: NFS3_OK, a directory's fattr3")
r = c.call(NFS_PROG, 3, 3, Packer().opaque(root).string("attr").get(), cred)
u = Unpacker(r.body)
check(r.ok and u.uint() == 0, "LOOKUP: NFS3_OK")
fh = u.opaque(64)
r = c.call(NFS_PROG, 3, 1, Packer().opaque(fh).get(), cred)
st, ftype, n = fattr_type(r.body)
check(r.ok and st == 0 and ftype == 1 and n == 88,
      "GETATTR of that handle: a regular file")
r = c.call(NFS_PROG, 3, 4, Packer().opaque(root).uint(0x0d).get(), cred)
u = Unpacker(r.body)
check(r.ok and u.uint() == 0 and u.uint() == 0 and u.uint() == 0x0d,
      "ACCESS grants the bits asked for")
for proc, name in ((19, "FSINFO"), (20, "PATHCONF"), (18, "FSSTAT")):
    r = c.call(NFS_PROG, 3, proc, Packer().opaque(root).get(), cred)
    check(r.ok and Unpacker(r.body).uint() == 0, name + ": NFS3_OK")

def call_bytes(xid, proc=0):
    return rpc.build_call(xid, NFS_PROG, 3, proc)

def replies(cl, xids):
    got = []
    for _ in xids:
        got.append(rpc.parse_reply(cl.recv_record()).xid)
    return got

# Two calls in one segment.
c.send_raw(rpc.record(call_bytes(101)) + rpc.record(call_bytes(102)))
check(replies(c, [101, 102]) == [101, 102], "two calls in one segment")

# One call dribbled out a few bytes at a time (record mark split too).
data = rpc.record(call_bytes(103), fragments=2)
for i in range(0, len(data), 3):
    c.send_raw(data[i:i + 3])
    time.sleep(0.01)
check(replies(c, [103]) == [103], "a call split across %d writes"
      % ((len(data) + 2) // 3))

# Several fragments, and a big call of which only the head matters.
c.send_record(call_bytes(104), fragments=5)
big = call_bytes(105, 0) + b"\0" * (200 * 1024)
c.send_raw(rpc.record(big, fragments=7))
c.sock.settimeout(10)
check(replies(c, [104, 105]) == [104, 105],
      "a 5-fragment call and a 200 KiB 7-fragment call")

# Many calls pipelined in one go: every reply, in order.
xids = list(range(1000, 4000))
c.send_raw(b"".join(rpc.record(call_bytes(x)) for x in xids))
check(replies(c, xids) == xids, "3,000 pipelined calls, replies in order")
r = c.call(NFS_PROG, 3, 0)
check(r.ok, "the connection still works")
c.close()

# A record over the limit: the responder hangs up.
c = TcpClient("127.0.0.1", port)
c.send_raw(struct.pack(">I", 0x7fffffff) + b"x" * 64)
check(c.wait_closed(5.0), "an oversized record closes the connection")
c.close()
sys.exit(1 if fails else 0)
EOF
sed 's/^/  /' "$W/py.out"
expect_eq "$RC" 0 "the wire checks (rpc.py) all pass"

URL="nfs://127.0.0.1/x?version=3&nfsport=$PORT&mountport=$PORT"
expect_true "nfs-ls mounts it and lists the (empty) root" \
    timeout 10 nfs-ls "$URL"

NB=$BIN/nfsbench
if [ -x "$NB" ]; then
	out=$(timeout 30 "$NB" -p "$PORT" -m "$PORT" -w null,getattr -c 2 \
	    -d 4 -n 2000 -W 0 -q 127.0.0.1:/x 2>"$W/nb.err") || :
	for wl in null getattr; do
		expect_match "$out" "^RESULT tool=nfsbench .*workload=$wl conns=2 depth=4 ops=2000 errors=0 " \
		    "nfsbench $wl against the responder: 2000 ops, no errors"
	done
	expect_no_sanitizer "$(cat "$W/nb.err")" "nfsbench: no sanitizer report"
else
	say "  (no $NB: nfsbench part skipped)"
fi

kill -TERM "$RSP_PID"
RC=0
wait "$RSP_PID" || RC=$?
expect_eq "$RC" 0 "SIGTERM: the responder exits 0"
expect_match "$(cat "$W/rsp.err")" "^responder: [0-9]+ calls answered" \
    "it reports the calls it answered"
expect_no_sanitizer "$(cat "$W/rsp.err")" "responder: no sanitizer report"

it_finish
