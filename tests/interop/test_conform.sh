#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_conform.sh - RFC 1813 conformance of every NFSv3 procedure.
#
# Run by tests/integration/run.sh.  Runs nfs3_conform (a libnfs client
# making raw rpc_nfs3_* calls, see nfs3_conform.c) against a running
# nfsd and proves that
#  - all 22 procedures and their error cases behave as RFC 1813 says,
#    as root on an -maproot=root export: WCC data, the SETATTR guard
#    (NOT_SYNC), CREATE UNCHECKED/GUARDED/EXCLUSIVE (a retried
#    EXCLUSIVE create succeeds, another verifier gets EXIST), WRITE
#    stability and its verifier, READ eof, 1 MiB READ and WRITE,
#    STALE after REMOVE, BADHANDLE for any flipped byte, LOOKUP ".."
#    at the export root, READDIR and READDIRPLUS of 10,000 entries
#    while another client adds and removes entries (none lost, none
#    twice, no BAD_COOKIE), FSINFO/FSSTAT/PATHCONF, retransmissions
#    (same xid) answered from the duplicate request cache;
#  - the same on ext4 (a loop-mounted image, when loop devices work
#    here), whose READDIR cookies are name hashes as on a real
#    fileserver, where tmpfs's are small indexes;
#  - a -ro export answers ROFS to every modifying procedure and its
#    files stay as they were;
#  - root is squashed to nobody by default (ACCES on root's 0600 file,
#    no create in root's 0755 directory, files made belong to nobody)
#    and a user gets ACCES on another user's 0600 file;
#  - a full file system gives NFS3ERR_NOSPC;
#  - data written FILE_SYNC survives kill -9 of nfsd, and after a
#    restart with the same state directory the old handles still work
#    (a removed file's is STALE), a retried EXCLUSIVE create still
#    finds its verifier, the fsid is the export's -fsid and the write
#    verifier has changed.
set -eu
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
it_setup

CONFORM=${INTEROP_BIN:-build/interop}/nfs3_conform
USER_UID=1000
OTHER_UID=1234
CRASH_FSID=4242

[ -x "$CONFORM" ] || fail "no $CONFORM (make builds it with nfsd)"

# mount_ext4 DIR: DIR becomes the root of a fresh 64 MiB ext4 on a
# loop device (32768 inodes, for bigdir); fails if that cannot be done.
mount_ext4() {
	mkdir -p "$1"
	truncate -s 64M "$W/ext4.img" &&
	    mkfs.ext4 -q -F -N 32768 "$W/ext4.img" >/dev/null 2>&1 &&
	    mount -o loop "$W/ext4.img" "$1" 2>/dev/null || return 1
	IT_MOUNTS+=("$1")
	chmod 0755 "$1"
}

# conform WHAT ARGS...: run nfs3_conform ARGS, show its report, expect
# exit status 0 and no FAIL line (the failed ones are repeated).
conform() {
	local what=$1 start=$SECONDS
	shift
	say "  $CONFORM $*"
	run_capture CF_OUT CF_RC timeout 80 "$CONFORM" "$@"
	printf '%s\n' "$CF_OUT" | show
	say "  (exit status $CF_RC after $((SECONDS - start)) s)"
	expect_eq "$CF_RC" 0 "$what: nfs3_conform exits 0 (all its checks passed)"
	expect_eq "$(printf '%s\n' "$CF_OUT" | grep '^FAIL' || :)" "" \
	    "$what: nfs3_conform prints no FAIL line"
}

