#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_rpcbind.sh - nfsd and rpcbind.
#
# Proves that nfsd
#  - registers NFS 100003 v3 and MOUNT 100005 v1 and v3, tcp and udp,
#    with the ports it serves (the defaults and ports given by -p/-m),
#    and answers NULL on every one of them (rpcinfo -t / -u);
#  - unregisters everything on SIGTERM and exits 0;
#  - registers nothing with -N;
#  - without -N and without rpcbind, fails with a clear error and a
#    non-zero status instead of running unreachable.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

mkfs_dir "$W/export"
write_file "$W/exports" <<EOF
$W/export -network 127.0.0.0/8
EOF

# check_registered NFSPORT MOUNTPORT: every mapping nfsd must register.
check_registered() {
	local np=$1 mp=$2 table proto v
	table=$(rpcinfo -p 127.0.0.1 2>&1)
	for proto in tcp udp; do
		expect_match "$table" "^ *100003 +3 +$proto +$np( |\$)" \
		    "rpcinfo -p lists NFS v3 $proto port $np"
		for v in 1 3; do
			expect_match "$table" \
			    "^ *100005 +$v +$proto +$mp( |\$)" \
			    "rpcinfo -p lists MOUNT v$v $proto port $mp"
		done
	done
}

# check_rpcinfo_null: rpcinfo -t/-u (port looked up in rpcbind) get
# an answer to NULL from NFS v3 and MOUNT v3 and v1.
check_rpcinfo_null() {
	local out rc flag pv
	for flag in -t -u; do
		for pv in "100003 3" "100005 3" "100005 1"; do
			# shellcheck disable=SC2086
			run_capture out rc timeout 10 rpcinfo $flag 127.0.0.1 $pv
			expect_eq "$rc" 0 "rpcinfo $flag 127.0.0.1 $pv succeeds"
			[ "$rc" = 0 ] || printf '%s\n' "$out" | show
		done
	done
}

# check_unregistered WHAT: rpcbind lists neither NFS nor MOUNT.
check_unregistered() {
	local table
	table=$(rpcinfo -p 127.0.0.1 2>&1)
	expect_no_match "$table" '^ *100003 ' "$1: rpcinfo -p lists no 100003"
	expect_no_match "$table" '^ *100005 ' "$1: rpcinfo -p lists no 100005"
}

say "== default ports: registration, NULL, unregistration on SIGTERM"
check_unregistered "before nfsd starts"
start_nfsd "$W/exports" "$W/state"
check_registered 2049 20048
check_rpcinfo_null
stop_nfsd
check_unregistered "after SIGTERM"

say "== ports given with -p/-m"
start_nfsd "$W/exports" "$W/state" -p 12049 -m 12048
check_registered 12049 12048
expect_no_match "$(rpcinfo -p 127.0.0.1)" '^ *10000[35] .* (2049|20048)$' \
    "no mapping points at the default ports"
check_rpcinfo_null
stop_nfsd
check_unregistered "after SIGTERM (-p/-m)"

say "== -N: serves, but registers nothing"
start_nfsd "$W/exports" "$W/state" -N
sleep 1		# give a wrong registration time to show up
check_unregistered "with -N"
expect_true "with -N, NFS NULL answered on tcp port 2049" \
    rpc_null tcp 2049 100003 3
expect_true "with -N, MOUNT NULL answered on udp port 20048" \
    rpc_null udp 20048 100005 3
stop_nfsd

say "== no rpcbind: nfsd without -N must fail clearly"
stop_rpcbind || fail "could not stop rpcbind for this sub-test"
log=$W/norpcbind.log
timeout 20 "$NFSD" -f -e "$W/exports" -s "$W/state" </dev/null >"$log" 2>&1 &&
    rc=0 || rc=$?
case $rc in
0)	soft_fail "nfsd without rpcbind exits non-zero" \
	    "it exited 0; log:"; show <"$log" ;;
124)	soft_fail "nfsd without rpcbind exits non-zero" \
	    "it was still running after 20 s (killed); log:"; show <"$log" ;;
*)	ok "nfsd without rpcbind exits non-zero (status $rc)" ;;
esac
IT_CHECKS=$((IT_CHECKS + 1))
expect_match "$(cat "$log")" '[Rr][Pp][Cc][Bb][Ii][Nn][Dd]|[Pp]ortmap|[Rr]egist' \
    "its error message mentions rpcbind/portmap/registration"
expect_true "it printed an error on stderr" test -s "$log"
expect_no_sanitizer "$(cat "$log")" "no sanitizer report in its output"

say "== rpcbind back: nfsd registers again"
start_rpcbind || fail "could not restart rpcbind"
start_nfsd "$W/exports" "$W/state"
check_registered 2049 20048
stop_nfsd
check_unregistered "after SIGTERM (second rpcbind)"

it_finish
