# options.sh - a matrix of mount options, one mount after another:
# rsize/wsize 32k and 1M, sync and async, actimeo=0, MOUNT over UDP,
# and NFS over UDP (refused if this kernel is built without NFS over
# UDP: the host passes ktest.udp=0 then).  Each mount writes and reads
# back a file and shows its options in /proc/mounts.  2 MiB: more than
# one WRITE even at the largest wsize (1 MiB).
OPT_MB=2

# opt_run NAME OPTIONS EXPECT...: mount with OPTIONS, check that
# /proc/mounts lists every EXPECT, write and read back OPT_MB MiB.
opt_run() {
	local name=$1 opts=$2 e line sum
	shift 2
	kt_check "$name: mount" kt_mount "$(kt_arg dir)/rw" /mnt "$opts" ||
	    return
	line=$(grep ' /mnt nfs ' /proc/mounts)
	kt_info "$name: $line"
	for e in "$@"; do
		kt_check "$name: /proc/mounts shows $e" \
		    eval 'echo "$line" | grep -q "[ ,]$e[ ,]"'
	done
	sum=$(dd if=/dev/urandom bs=1M count=$OPT_MB 2>/dev/null |
	    tee "/mnt/$name" | md5sum | cut -d' ' -f1)
	kt_check "$name: sync" sync
	kt_drop_caches
	kt_eq "$(md5sum <"/mnt/$name" | cut -d' ' -f1)" "$sum" "$name: read back"
	kt_info "sum $name $sum"
	kt_check "$name: umount" umount /mnt
}

# opt_actimeo: with actimeo=0, stat sees the host's appends at once
# (the host appends to "grow" all along); with the default attribute
# cache it keeps a cached size for at least acregmin (3 s).
opt_actimeo() {
	local a b
	kt_check "actimeo=0: mount" kt_mount "$(kt_arg dir)/rw" /mnt actimeo=0 ||
	    return
	kt_check "actimeo=0: /proc/mounts shows acregmax=0" \
	    grep -q 'acregmax=0,' /proc/mounts
	a=$(stat -c %s /mnt/grow)
	sleep 1
	b=$(stat -c %s /mnt/grow)
	kt_check "actimeo=0: stat sees the host's appends ($a then $b)" [ "$b" -gt "$a" ]
	kt_check "actimeo=0: umount" umount /mnt
}

workload() {
	opt_run tcp32k "rsize=32768,wsize=32768" rsize=32768 wsize=32768 proto=tcp
	opt_run tcp1m "rsize=1048576,wsize=1048576" rsize=1048576 wsize=1048576
	opt_run sync "sync" sync
	opt_run async "async" rw
	opt_run mountudp "mountproto=udp" mountproto=udp proto=tcp
	opt_actimeo
	if [ "$(kt_arg udp)" = 1 ]; then
		opt_run udp "proto=udp,mountproto=udp,rsize=32768,wsize=32768" proto=udp
	else
		kt_eq "$(kt_mount "$(kt_arg dir)/rw" /mnt proto=udp,mountproto=udp)" \
		    "nfsmount: errno=22 (Invalid argument)" \
		    "proto=udp refused: kernel built with CONFIG_NFS_DISABLE_UDP_SUPPORT"
	fi
}
