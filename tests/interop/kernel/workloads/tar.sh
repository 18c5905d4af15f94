# tar.sh - a tree of 2,000 small files (plus symlinks and odd modes),
# made on the guest's tmpfs, packed with busybox tar into a tarball on
# the NFS mount, extracted there, and compared with the original
# (diff -r, modes and symlinks) after dropping the caches.  The host
# checks the extracted tree against the guest's checksum.
TAR_DIRS=40
TAR_FILES=50

# tar_make ROOT: the tree.
tar_make() {
	local i=0 j
	while [ "$i" -lt "$TAR_DIRS" ]; do
		mkdir -p "$1/d$i/sub"
		j=0
		while [ "$j" -lt "$TAR_FILES" ]; do
			echo "file $i/$j $((i * j))" >"$1/d$i/f$j"
			j=$((j + 1))
		done
		ln -s "f$((i % TAR_FILES))" "$1/d$i/link"
		chmod 0600 "$1/d$i/f0"
		i=$((i + 1))
	done
}

# tar_sum DIR: one checksum over names, types, modes and contents.
tar_sum() {
	(cd "$1" && find . | sort | while read -r f; do
		if [ -L "$f" ]; then
			echo "$f -> $(readlink "$f")"
		elif [ -d "$f" ]; then
			echo "$f/"
		else
			echo "$f $(stat -c %a "$f") $(md5sum <"$f")"
		fi
	done) | md5sum | cut -d' ' -f1
}

workload() {
	local d want
	d=$(kt_arg dir)
	tar_make /tmp/tree
	want=$(tar_sum /tmp/tree)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	kt_check "tar -c onto the mount" tar -C /tmp -cf /mnt/tree.tar tree
	kt_check "mkdir x" mkdir /mnt/x
	kt_check "tar -x from and onto the mount" tar -C /mnt/x -xf /mnt/tree.tar
	kt_drop_caches
	kt_check "diff -r" diff -r /tmp/tree /mnt/x/tree
	kt_eq "$(find /mnt/x/tree -type f | wc -l)" $((TAR_DIRS * TAR_FILES)) "file count"
	kt_eq "$(tar_sum /mnt/x/tree)" "$want" "names, modes, symlinks, contents"
	kt_info "tree-md5 $want"
	kt_check "umount" umount /mnt
}
