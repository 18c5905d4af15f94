#!/bin/sh
# demo.sh - the whole system on this machine: rpcbind (started if it
# is not running) and nfsd exporting var/demo/export to 127.0.0.0/8.
# "demo.sh BUILD stop" stops nfsd again.
set -eu

build=${1:-build}
top=$(pwd)
demo="$top/var/demo"
state="$demo/state"
pidfile="$state/nfsd.pid"

stop() {
	if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
		echo "demo: nfsd stopped"
	else
		echo "demo: nfsd is not running"
	fi
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

mkdir -p "$demo/export" "$state"
cat > "$demo/exports" <<EOT
# The demo's exports file, in FreeBSD exports(5) syntax.
$demo/export -maproot=root -network 127.0.0.0/8
EOT
[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null && sleep 1

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
nfs-cp "$demo/hello.txt" "nfs://127.0.0.1$demo/export/hello-$$.txt" ||
    echo "demo: nfs-cp failed" >&2
nfs-ls "nfs://127.0.0.1$demo/export"
echo
echo "nfsd is running (pid $(cat "$pidfile")), exporting $demo/export"
echo "to 127.0.0.0/8; its log goes to syslog."
echo "Stop it with: make demo-stop"
