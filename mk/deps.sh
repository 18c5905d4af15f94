#!/bin/sh
# deps.sh - install the Debian packages that the build and the tests
# need.  As root with something missing: apt-get install it.  Otherwise
# print the exact command to run.
set -eu

# build: compiler, rpcgen, XDR runtime, OpenSSL, CUnit, libnfs, libcrypt,
#        tinycdb (the compiled userdb)
# tests: rpcbind, rpcinfo/showmount, nfs-ls, python3, namespaces, strace
# fuzz: clang, its libFuzzer and sanitizer runtimes, llvm-symbolizer
# make valgrind: valgrind
# kernel client (qemu guest): qemu-system-x86, busybox-static, kmod;
#        tshark for the dissector checks
# cluster: dnsmasq (DNS), exim4-daemon-light (the sending MTA), rsync
# make bench: nfs-ganesha (the peer), postal/rabid, Exim and Dovecot
#        (the mail peers), gnuplot (plots), linux-perf (profiles)
PACKAGES="gcc make pkg-config libc6-dev rpcsvc-proto libtirpc-dev
libssl-dev libcunit1-dev libnfs-dev libnfs-utils libcrypt-dev libcdb-dev
rpcbind nfs-common python3 iproute2 util-linux procps strace
clang libclang-rt-14-dev llvm valgrind mandoc
qemu-system-x86 busybox-static kmod tshark
dnsmasq exim4-daemon-light rsync
nfs-ganesha nfs-ganesha-vfs postal dovecot-pop3d gnuplot-nox linux-perf"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing$missing"
# Packages such as nfs-common would start services while installing;
# a policy-rc.d that says no keeps them from doing that.
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	made_policy=yes
fi
export DEBIAN_FRONTEND=noninteractive
rc=0
apt-get update -qq && $cmd || rc=$?
[ "$made_policy" = no ] || rm -f "$policy"
exit $rc
