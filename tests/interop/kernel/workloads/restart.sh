# restart.sh - nfsd killed and started again under a mounted client:
# the guest appends numbered lines to a file (and writes through a
# descriptor it holds open), tells the host "KTEST READY-FOR-RESTART",
# keeps appending while the host kills nfsd with SIGKILL and starts it
# again with the same exports and state directory, and carries on once
# the host's "restarted" file appears.  No operation may fail (no
# ESTALE), no line may be lost.
RS_AFTER=50
RS_DURING=20

# rs_append FILE FROM TO: lines FROM..TO-1, one write each.
rs_append() {
	local i=$2
	while [ "$i" -lt "$3" ]; do
		echo "line $i" >>"$1" || return 1
		i=$((i + 1))
	done
}

# rs_contiguous FILE N: FILE holds exactly "line 0" .. "line N-1".
rs_contiguous() {
	awk -v n="$2" '$0 != "line " NR - 1 { bad = 1 } END { exit bad || NR != n }' "$1"
}

workload() {
	local d n=100 i
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	kt_check "first lines" rs_append /mnt/log 0 $n
	exec 3>/mnt/held
	echo "held before" >&3
	kt_check "sync before the restart" sync
	echo "KTEST READY-FOR-RESTART"
	# At least RS_DURING appends (0.1 s apart: they span the host's
	# kill and its second of downtime), then on until "restarted".
	i=0
	while [ "$i" -lt "$RS_DURING" ] || ! ls /mnt | grep -qx restarted; do
		if ! rs_append /mnt/log $n $((n + 1)); then
			kt_fail "append $n while the server restarts"
			break
		fi
		n=$((n + 1))
		i=$((i + 1))
		[ "$i" -lt 600 ] || { kt_fail "no 'restarted' file in 60 s"; break; }
		sleep 0.1
	done
	kt_info "appended during the restart: $i"
	kt_check "append after the restart" rs_append /mnt/log $n $((n + RS_AFTER))
	n=$((n + RS_AFTER))
	kt_check "write through the descriptor held across the restart" \
	    eval 'echo "held after" >&3'
	exec 3>&-
	kt_check "new file after the restart" eval 'echo new >/mnt/after'
	kt_check "rename after the restart" mv /mnt/after /mnt/after2
	kt_check "sync after the restart" sync
	kt_drop_caches
	kt_check "$n lines, none lost, none twice" rs_contiguous /mnt/log $n
	kt_eq "$(cat /mnt/held)" "held before
held after" "the held file"
	kt_eq "$(cat /mnt/after2)" new "the new file"
	kt_info "lines $n"
	kt_check "umount" umount /mnt
}
