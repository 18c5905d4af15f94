#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_tshark.sh - Wireshark's dissectors on our own traffic.
#
# Run by tests/integration/run.sh.  Captures, with tshark on lo and a
# capture filter on this test's own ports (NFS 12049, MOUNT 12048), one
# full run of the libnfs conformance client (nfs3_conform: every NFSv3
# procedure and its error cases, see test_conform.sh) against nfsd on a
# read-write, a read-only and a root-squashing export, then checks the
# capture with tshark (kernel/pcap_check.py):
#  - no malformed packet;
#  - no expert info of severity error, and none of severity warning
#    from the RPC, NFS or MOUNT dissectors (Wireshark 4.0 flags no
#    NFS/MOUNT error-status reply, so the NOENT, EXIST, ROFS, ... the
#    conformance client asks for on purpose need no excuse);
#  - every RPC call has its reply, and every reply its call;
#  - NFS and MOUNT traffic was decoded at all (the dissectors found
#    the programs on our non-standard ports).
# TCP's own expert infos (window full, zero window, D-SACK: flow
# control of 1 MiB READs over loopback; RST: libnfs resets its
# connections when it closes them) are printed but not counted: they
# are not about RPC.  A segment missing from the capture is counted.
# Then the checker itself is checked on doctored captures: frames
# written out of time order, segments delivered out of order, a
# missing segment, a malformed call.
set -eu
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
it_setup

CONFORM=${INTEROP_BIN:-build/interop}/nfs3_conform
PCAP_CHECK=$IT_DIR/../interop/kernel/pcap_check.py
NFS_P=12049
MOUNT_P=12048

[ -x "$CONFORM" ] || fail "no $CONFORM (make builds it with nfsd)"
command -v tshark >/dev/null || fail "tshark is not installed (make deps)"

mount_tmpfs "$W/rw" 128m
mount_tmpfs "$W/ro" 4m
printf 'read only data\n' >"$W/ro/file"
mkdir "$W/ro/dir"
mount_tmpfs "$W/sq" 4m
printf 'root only\n' >"$W/sq/rootfile"
chmod 0600 "$W/sq/rootfile"
printf 'for 1234 only\n' >"$W/sq/secret"
chown 1234:1234 "$W/sq/secret"
chmod 0600 "$W/sq/secret"
mkdir "$W/sq/pub"
chmod 0777 "$W/sq/pub"
write_file "$W/exports" <<EOF2
$W/rw -maproot=root -network 127.0.0.0/8
$W/ro -ro -maproot=root -network 127.0.0.0/8
$W/sq -network 127.0.0.0/8
EOF2
start_nfsd "$W/exports" "$W/state" -N -p "$NFS_P" -m "$MOUNT_P"

# The conformance runs, as test_conform.sh makes them, in one capture.
cat >"$W/runs.sh" <<EOF2
set -e
"$CONFORM" -p $NFS_P -m $MOUNT_P -u 0 -g 0 127.0.0.1 "$W/rw"
"$CONFORM" -p $NFS_P -m $MOUNT_P -u 0 -g 0 127.0.0.1 "$W/ro" ro
"$CONFORM" -p $NFS_P -m $MOUNT_P -u 0 -g 0 127.0.0.1 "$W/sq" squash
"$CONFORM" -p $NFS_P -m $MOUNT_P -u 1000 -g 1000 127.0.0.1 "$W/sq" other
EOF2
# A capture that lost packets (a busy machine) proves nothing: once
# more then (pcap_check.py capture exits 3).
for attempt in 1 2; do
	say "== nfs3_conform under dumpcap -i lo -f 'port $NFS_P or port $MOUNT_P'"
	rm -rf "${W:?}/rw/"*
	run_capture CF_OUT CF_RC timeout 200 python3 "$PCAP_CHECK" capture \
	    "$W/conform.pcapng" "$NFS_P" "$MOUNT_P" -- bash "$W/runs.sh"
	printf '%s\n' "$CF_OUT" | grep -E '^(FAIL|ok|PASS|capture:)' |
	    tail -n 5 | show
	[ "$CF_RC" = 3 ] || break
	say "  (the capture dropped packets: attempt $attempt of 2)"
done
expect_eq "$CF_RC" 0 "nfs3_conform passes while captured, no packet dropped"

say "== the capture, as tshark's dissectors see it"
run_capture PC_OUT PC_RC timeout 300 python3 "$PCAP_CHECK" check \
    "$W/conform.pcapng"
printf '%s\n' "$PC_OUT" | show
expect_eq "$PC_RC" 0 "no malformed packet, no RPC/NFS/MOUNT expert warning or error, every call answered"
expect_match "$PC_OUT" ' [1-9][0-9]* NFS and [1-9][0-9]* MOUNT frames' \
    "NFS and MOUNT were decoded on our ports"

# capture_python NAME SCRIPT: run the python SCRIPT under a capture of
# the NFS port into $W/NAME.pcapng (exit status in CAP_RC, output in
# CAP_OUT), then check that capture (CHK_RC, CHK_OUT, shown).
capture_python() {
	run_capture CAP_OUT CAP_RC timeout 60 python3 "$PCAP_CHECK" capture \
	    "$W/$1.pcapng" "$NFS_P" -- python3 -c "$2"
	run_capture CHK_OUT CHK_RC timeout 60 python3 "$PCAP_CHECK" check \
	    "$W/$1.pcapng"
	printf '%s\n' "$CHK_OUT" | show
}

