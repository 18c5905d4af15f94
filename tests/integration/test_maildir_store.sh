#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_maildir_store.sh - the Maildir store (clients/maildir) over NFS,
# through the project's own NFSv3 client, against a running nfsd.
#
# Proves that
#  - maildir_create, as the admin host's root (-maproot=root), makes
#    12/34/tevie/Maildir/{tmp,new,cur} owned by the user, mode 0700;
#  - as that user, 300 deliveries land in new/ owned by the user, and
#    list, read back (byte for byte), TOP, mark seen (new/ -> cur/ with
#    :2,S) and delete all work;
#  - the mailbox can be neither written nor listed with another user's
#    credentials, and nothing appears in it from trying;
#  - an nfsd restart (same -s state dir) half-way through a delivery
#    run loses and doubles nothing, and leaves nothing behind in tmp/.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

C=${CTEST_BIN:-build/ctest}/maildir_check
[ -x "$C" ] || fail "no test program $C (make all builds it)"

mkdir -p "$W/mail" "$W/pause"
chmod 755 "$W/mail"
write_file "$W/exports" <<EOF
$W/mail -maproot=root 127.0.0.1
EOF
STATE=$W/state
URL=nfs://127.0.0.1$W/mail
N=300
N2=120	# message 100, where the run pauses, is a big one

# check NAME ARGS...: run the program, show its output, expect status 0.
check() {
	local what=$1
	shift
	run_capture out rc timeout 100 "$C" "$@"
	printf '%s\n' "$out" | show
	expect_eq "$rc" 0 "$what"
	expect_no_sanitizer "$out" "no sanitizer report ($what)"
}

# files DIR: how many entries DIR has.
files() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

start_nfsd "$W/exports" "$STATE"

say "== provisioning as root"
check "maildir_create 12/34/tevie for 2001" create "$URL" 12/34/tevie 2001 2001
check "maildir_create 56/78/golde for 2002" create "$URL" 56/78/golde 2002 2002
for d in "" /Maildir /Maildir/tmp /Maildir/new /Maildir/cur; do
	expect_eq "$(stat -c '%u:%g %a' "$W/mail/12/34/tevie$d")" \
	    "2001:2001 700" \
	    "12/34/tevie$d is 2001:2001 mode 700"
done
expect_eq "$(stat -c '%u %a' "$W/mail/12/34")" "0 755" \
    "the parent 12/34 is root's, mode 755"

say "== $N deliveries as 2001, read back, TOP"
check "deliver $N messages" deliver "$URL" 12/34/tevie 2001 2001 $N
expect_eq "$(files "$W/mail/12/34/tevie/Maildir/new")" $N "$N files in new/"
expect_eq "$(files "$W/mail/12/34/tevie/Maildir/tmp")" 0 "tmp/ is empty"
expect_eq "$(find "$W/mail/12/34/tevie/Maildir/new" -type f ! -user 2001 |
    wc -l)" 0 "every message is owned by 2001"
expect_eq "$(find "$W/mail/12/34/tevie/Maildir/new" -type f \
    ! -name '*.M*P*Q*.*,S=*,W=*' | wc -l)" 0 \
    "every name is time.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<CRLF size>"
check "verify: all $N read back and TOP right" verify "$URL" 12/34/tevie \
    2001 2001 $N
expect_contains "$out" "listed $N, bad 0, lost 0, doubled 0" \
    "each of the $N messages listed once, identical"

say "== another user's credentials"
run_capture out rc timeout 100 "$C" deny "$URL" 12/34/tevie 2002 2002
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "2002 can neither deliver to nor list 2001's mailbox"
expect_contains "$out" "MAILDIR_EPERM" "the refusal is a permission error"
expect_eq "$(files "$W/mail/12/34/tevie/Maildir/new")" $N \
    "new/ still holds exactly $N"
expect_eq "$(files "$W/mail/12/34/tevie/Maildir/tmp")" 0 "tmp/ still empty"

say "== mark seen, delete"
check "mark all seen, then delete all" seen-delete "$URL" 12/34/tevie 2001 2001
expect_contains "$out" "seen $N of $N" "all $N moved to cur/ with :2,S"
expect_eq "$(files "$W/mail/12/34/tevie/Maildir/cur")$(files \
    "$W/mail/12/34/tevie/Maildir/new")" 00 "new/ and cur/ are empty"

say "== nfsd restart half-way through a delivery run"
"$C" deliver "$URL" 56/78/golde 2002 2002 $N2 100 "$W/pause" \
    >"$W/deliver.out" 2>&1 &
DPID=$!
for ((i = 0; i < 600; i++)); do
	[ -e "$W/pause/paused" ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
expect_true "the delivery run paused half-way" test -e "$W/pause/paused"
stop_nfsd
start_nfsd "$W/exports" "$STATE"
touch "$W/pause/resume"
wait "$DPID" && rc=0 || rc=$?
show <"$W/deliver.out"
expect_eq "$rc" 0 "the delivery run finished after the restart"
expect_no_sanitizer "$(cat "$W/deliver.out")" "no sanitizer report (deliver)"
check "verify after the restart" verify "$URL" 56/78/golde 2002 2002 $N2
expect_contains "$out" "listed $N2, bad 0, lost 0, doubled 0" \
    "no delivery lost or doubled"
expect_eq "$(files "$W/mail/56/78/golde/Maildir/new")" $N2 \
    "$N2 files in new/"
expect_eq "$(files "$W/mail/56/78/golde/Maildir/tmp")" 0 \
    "nothing left behind in tmp/"

stop_nfsd
it_finish
