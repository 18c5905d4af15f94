# basic.sh - everyday file operations through the kernel client:
# create, write, overwrite in the middle, rename, hard link, symlink,
# chmod, utimes, truncate, mkdir, rmdir, unlink; every result checked
# as the client sees it, again after dropping the page, dentry and
# inode caches, and again after a fresh mount.  The host checks the
# same results in the exported directory (ktest.py).

# basic_expect: the state basic_ops leaves, as the guest sees it.
basic_expect() {
	local b=$1 when=$2
	kt_eq "$(cat "$b/g")" "fiXYZ" "$when: content after write, overwrite, truncate"
	kt_eq "$(stat -c '%a %s %h %Y' "$b/g")" "640 5 2 981173106" \
	    "$when: mode, size, links, mtime of g"
	kt_eq "$(stat -c '%i' "$b/g")" "$(stat -c '%i' "$b/h")" \
	    "$when: g and h are one inode"
	kt_eq "$(readlink "$b/s")" "g" "$when: symlink target"
	kt_eq "$(cat "$b/s")" "fiXYZ" "$when: read through the symlink"
	kt_check "$when: f is gone after the rename" test ! -e "$b/f"
	kt_check "$when: d1 is a directory" test -d "$b/d1"
	kt_check "$when: d1/d2 is gone" test ! -e "$b/d1/d2"
	kt_eq "$(ls "$b" | tr '\n' ' ')" "d1 g h s u " "$when: directory listing"
	kt_eq "$(md5sum <"$b/u" | cut -d' ' -f1)" "$RAND_SUM" \
	    "$when: 1 MiB random file by checksum"
	kt_check "$when: unlinked file is gone" test ! -e "$b/gone"
}

basic_ops() {
	local b=$1
	kt_check "mkdir" mkdir "$b"
	printf 'first line\n' >"$b/f"
	printf 'second\n' >>"$b/f"
	kt_eq "$(cat "$b/f")" "first line
second" "create and append"
	printf 'XYZ' | dd of="$b/f" bs=1 seek=2 conv=notrunc 2>/dev/null
	kt_eq "$(head -c 10 "$b/f")" "fiXYZ line" "overwrite in the middle"
	kt_check "rename" mv "$b/f" "$b/g"
	kt_check "hard link" ln "$b/g" "$b/h"
	kt_check "symlink" ln -s g "$b/s"
	kt_check "chmod" chmod 0640 "$b/g"
	kt_check "utimes" touch -d "2001-02-03 04:05:06" "$b/g"
	kt_check "truncate through the other link" truncate -s 5 "$b/h"
	kt_check "mkdir -p" mkdir -p "$b/d1/d2"
	kt_check "rmdir" rmdir "$b/d1/d2"
	printf 'x' >"$b/gone"
	kt_check "unlink" rm "$b/gone"
	dd if=/dev/urandom of=/tmp/u bs=64k count=16 2>/dev/null
	RAND_SUM=$(md5sum </tmp/u | cut -d' ' -f1)
	kt_check "copy 1 MiB in" cp /tmp/u "$b/u"
	# utimes last: the truncate through h changed g's mtime.
	kt_check "utimes again" touch -d "2001-02-03 04:05:06" "$b/g"
}

workload() {
	local d
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	basic_ops /mnt/b
	basic_expect /mnt/b "cached"
	kt_drop_caches
	basic_expect /mnt/b "after drop_caches"
	kt_check "umount" umount /mnt
	kt_check "mount again" kt_mount "$d/rw" /mnt || return
	basic_expect /mnt/b "after a new mount"
	kt_info "rand $RAND_SUM"
	kt_check "final umount" umount /mnt
}
