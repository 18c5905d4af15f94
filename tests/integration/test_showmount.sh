#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_showmount.sh - MOUNT as clients nobody here wrote see it.
#
# Proves that
#  - showmount -e (nfs-common) prints every export with its groups:
#    a -network a/b prefix, a -network/-mask pair, a host, and
#    "(everyone)" for a line without clients;
#  - nfs-ls (libnfs) gets past MOUNT for an exported path (MNT returns a
#    handle it accepts; later NFS procedures may not exist yet);
#  - the mount is then listed by showmount -a (DUMP), is kept in the
#    state dir's rmtab, and is still listed after an nfsd restart with
#    the same -s dir; UMNT removes it;
#  - nfs-ls of a path that is not exported fails at MOUNT.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

mkfs_dir "$W/pub"
mkfs_dir "$W/lan"
mkfs_dir "$W/host"
mkfs_dir "$W/world"
mkdir -p "$W/pub/sub" "$W/private"
echo hello >"$W/pub/file"
write_file "$W/exports" <<EOF
# test_showmount.sh
$W/pub -network 127.0.0.0/8
$W/lan -ro -network 127.0.1.0 -mask 255.255.255.0
$W/host -maproot=root 127.0.0.1
$W/world -ro
EOF
STATE=$W/state

# groups_of OUTPUT PATH: the groups column showmount -e printed for PATH.
groups_of() {
	printf '%s\n' "$1" | awk -v p="$2" '$1 == p { $1 = ""; sub(/^ +/, ""); print }'
}

# nfs_ls PATH: runs nfs-ls nfs://127.0.0.1PATH; sets LS_OUT and LS_RC.
nfs_ls() {
	run_capture LS_OUT LS_RC timeout 30 nfs-ls "nfs://127.0.0.1$1"
	say "  nfs-ls nfs://127.0.0.1$1 -> status $LS_RC"
	printf '%s\n' "$LS_OUT" | show
}

# What libnfs says when MNT (or reaching mountd) fails: its MNT reply
# callback sets "Mount failed with error MNT3ERR_...", a timeout of the
# MOUNT call gives "MOUNT timed out"/"MOUNT failed", and failing to reach
# mountd at all is "Failed to start connection"/"Program is not
# available".  Later NFS failures (FSINFO, GETATTR, READDIR...) say "NFS:"
# or "RPC error" with a procedure name, never these.
MNT_FAILURE='Mount failed|MOUNT timed out|MOUNT failed|MNT3ERR|Failed to start connection|Program is not available'

start_nfsd "$W/exports" "$STATE"

say "== showmount -e lists exports and their groups"
run_capture out rc timeout 10 showmount -e 127.0.0.1
expect_eq "$rc" 0 "showmount -e 127.0.0.1 exits 0"
printf '%s\n' "$out" | show
expect_eq "$(groups_of "$out" "$W/pub")" "127.0.0.0/8" \
    "$W/pub is shown for 127.0.0.0/8"
expect_match "$(groups_of "$out" "$W/lan")" '^127\.0\.1\.0(/24|/255\.255\.255\.0)?$' \
    "$W/lan is shown for the network 127.0.1.0 (mask 255.255.255.0)"
expect_eq "$(groups_of "$out" "$W/host")" "127.0.0.1" \
    "$W/host is shown for the host 127.0.0.1"
expect_eq "$(groups_of "$out" "$W/world")" "(everyone)" \
    "$W/world (no clients named) is shown for everyone"
expect_no_match "$out" "^$W/private( |\$)" "$W/private is not listed"

say "== the same list through MOUNT EXPORT (rpc.py)"
run_capture out rc rpcpy export 127.0.0.1 20048
expect_eq "$rc" 0 "EXPORT call succeeds"
expect_match "$out" "^$W/pub 127\.0\.0\.0/8\$" "EXPORT lists $W/pub 127.0.0.0/8"
expect_eq "$(printf '%s\n' "$out" | grep -c "^$W/" || :)" 4 \
    "EXPORT lists exactly 4 exports"

say "== nfs-ls of an exported path gets past MOUNT"
nfs_ls "$W/pub"
expect_no_match "$LS_OUT" "$MNT_FAILURE" \
    "nfs-ls $W/pub reports no MOUNT failure"

say "== showmount -a / DUMP lists the mount"
run_capture out rc timeout 10 showmount -a 127.0.0.1
expect_eq "$rc" 0 "showmount -a 127.0.0.1 exits 0"
printf '%s\n' "$out" | show
expect_match "$out" "^[^ :]+:$W/pub\$" "showmount -a lists HOST:$W/pub"
expect_match "$out" "^127\.0\.0\.1:$W/pub\$" \
    "the mount is recorded for client 127.0.0.1"
expect_true "the state dir holds an rmtab" test -f "$STATE/rmtab"
expect_contains "$(cat "$STATE/rmtab" 2>/dev/null)" "$W/pub" \
    "rmtab names $W/pub"

say "== the mount list survives a restart with the same state dir"
stop_nfsd
start_nfsd "$W/exports" "$STATE"
run_capture out rc timeout 10 showmount -a 127.0.0.1
printf '%s\n' "$out" | show
expect_match "$out" "^127\.0\.0\.1:$W/pub\$" \
    "after restart, showmount -a still lists 127.0.0.1:$W/pub"

say "== nfs-ls of paths that are not exported fails at MOUNT"
nfs_ls "$W/private"
expect_false "nfs-ls $W/private (exists, not exported) fails" \
    test "$LS_RC" = 0
expect_match "$LS_OUT" 'Mount failed with error MNT3ERR_(ACCES|PERM|NOENT)' \
    "nfs-ls $W/private fails in MNT (ACCES/PERM/NOENT)"
nfs_ls "$W/does-not-exist"
expect_match "$LS_OUT" 'Mount failed with error MNT3ERR_(NOENT|ACCES)' \
    "nfs-ls $W/does-not-exist fails in MNT (NOENT/ACCES)"
run_capture out rc timeout 10 showmount -a 127.0.0.1
expect_no_match "$out" ":$W/(private|does-not-exist)\$" \
    "refused mounts are not in the mount list"

say "== UMNT removes the entry"
run_capture out rc rpcpy umnt 127.0.0.1 20048 "$W/pub"
expect_eq "$rc" 0 "UMNT $W/pub succeeds"
run_capture out rc timeout 10 showmount -a 127.0.0.1
printf '%s\n' "$out" | show
expect_no_match "$out" "^127\.0\.0\.1:$W/pub\$" \
    "after UMNT, showmount -a no longer lists 127.0.0.1:$W/pub"

stop_nfsd
it_finish
