# maildir.sh - Maildir delivery and reading with shell tools while the
# host reads and writes the same Maildir through the server (libnfs):
# the guest delivers 60 messages (write to tmp/, rename into new/),
# the host lists and reads them with nfs-ls/nfs-cat and delivers 20 of
# its own with nfs-cp, the guest delivers 60 more, then reads every
# message in new/ and moves it to cur/ with the seen flag.  The 120
# messages take every one of the 97 sizes md_message makes.
MD_FIRST=60
MD_TOTAL=120
MD_HOST=20

# md_message N: the text of the guest's message N (size varies).
md_message() {
	printf 'From: guest@ktest.example\nTo: tevie@cluster.example\n'
	printf 'Subject: message %d\n\n' "$1"
	seq 1 $(($1 % 97 + 1)) | sed "s/^/line of message $1: /"
}

# md_deliver MAILDIR FROM TO: deliver the guest's messages FROM..TO-1.
md_deliver() {
	local i=$2 name
	while [ "$i" -lt "$3" ]; do
		name="1700000000.M${i}P1.ktest-guest"
		md_message "$i" >"$1/tmp/$name" || return 1
		mv "$1/tmp/$name" "$1/new/$name" || return 1
		i=$((i + 1))
	done
}

# md_read MAILDIR: read every message in new/ and move it to cur/.
md_read() {
	local f
	for f in $(ls "$1/new"); do
		cat "$1/new/$f" >/dev/null || return 1
		mv "$1/new/$f" "$1/cur/$f:2,S" || return 1
	done
}

workload() {
	local d m n sum
	d=$(kt_arg dir)
	kt_check "mount" kt_mount "$d/rw" /mnt || return
	m=/mnt/maildir
	kt_check "make the Maildir" mkdir -p "$m/tmp" "$m/new" "$m/cur"
	kt_check "deliver $MD_FIRST" md_deliver "$m" 0 $MD_FIRST
	echo "KTEST SYNC maildir-delivered"
	kt_check "the host has read them and delivered its own" \
	    kt_wait_file "$m" host-done 120
	kt_check "deliver the rest" md_deliver "$m" $MD_FIRST $MD_TOTAL
	kt_eq "$(ls "$m/new" | wc -l)" $((MD_TOTAL + MD_HOST)) "new/ holds every message"
	kt_eq "$(ls "$m/tmp" | wc -l)" 0 "tmp/ is empty"
	kt_eq "$(cat "$m/new/host-7.ktest-host")" "From: host
Subject: host message 7

body 7" "a message the host delivered, read by the guest"
	kt_check "read and move to cur/" md_read "$m"
	kt_drop_caches
	n=$(ls "$m/cur" | wc -l)
	kt_eq "$n" $((MD_TOTAL + MD_HOST)) "cur/ holds every message"
	kt_eq "$(ls "$m/new" | wc -l)" 0 "new/ is empty"
	kt_eq "$(ls "$m/cur" | grep -vc ':2,S$')" 0 "every name in cur/ has :2,S"
	kt_eq "$(cat "$m/cur/1700000000.M42P1.ktest-guest:2,S")" \
	    "$(md_message 42)" "message 42 reads back"
	sum=$(cd "$m/cur" && ls | while read -r f; do cat "$f"; done | md5sum | cut -d' ' -f1)
	kt_info "cur-md5 $sum"
	kt_check "umount" umount /mnt
}
