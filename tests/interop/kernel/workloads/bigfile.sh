# bigfile.sh - a 64 MiB file written through the kernel client and
# read back by checksum after dropping the caches; the host compares
# the checksum with the exported file's.  The bytes: 4 MiB of random
# data repeated 16 times, each piece with its number in its first 16
# bytes (so pieces cannot be swapped unnoticed); /dev/urandom runs at
# about 1 MB/s under software emulation.
BIG_MB=64
PIECE_MB=4

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
