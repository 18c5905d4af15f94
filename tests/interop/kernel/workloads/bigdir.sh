# bigdir.sh - a directory of 8,000 entries (made by the host) listed
# in readdir order (find -maxdepth 1, as ls -f would; busybox ls has
# no -f) while the guest adds 300 files and the host 200 more: every
# listing holds each original entry exactly once and nothing twice;
# after both are done, the count is exact.  8,000 names take about 18
# READDIRPLUS replies per listing (dtpref 64 KiB), each resumed from
# the last one's cookie (KTEST_CAPTURE=bigdir shows them).
BIG_ORIG=8000
GUEST_ADD=300
HOST_ADD=200

# bigdir_list DIR OUT: one unsorted listing of DIR into OUT.
bigdir_list() {
	find "$1" -mindepth 1 -maxdepth 1 >"$2"
}

# bigdir_add DIR: the guest's writer.
bigdir_add() {
	local i=0
	while [ "$i" -lt "$GUEST_ADD" ]; do
		: >"$1/guest-$i" || return 1
		i=$((i + 1))
	done
}

workload() {
	local d n pass=0 wpid
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	kt_eq "$(ls /mnt/big | wc -l)" "$BIG_ORIG" "plain ls before any change"
	echo "KTEST SYNC bigdir-adding"
	bigdir_add /mnt/big &
	wpid=$!
	while [ $pass -lt 3 ]; do
		pass=$((pass + 1))
		bigdir_list /mnt/big /tmp/list
		n=$(wc -l </tmp/list)
		kt_info "listing $pass: $n entries"
		kt_eq "$(sort /tmp/list | uniq -d | wc -l)" 0 \
		    "listing $pass: no entry twice"
		kt_eq "$(grep -c '/f[0-9]*$' /tmp/list)" "$BIG_ORIG" \
		    "listing $pass: every original entry"
		kt_check "listing $pass: at most all entries ($n)" \
		    [ "$n" -le $((BIG_ORIG + GUEST_ADD + HOST_ADD + 1)) ]
	done
	kt_check "the guest's writer finished" wait $wpid
	kt_check "host's adding done" kt_wait_file /mnt/big host-done 120
	kt_drop_caches
	bigdir_list /mnt/big /tmp/list
	kt_eq "$(grep -c '/guest-' /tmp/list)" "$GUEST_ADD" "final: the guest's files"
	kt_eq "$(grep -c '/host-' /tmp/list)" "$((HOST_ADD + 1))" "final: the host's files and host-done"
	kt_eq "$(wc -l </tmp/list)" "$((BIG_ORIG + GUEST_ADD + HOST_ADD + 1))" \
	    "final: exact count"
	kt_check "umount" umount /mnt
}