say "== a client on a low port another dissector claims (TWAMP's 862, ...)"
# Reserved source ports are the rule for NFS clients; tshark must still
# see RPC there, not whatever protocol owns the lower port number.  An
# earlier client of the suite may hold a port in TIME_WAIT: the first
# of these well-known ports that binds is used.
capture_python low "
import sys
sys.path.insert(0, '$IT_DIR')
import rpc
for port in (862, 873, 646, 631, 554):
    try:
        c = rpc.TcpClient(port=$NFS_P, src_port=port)
        break
    except OSError:
        continue
print('client port', port)
with c:
    for _ in range(20):
        assert c.call(rpc.NFS_PROG, 3, 0).ok"
expect_eq "$CAP_RC" 0 "20 NULL calls from a well-known low port captured"
printf '%s\n' "$CAP_OUT" | grep -E '^client port|Error|error' | show
expect_eq "$CHK_RC" 0 "calls from that port decode as RPC: nothing malformed"
expect_match "$CHK_OUT" ' 20 RPC calls, 20 replies' \
    "all 20 calls and replies decoded as RPC"

say "== the check itself: frames captured out of order"
# dumpcap on lo takes packets from both CPUs: now and then a segment is
# written after the one that followed it (seen in a CI run: a 1 MiB
# READ reply then went unreassembled, its call "without its reply").
# And lo itself can deliver two segments of one stream swapped.  The
# checker must cope with both.  The low-port capture, with the client's
# first two calls swapped in the file; and without its second call,
# which must not pass as a capture of 19 calls.
editcap -F pcap "$W/low.pcapng" "$W/low.pcap"
run_capture SW_OUT SW_RC python3 -c "
import struct
data = open('$W/low.pcap', 'rb').read()
recs, off = [], 24
while off < len(data):
    n = struct.unpack_from('<I', data, off + 8)[0]
    recs.append(data[off:off + 16 + n])
    off += 16 + n
def flow(r):            # ((sport, dport), TCP payload bytes); Ethernet
    ip = r[30:]
    ihl = (ip[0] & 15) * 4
    tcp = ip[ihl:]
    return tcp[:4], struct.unpack_from('>H', ip, 2)[0] - ihl - \\
        (tcp[12] >> 4) * 4
calls = [i for i, r in enumerate(recs) if flow(r)[1] and
         flow(r)[0] == flow(recs[0])[0]]
i, j = calls[0], calls[1]
def save(name, rs):
    open('$W/' + name, 'wb').write(data[:24] + b''.join(rs))
save('gap.pcap', recs[:j] + recs[j + 1:])
rs = list(recs)
rs[i], rs[j] = rs[j], rs[i]
save('swapped.pcap', rs)           # each keeps its time: file out of order
def piece(r, start, end):  # bytes [start, end) of r's TCP payload
    ip = r[30:]
    ihl = (ip[0] & 15) * 4
    hl = ihl + (ip[ihl + 12] >> 4) * 4
    n = hl + end - start
    seq = struct.unpack_from('>I', ip, ihl + 4)[0] + start
    return (r[:8] + struct.pack('<II', n + 14, n + 14) + r[16:32] +
            struct.pack('>H', n) + ip[4:ihl + 4] + struct.pack('>I', seq) +
            ip[ihl + 8:hl] + ip[hl + start:hl + end])
half = flow(recs[i])[1] // 2
save('ooo.pcap', recs[:i] + [piece(recs[i], half, 2 * half),
                             piece(recs[i], 0, half)] + recs[i + 1:])
print('swapped frames', i + 1, 'and', j + 1)"
printf '%s\n' "$SW_OUT" | show
expect_contains "$SW_OUT" "swapped frames" "the first two calls swapped in the file"
run_capture CHK_OUT CHK_RC timeout 60 python3 "$PCAP_CHECK" check \
    "$W/swapped.pcap"
printf '%s\n' "$CHK_OUT" | show
expect_eq "$CHK_RC" 0 "the checker finds nothing wrong in the swapped capture"
expect_match "$CHK_OUT" ' 20 RPC calls, 20 replies, .* 0 messages unpaired' \
    "and still decodes all 20 calls and replies"
# The first call in two segments, the second half first: as lo can
# deliver them (one sender on two CPUs).
run_capture CHK_OUT CHK_RC timeout 60 python3 "$PCAP_CHECK" check \
    "$W/ooo.pcap"
printf '%s\n' "$CHK_OUT" | show
expect_eq "$CHK_RC" 0 "the checker reassembles segments that came out of order"
expect_match "$CHK_OUT" ' 20 RPC calls, 20 replies, .* 0 messages unpaired' \
    "and decodes all 20 calls and replies there too"
# The same capture without the second call: a gap, not a clean pass.
run_capture CHK_OUT CHK_RC timeout 60 python3 "$PCAP_CHECK" check \
    "$W/gap.pcap"
printf '%s\n' "$CHK_OUT" | show
expect_eq "$CHK_RC" 1 "the checker fails a capture missing a call's segment"
expect_contains "$CHK_OUT" "PROBLEM TCP stream 0: 1 segments not captured" \
    "and says a segment was not captured"

say "== the check itself: a truncated NFS call must be reported"
# GETATTR over UDP whose file handle claims 64 bytes and carries 4.
capture_python bad "
import socket, struct, time
msg = struct.pack('>11I', 7, 0, 2, 100003, 3, 1, 0, 0, 0, 0, 64) + b'abcd'
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    msg, ('127.0.0.1', $NFS_P))
time.sleep(0.5)"
expect_eq "$CHK_RC" 1 "the checker fails a capture with a malformed call"
expect_contains "$CHK_OUT" "malformed packet" "and names the malformed packet"

expect_true "nfsd is still running" nfsd_alive
stop_nfsd
it_finish
