# bigfile.sh - a 64 MiB file of random bytes written through the
# kernel client and read back by checksum after dropping the caches;
# the host compares the checksum with the exported file's.
BIG_MB=64

workload() {
	local d sum again
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	sum=$(dd if=/dev/urandom bs=1M count=$BIG_MB 2>/dev/null |
	    tee /mnt/big | md5sum | cut -d' ' -f1)
	kt_check "sync" sync
	kt_eq "$(stat -c %s /mnt/big)" $((BIG_MB * 1024 * 1024)) "size"
	kt_drop_caches
	again=$(md5sum </mnt/big | cut -d' ' -f1)
	kt_eq "$again" "$sum" "read back by checksum after drop_caches"
	kt_info "md5 $sum"
	kt_check "umount" umount /mnt
}
