#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_mailctl.sh - provisioning with mailctl against two running nfsd
# fileservers (one per mount line: /mail1 and /mail2, reached at
# 127.0.0.11 and 127.0.0.12), as the seed network's exercise does.
#
# Proves that
#  - mailctl useradd creates 100 users across the two stores: each home
#    is the hashed path under its store, owned by the user with
#    Maildir/{tmp,new,cur} mode 0700, and each gets its userdb line
#    (uid picked from first_uid up, customer, password);
#  - without --store the store with the most free space is picked;
#  - errors are clear: an existing user, a uid in use, a store not in
#    the mounts table, an unreachable fileserver, a bad name;
#  - every user can deliver and read back through the Maildir store as
#    itself, and another user's credentials are refused;
#  - makedb compiles the userdb; passwd, show, list --customer work;
#    userdel --purge removes the line and the mail.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

MAILCTL=${CLIENT_BUILD:-build}/mailctl
C=${CTEST_BIN:-build/ctest}/maildir_check
[ -x "$MAILCTL" ] || fail "no $MAILCTL (make all builds it)"
[ -x "$C" ] || fail "no $C (make all builds it)"

# Two fileservers: /usr/mail1 is a small tmpfs, /usr/mail2 a larger one.
mkdir -p "$W/usr/mail1" "$W/usr/mail2" "$W/etc"
mount -t tmpfs -o size=64m,mode=0755 mail1 "$W/usr/mail1"
mount -t tmpfs -o size=256m,mode=0755 mail2 "$W/usr/mail2"
echo "$W/usr/mail1 -maproot=root -network 127.0.0.0/8" >"$W/exports1"
echo "$W/usr/mail2 -maproot=root -network 127.0.0.0/8" >"$W/exports2"
CONF=$W/etc/mailcluster.conf
URL1="nfs://127.0.0.11:2049$W/usr/mail1?mountport=20048"
URL2="nfs://127.0.0.12:2149$W/usr/mail2?mountport=20148"
{
	echo "# the cluster's front-end config, as distributed"
	echo "hostname       admin.cluster.example"
	echo "local_domains  cluster.example"
	echo "userdb         $W/etc/userdb"
	echo "userdb_db      $W/etc/userdb.cdb"
	echo "first_uid      2001"
	echo "mount /mail1   $URL1"
	echo "mount /mail2   $URL2"
} >"$CONF"
# The same with a third store whose server is down.
CONF3=$W/etc/mailcluster3.conf
{
	cat "$CONF"
	echo "mount /mail3   nfs://127.0.0.13:2249/usr/mail3?mountport=20248"
} >"$CONF3"

start_nfsd "$W/exports1" "$W/state1" -N
PID1=$NFSD_PID
start_nfsd "$W/exports2" "$W/state2" -N -p 2149 -m 20148
PID2=$NFSD_PID

mc() { run_capture out rc timeout 60 "$MAILCTL" -c "$CONF" "$@"; }
# field NAME KEY: a field of NAME's userdb line
field() {
	sed -n "s/^$1	\\(.*|\\)\\{0,1\\}$2=\\([^|]*\\).*/\\2/p" "$W/etc/userdb"
}

say "== config check"
mc -t
expect_eq "$rc" 0 "mailctl -t accepts the config"

# 100 users: every way of choosing a store, 7 customers, both servers
# (each costs a mailctl run and a delivery; 200 took no path 100 do not).
N=100
say "== $N users"
bad=0
for i in $(seq 0 $((N - 1))); do
	case $((i % 4)) in
	0) args=(--store /mail1) ;;
	1) args=(--store /mail2) ;;
	2) args=(--store /mail1 --customer "C$((i % 7))") ;;
	*) args=(--customer "C$((i % 7))") ;;	# the freest store
	esac
	if ! printf 'secret%d\n' "$i" |
	    "$MAILCTL" -c "$CONF" useradd "user$i" --password-stdin \
	    "${args[@]}" >/dev/null 2>"$W/err"; then
		bad=$((bad + 1))
		say "  useradd user$i: $(cat "$W/err")"
	fi
done
expect_eq "$bad" 0 "useradd of $N users fails for none"
expect_eq "$(grep -c '^user' "$W/etc/userdb")" "$N" "$N lines in the userdb"
expect_eq "$(field user7 uid)" 2008 "user7 got uid 2008 (first_uid 2001)"
expect_match "$(field user7 home)" "^/mail2/[0-9][0-9]/[0-9][0-9]/user7\$" \
    "user7 (no --store) is on /mail2, the freest"