# The read-write export: the default subtests make their own directory.
mount_tmpfs "$W/rw" 128m
# The read-only export: a file and a directory to try to change.
mount_tmpfs "$W/ro" 4m
printf 'read only data\n' >"$W/ro/file"
mkdir "$W/ro/dir"
# The root-squashing export: root's 0755 root, root's 0600 file,
# another user's 0600 file, a directory everyone may write.
mount_tmpfs "$W/sq" 4m
printf 'root only\n' >"$W/sq/rootfile"
chmod 0600 "$W/sq/rootfile"
printf 'for %d only\n' "$OTHER_UID" >"$W/sq/secret"
chown "$OTHER_UID:$OTHER_UID" "$W/sq/secret"
chmod 0600 "$W/sq/secret"
mkdir "$W/sq/pub"
chmod 0777 "$W/sq/pub"
# The export whose data must survive kill -9.
mount_tmpfs "$W/crash" 16m
# A small file system to fill up.
mount_tmpfs "$W/tiny" 2m
# ext4, if loop devices work here.
EXT4=0
if command -v mkfs.ext4 >/dev/null && mount_ext4 "$W/ext4"; then
	EXT4=1
fi

write_file "$W/exports" <<EOF
# test_conform.sh
$W/rw -maproot=root -network 127.0.0.0/8
$W/ro -ro -maproot=root -network 127.0.0.0/8
$W/sq -network 127.0.0.0/8
$W/crash -maproot=root -fsid=$CRASH_FSID -network 127.0.0.0/8
$W/tiny -maproot=root -network 127.0.0.0/8
EOF
if [ "$EXT4" = 1 ]; then
	echo "$W/ext4 -maproot=root -network 127.0.0.0/8" >>"$W/exports"
fi
STATE=$W/state
start_nfsd "$W/exports" "$STATE"

say "== every procedure and its error cases, as root (-maproot=root)"
conform "all procedures" -u 0 -g 0 127.0.0.1 "$W/rw"

if [ "$EXT4" = 1 ]; then
	say "== every procedure again, on ext4"
	conform "all procedures on ext4" -u 0 -g 0 127.0.0.1 "$W/ext4"
else
	say "== (no loop device or mkfs.ext4 here: the ext4 run is skipped)"
fi

say "== a read-only export"
conform "read-only export" -u 0 -g 0 127.0.0.1 "$W/ro" ro
expect_eq "$(cat "$W/ro/file")" "read only data" \
    "the read-only export's file is unchanged on the server"
expect_eq "$(cd "$W/ro" && echo *)" "dir file" \
    "nothing was added to or removed from the read-only export"

say "== root squashed to nobody, and another user's 0600 file"
conform "squashed root" -u 0 -g 0 127.0.0.1 "$W/sq" squash
conform "uid $USER_UID" -u "$USER_UID" -g "$USER_UID" 127.0.0.1 "$W/sq" other
expect_eq "$(cat "$W/sq/secret")" "for $OTHER_UID only" \
    "the other user's file is unchanged on the server"
expect_eq "$(stat -c %u:%g:%a "$W/sq/rootfile")" "0:0:600" \
    "root's file still belongs to root, mode 0600"
expect_eq "$(find "$W/sq/pub" -name 'made.*' -user "$USER_UID" | wc -l)" 1 \
    "the file uid $USER_UID made belongs to $USER_UID on the server"
expect_eq "$(find "$W/sq/pub" -name 'made.*' -user 0 | wc -l)" 0 \
    "no file made by squashed root belongs to root on the server"

say "== a full file system"
conform "full file system" -u 0 -g 0 127.0.0.1 "$W/tiny" nospc

say "== WRITE FILE_SYNC, kill -9, restart: the data and the handles survive"
conform "before kill -9" -u 0 -g 0 -F "$CRASH_FSID" -s "$W/persist.state" \
    127.0.0.1 "$W/crash" persist-write
expect_true "nfsd is running before kill -9" nfsd_alive
kill -KILL "$NFSD_PID"
wait "$NFSD_PID" 2>/dev/null || :
NFSD_PID=
start_nfsd "$W/exports" "$STATE"
conform "after kill -9" -u 0 -g 0 -F "$CRASH_FSID" -s "$W/persist.state" \
    127.0.0.1 "$W/crash" persist-check

expect_true "nfsd is still running" nfsd_alive
stop_nfsd
it_finish
