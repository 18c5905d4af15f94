#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_maildir.sh - Maildir delivery and pickup under concurrency.
#
# Run by tests/integration/run.sh.  Runs maildir_stress (a libnfs
# client, see maildir_stress.c) against a running nfsd and proves that
#  - 8 writers delivering 2,000 messages (CREATE in tmp/, WRITE,
#    COMMIT, RENAME into new/) while 2 readers move them to cur/, read
#    them back and REMOVE them: every message is picked up exactly
#    once, none is lost or damaged, tmp/, new/ and cur/ end up empty,
#    and no RENAME stalls (at most 500 ms, where a peer server stalls
#    for a whole second under contention);
#  - this works as an ordinary mail user (uid 5000, root squashed on
#    the export): the Maildir the client made belongs to 5000:5000 on
#    the server;
#  - and as root on an -maproot=root export, where it belongs to 0:0;
#  - the server's own view agrees: the three directories exist and are
#    empty, and nfsd is still running and exits cleanly.
set -eu
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
it_setup

STRESS=${INTEROP_BIN:-build/interop}/maildir_stress
MAIL_UID=5000
MAIL_GID=5000
MAX_RENAME_MS=500

[ -x "$STRESS" ] || fail "no $STRESS (make builds it with nfsd)"

# stress WHAT ARGS...: run maildir_stress ARGS, show its report,
# expect exit status 0 and no FAIL line (the failed ones are repeated).
stress() {
	local what=$1 start=$SECONDS
	shift
	say "  $STRESS $*"
	run_capture ST_OUT ST_RC timeout 100 "$STRESS" "$@"
	printf '%s\n' "$ST_OUT" | show
	say "  (exit status $ST_RC after $((SECONDS - start)) s)"
	expect_eq "$ST_RC" 0 "$what: maildir_stress exits 0 (all its checks passed)"
	expect_eq "$(printf '%s\n' "$ST_OUT" | grep '^FAIL' || :)" "" \
	    "$what: maildir_stress prints no FAIL line"
}

# expect_maildir DIR OWNER WHAT: DIR holds empty tmp/, new/ and cur/,
# all owned by OWNER (uid:gid), as seen on the server.
expect_maildir() {
	local dir=$1 owner=$2 what=$3 sub left
	expect_true "$what: the Maildir exists on the server" test -d "$dir"
	[ "$IT_LAST_OK" = 1 ] || return 0
	for sub in "" /tmp /new /cur; do
		expect_eq "$(stat -c %F:%u:%g "$dir$sub" 2>&1)" \
		    "directory:$owner" "$what: $dir$sub is a directory owned by $owner"
	done
	for sub in tmp new cur; do
		left=$(find "$dir/$sub" -mindepth 1 2>&1 | head -n 5)
		expect_eq "$left" "" "$what: $sub/ is empty on the server"
	done
}

# Exports of their own, big enough for every message to be in new/ at once.
mount_tmpfs "$W/users" 256m
mount_tmpfs "$W/root" 64m
chown "$MAIL_UID:$MAIL_GID" "$W/users"
write_file "$W/exports" <<EOF
# test_maildir.sh
$W/users -network 127.0.0.0/8
$W/root -maproot=root -network 127.0.0.0/8
EOF
start_nfsd "$W/exports" "$W/state"

say "== 8 writers, 2 readers, 2000 messages, as uid $MAIL_UID"
stress "uid $MAIL_UID" -w 8 -r 2 -n 2000 -u "$MAIL_UID" -g "$MAIL_GID" \
    -t 45 -L "$MAX_RENAME_MS" 127.0.0.1 "$W/users" Maildir
expect_maildir "$W/users/Maildir" "$MAIL_UID:$MAIL_GID" "uid $MAIL_UID"

say "== 4 writers, 2 readers, 400 messages, as root on -maproot=root"
stress "root" -w 4 -r 2 -n 400 -u 0 -g 0 -t 30 -L "$MAX_RENAME_MS" \
    127.0.0.1 "$W/root" Maildir
expect_maildir "$W/root/Maildir" 0:0 "root"

expect_true "nfsd is still running" nfsd_alive
stop_nfsd
it_finish