expect_match "$(field user7 systempw)" '^\$y\$' "user7 has a yescrypt hash"
expect_eq "$(field user7 customer)" C0 "user7's customer"
mc show user7
expect_match "$out" "^user7	" "show user7 prints its line"

# server_path NAME: where NAME's home is on the servers' disks
server_path() {
	local home
	home=$(field "$1" home)
	case $home in
	/mail1/*) echo "$W/usr/mail1/${home#/mail1/}" ;;
	/mail2/*) echo "$W/usr/mail2/${home#/mail2/}" ;;
	esac
}
bad=0
for i in 0 1 2 3 $((N / 2)) $((N - 1)); do
	h=$(server_path "user$i")
	uid=$(field "user$i" uid)
	for d in "" /Maildir /Maildir/tmp /Maildir/new /Maildir/cur; do
		got=$(stat -c '%u %a' "$h$d" 2>&1 || :)
		[ "$got" = "$uid 700" ] ||
		    { bad=$((bad + 1)); say "  $h$d: $got"; }
	done
done
expect_eq "$bad" 0 "homes and Maildirs are the users', mode 700"
n1=$(grep -c 'home=/mail1/' "$W/etc/userdb" || :)
n2=$(grep -c 'home=/mail2/' "$W/etc/userdb" || :)
expect_eq "$((n1 + n2))" "$N" "every user is on /mail1 or /mail2 ($n1 + $n2)"

say "== errors"
mc useradd user5
expect_eq "$rc" 1 "useradd of an existing user fails"
expect_match "$out" "user5: user exists" "it says the user exists"
mc useradd newbie --uid 2001
expect_match "$out" "uid 2001 is in use" "a uid in use is refused"
mc useradd newbie --store /mail9
expect_match "$out" "store /mail9 is not in the mounts table" \
    "a store not in the mounts table"
run_capture out rc timeout 60 "$MAILCTL" -c "$CONF3" useradd newbie \
    --store /mail3
expect_eq "$rc" 1 "an unreachable fileserver fails useradd"
expect_match "$out" "127\\.0\\.0\\.13" "and names the server"
expect_no_match "$(cat "$W/etc/userdb")" "^newbie" "no line for newbie"
mc useradd 'Bad/Name'
expect_match "$out" "not a valid user name" "a bad name is refused"

say "== delivery and reading as each user"
bad=0
for i in $(seq 0 $((N - 1))); do
	home=$(field "user$i" home)
	uid=$(field "user$i" uid)
	case $home in
	/mail1/*) url=$URL1 ;;
	*) url=$URL2 ;;
	esac
	rel=${home#/mail?/}
	if ! "$C" deliver "$url" "$rel" "$uid" "$uid" 2 >"$W/out" 2>&1 ||
	   ! "$C" verify "$url" "$rel" "$uid" "$uid" 2 >>"$W/out" 2>&1; then
		bad=$((bad + 1))
		say "  user$i ($url $rel $uid): deliver/verify failed"
		show <"$W/out"
	fi
	if [ $((i % 50)) = 0 ]; then
		other=$((uid + 1))
		"$C" deny "$url" "$rel" "$other" "$other" >/dev/null 2>&1 ||
		    { bad=$((bad + 1)); say "  user$i: uid $other not refused"; }
	fi
done
expect_eq "$bad" 0 "every user delivers and reads back; others are refused"

say "== makedb, passwd, list, userdel"
mc makedb
expect_eq "$rc" 0 "makedb"
expect_true "the compiled userdb exists" test -s "$W/etc/userdb.cdb"
old=$(field user9 systempw)
run_capture out rc sh -c "printf 'new\\n' | '$MAILCTL' -c '$CONF' passwd user9"
expect_eq "$rc" 0 "passwd user9"
expect_false "the hash changed" test "$(field user9 systempw)" = "$old"
mc list --customer C3
expect_eq "$(printf '%s\n' "$out" | grep -c .)" \
    "$(grep -c 'customer=C3$\|customer=C3|' "$W/etc/userdb")" \
    "list --customer C3 lists C3's users"
h=$(server_path user4)
mc userdel user4 --purge
expect_eq "$rc" 0 "userdel --purge user4"
expect_match "$out" "2 messages" "it deleted user4's two messages"
expect_no_match "$(cat "$W/etc/userdb")" "^user4	" "user4's line is gone"
expect_eq "$(find "$h/Maildir/new" "$h/Maildir/cur" -type f | wc -l)" 0 \
    "user4's mail is gone"

NFSD_PID=$PID2
stop_nfsd
NFSD_PID=$PID1
stop_nfsd
umount -l "$W/usr/mail1" "$W/usr/mail2" || :
it_finish
