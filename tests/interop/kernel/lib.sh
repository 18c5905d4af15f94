# lib.sh - shell helpers for the guest's workloads (busybox ash):
# kernel command-line arguments, NFS mounts through nfsmount, checks
# that remember the first failure, and the verdict line.
#
# The host passes ktest.workload=, ktest.nfsport=, ktest.mountport=
# and ktest.dir= (the exported directory holding the workload's
# exports) on the kernel command line.

KT_SERVER=10.0.2.2
KT_FAILS=0
KT_CHECKS=0
KT_FIRST_FAIL=

# kt_arg NAME: the value of ktest.NAME= on the kernel command line.
kt_arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^ktest\.$1=//p" | head -n 1
}

kt_info() { echo "KTEST INFO $*"; }

# kt_abort REASON: the workload could not even run.
kt_abort() { echo "KTEST FAIL ${KT_NAME:-?}: $*"; }

# kt_fail WHAT: one failed check (the workload goes on).
kt_fail() {
	KT_FAILS=$((KT_FAILS + 1))
	[ -n "$KT_FIRST_FAIL" ] || KT_FIRST_FAIL=$1
	kt_now
	echo "KTEST CHECK-FAIL [$KT_UP] $1"
}

# KT_UP: the guest's uptime in seconds (read is a builtin: no fork).
kt_now() {
	local rest
	read -r KT_UP rest </proc/uptime
}

kt_ok() {
	kt_now
	echo "KTEST CHECK-OK [$KT_UP] $1"
}

# kt_check WHAT CMD...: CMD exits 0.
kt_check() {
	local what=$1
	shift
	KT_CHECKS=$((KT_CHECKS + 1))
	if "$@"; then kt_ok "$what"; else kt_fail "$what"; fi
}

# kt_eq SEEN EXPECTED WHAT
kt_eq() {
	KT_CHECKS=$((KT_CHECKS + 1))
	if [ "$1" = "$2" ]; then
		kt_ok "$3"
	else
		kt_fail "$3 (expected '$2', seen '$1')"
	fi
}

# kt_verdict: the one line the host turns into PASS/FAIL.
kt_verdict() {
	if [ "$KT_CHECKS" -eq 0 ]; then
		echo "KTEST FAIL $KT_NAME: no checks ran"
	elif [ "$KT_FAILS" -ne 0 ]; then
		echo "KTEST FAIL $KT_NAME: $KT_FAILS of $KT_CHECKS checks failed, first: $KT_FIRST_FAIL"
	else
		echo "KTEST PASS $KT_NAME ($KT_CHECKS checks)"
	fi
}

# kt_opts [EXTRA]: the mount options for our server (no rpcbind: the
# ports are given, nolock keeps lockd and statd out of it).
kt_opts() {
	echo "vers=3,port=$(kt_arg nfsport),mountport=$(kt_arg mountport),mountvers=3,nolock,addr=$KT_SERVER${1:+,$1}"
}

# kt_mount EXPORT DIR [EXTRA [-r]]: mount SERVER:EXPORT on DIR over TCP
# (EXTRA may override proto= and mountproto=); prints nfsmount's error.
kt_mount() {
	local opts
	mkdir -p "$2"
	opts=$(kt_opts "proto=tcp,mountproto=tcp${3:+,$3}")
	/bin/nfsmount $4 "$KT_SERVER:$1" "$2" "$opts"
}

# kt_drop_caches: forget every cached page, dentry and inode, so what
# follows is read from the server again.
kt_drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# kt_wait_file DIR NAME SECONDS: wait until DIR lists NAME (opening
# the directory revalidates it; a plain lookup could hit a cached
# negative entry).
kt_wait_file() {
	local i=0
	while [ "$i" -lt $(($3 * 5)) ]; do
		ls "$1" 2>/dev/null | grep -qx "$2" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
