# tar.sh - a tree of 400 small files (plus symlinks and odd modes),
# made on the guest's tmpfs, packed with busybox tar into a tarball on
# the NFS mount, extracted there, and compared with the original
# (diff -r, and a manifest of modes, types, symlinks and checksums)
# after dropping the caches.  The host checks the extracted tree in the
# export against that manifest.
TAR_DIRS=16
TAR_FILES=25

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

# tar_manifest DIR OUT: every name with its mode and type, every
# file's checksum, every symlink's target, in a few processes (a fork
# costs milliseconds under software emulation).
tar_manifest() {
	(cd "$1" && find . | sort >/tmp/names &&
	    xargs stat -c '%a %F %n' </tmp/names &&
	    find . -type f | sort | xargs md5sum &&
	    find . -type l | sort | xargs stat -c '%N') >"$2"
}

workload() {
	local d
	d=$(kt_arg dir)
	tar_make /tmp/tree
	tar_manifest /tmp/tree /tmp/manifest.orig
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	kt_check "manifest for the host" cp /tmp/manifest.orig /mnt/manifest
	kt_check "tar -c onto the mount" tar -C /tmp -cf /mnt/tree.tar tree
	kt_check "mkdir x" mkdir /mnt/x
	kt_check "tar -x from and onto the mount" tar -C /mnt/x -xf /mnt/tree.tar
	kt_drop_caches
	kt_check "diff -r" diff -r /tmp/tree /mnt/x/tree
	kt_eq "$(find /mnt/x/tree -type f | wc -l)" $((TAR_DIRS * TAR_FILES)) "file count"
	tar_manifest /mnt/x/tree /tmp/manifest.copy
	kt_check "names, modes, types, symlinks, contents" \
	    cmp /tmp/manifest.orig /tmp/manifest.copy
	kt_check "umount" umount /mnt
}
