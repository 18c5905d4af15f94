# bigfile.sh - a 16 MiB file written through the kernel client and
# read back by checksum after dropping the caches; the host compares
# the checksum with the exported file's.  16 MiB is 16 WRITEs of the
# largest size (wsize 1 MiB, the server's wtmax) and their COMMITs,
# about 130 READs of 128 KiB (the client's read-ahead), and twice the
# 8 MiB of replies the server queues for one connection (tshark on
# KTEST_CAPTURE=bigfile shows the calls).  The bytes: 1 MiB of
# random data repeated 16 times, each piece with its number in its
# first 16 bytes (so pieces cannot be swapped unnoticed);
# /dev/urandom is slow under software emulation.
BIG_MB=16
PIECE_MB=1

# big_stream: the file's bytes on stdout.
big_stream() {
	local i=0
	dd if=/dev/urandom of=/tmp/piece bs=1M count=$PIECE_MB 2>/dev/null
	while [ "$i" -lt $((BIG_MB / PIECE_MB)) ]; do
		printf 'piece %08d\n' "$i" |
		    dd of=/tmp/piece bs=16 count=1 conv=notrunc 2>/dev/null
		cat /tmp/piece
		i=$((i + 1))
	done
}

workload() {
	local d sum again
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	sum=$(big_stream | tee /mnt/big | md5sum | cut -d' ' -f1)
	kt_check "sync" sync
	kt_eq "$(stat -c %s /mnt/big)" $((BIG_MB * 1024 * 1024)) "size"
	kt_drop_caches
	again=$(md5sum </mnt/big | cut -d' ' -f1)
	kt_eq "$again" "$sum" "read back by checksum after drop_caches"
	kt_info "md5 $sum"
	kt_check "umount" umount /mnt
}
