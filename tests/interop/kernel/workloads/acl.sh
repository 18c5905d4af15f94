# acl.sh - export access control as the kernel client meets it: an
# export that does not list 127.0.0.1 refuses the mount (EACCES); a -ro
# export mounts but every change fails with EROFS (or EACCES, below);
# on an export without -maproot root is nobody, -2:-2 as exports(5)
# says (files it makes belong to 4294967294; root's 0600 file cannot
# be read); with -maproot=root it is root.

# acl_erofs WHAT CMD...: CMD fails, saying "Read-only file system".
acl_erofs() {
	local what=$1 out
	shift
	KT_CHECKS=$((KT_CHECKS + 1))
	if out=$("$@" 2>&1); then
		kt_fail "$what: succeeded on a read-only export"
	elif echo "$out" | grep -q 'Read-only file system'; then
		kt_ok "$what: EROFS"
	else
		kt_fail "$what: failed, but not with EROFS: $out"
	fi
}

workload() {
	local d out
	d=$(kt_arg dir)
	kt_eq "$(kt_mount "$d/deny" /mnt/deny)" "nfsmount: errno=13 (Permission denied)" \
	    "an export not listing 127.0.0.1: mount fails with EACCES"

	kt_check "mount the -ro export" kt_mount "$d/ro" /mnt/ro || return
	kt_eq "$(cat /mnt/ro/file)" "read only data" "read on the -ro export"
	acl_erofs "create" sh -c 'echo x >/mnt/ro/new'
	# Opening an existing file for writing fails before any WRITE: the
	# client asks ACCESS, which (as knfsd's) withholds MODIFY and
	# EXTEND on a read-only export, so the kernel says EACCES.
	KT_CHECKS=$((KT_CHECKS + 1))
	if out=$(sh -c 'echo x >>/mnt/ro/file' 2>&1); then
		kt_fail "write: succeeded on a read-only export"
	elif echo "$out" | grep -q 'Permission denied'; then
		kt_ok "write to an existing file: EACCES (ACCESS has no MODIFY)"
	else
		kt_fail "write to an existing file: not EACCES: $out"
	fi
	acl_erofs "mkdir" mkdir /mnt/ro/newdir
	acl_erofs "remove" rm -f /mnt/ro/file
	acl_erofs "rename" mv -f /mnt/ro/file /mnt/ro/file2
	acl_erofs "chmod" chmod 0600 /mnt/ro/file
	acl_erofs "symlink" ln -s file /mnt/ro/link
	kt_check "umount -ro" umount /mnt/ro

	kt_check "mount the squashing export" kt_mount "$d/sq" /mnt/sq || return
	kt_check "squashed root creates in a 0777 directory" \
	    eval 'echo made >/mnt/sq/pub/made'
	kt_drop_caches
	kt_eq "$(stat -c %u:%g /mnt/sq/pub/made)" "4294967294:4294967294" \
	    "squashed root's file belongs to nobody"
	KT_CHECKS=$((KT_CHECKS + 1))
	if out=$(cat /mnt/sq/rootfile 2>&1); then
		kt_fail "squashed root read root's 0600 file"
	elif echo "$out" | grep -q 'Permission denied'; then
		kt_ok "squashed root cannot read root's 0600 file (EACCES)"
	else
		kt_fail "root's 0600 file: not EACCES: $out"
	fi
	kt_check "squashed root cannot create in root's 0755 directory" \
	    eval '! echo x >/mnt/sq/nope 2>/dev/null'
	kt_check "umount the squashing export" umount /mnt/sq

	kt_check "mount the -maproot=root export" kt_mount "$d/rw" /mnt/rw || return
	kt_check "root creates" eval 'echo made >/mnt/rw/made'
	kt_check "root chowns" chown 1234:5678 /mnt/rw/made
	kt_drop_caches
	kt_eq "$(stat -c %u:%g /mnt/rw/made)" "1234:5678" "chown by mapped root took effect"
	kt_eq "$(cat /mnt/rw/rootfile)" "root only" "root reads root's 0600 file"
	kt_check "umount -maproot=root" umount /mnt/rw
}
