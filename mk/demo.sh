#!/bin/sh
# demo.sh - the whole cluster on this machine: rpcbind (started if it
# is not running), nfsd exporting the fileserver's /usr/mail1 (here
# var/usr/mail1) to 127.0.0.0/8, a user made with mailctl, mxd on port
# 2525 and pop3d on 1110; one mail is sent, fetched and shown on the
# fileserver's side.  "demo.sh BUILD stop" stops the daemons again.
set -eu

build=${1:-build}
top=$(pwd)
demo="$top/var/demo"
mail1="$top/var/usr/mail1"	# the fileserver's /usr/mail1
state="$demo/state"
pidfile="$state/nfsd.pid"

stop_one() {
	if [ -f "$state/$1.pid" ] && kill "$(cat "$state/$1.pid")" 2>/dev/null
	then
		echo "demo: $1 stopped"
	else
		echo "demo: $1 is not running"
	fi
	rm -f "$state/$1.pid"
}

stop() {
	stop_one mxd
	stop_one pop3d
	stop_one nfsd
}

if [ "${2:-}" = stop ]; then
	stop
	exit 0
fi

if ! rpcinfo -p 127.0.0.1 >/dev/null 2>&1; then
	echo "demo: starting rpcbind"
	mkdir -p /run/rpcbind
	rpcbind -w
	sleep 1
fi

mkdir -p "$mail1" "$state"
cat > "$demo/exports" <<EOT
# The demo's exports file, in FreeBSD exports(5) syntax.
$mail1 -maproot=root -network 127.0.0.0/8
EOT
stop >/dev/null 2>&1 && sleep 1

"$build/nfsd" -e "$demo/exports" -s "$state"
for i in 1 2 3 4 5 6 7 8 9 10; do
	rpcinfo -t 127.0.0.1 100003 3 >/dev/null 2>&1 && break
	sleep 0.5
done

echo
echo "== rpcinfo -p 127.0.0.1"
rpcinfo -p 127.0.0.1
echo
echo "== showmount -e 127.0.0.1"
showmount -e 127.0.0.1
echo
echo "== a file written and listed over NFS by libnfs"
date >"$demo/hello.txt"
nfs-cp "$demo/hello.txt" "nfs://127.0.0.1$mail1/hello-$$.txt" ||
    echo "demo: nfs-cp failed" >&2
nfs-ls "nfs://127.0.0.1$mail1"

echo
echo "== the front ends: mailctl, mxd on 2525, pop3d on 1110"
conf=$demo/mailcluster.conf
cat > "$conf" <<EOT
# The demo's front-end config (see contrib/mailcluster.conf.example).
hostname       demo.cluster.example
local_domains  cluster.example
userdb         $demo/userdb
userdb_db      $demo/userdb.cdb
mount /mail1   nfs://127.0.0.1$mail1
smtp_listen    127.0.0.1:2525
pop3_listen    127.0.0.1:1110
EOT
if ! "$build/mailctl" -c "$conf" show tevie >/dev/null 2>&1; then
	echo "tevie-demo" | "$build/mailctl" -c "$conf" useradd tevie \
	    --password-stdin --customer DEMO
fi
"$build/mailctl" -c "$conf" makedb
"$build/mailctl" -c "$conf" show tevie
for d in mxd pop3d; do
	"$build/$d" -f -c "$conf" >"$demo/$d.log" 2>&1 &
	echo $! >"$state/$d.pid"
done
sleep 1
python3 - <<'EOT'
import poplib, smtplib, time
msg = ("From: demo@example.org\r\nTo: tevie@cluster.example\r\n"
       "Subject: hello from the demo\r\n\r\nIt works.\r\n")
for i in range(20):
    try:
        with smtplib.SMTP("127.0.0.1", 2525) as s:
            print("mxd:", s.sendmail("demo@example.org",
                                     ["tevie@cluster.example"], msg) or
                  "250, delivered")
        break
    except OSError:
        time.sleep(0.25)
p = poplib.POP3("127.0.0.1", 1110)
p.user("tevie")
p.pass_("tevie-demo")
print("pop3d:", p.stat()[0], "message(s); the newest:")
for line in p.retr(p.stat()[0])[1]:
    print("    " + line.decode())
p.quit()
EOT
echo
echo "== on the fileserver's side"
find "$mail1" -path '*/Maildir/cur/*' -type f | tail -1 |
    while read -r f; do ls -ln "$f"; done
echo
echo "Running: nfsd (pid $(cat "$pidfile")), mxd (pid $(cat "$state/mxd.pid"),"
echo "port 2525), pop3d (pid $(cat "$state/pop3d.pid"), port 1110).  Logs:"
echo "nfsd to syslog, mxd and pop3d in $demo/.  User tevie, password"
echo "tevie-demo.  Stop it all with: make demo-stop"
