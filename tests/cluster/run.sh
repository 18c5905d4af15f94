#!/bin/bash
# run.sh - the whole mail cluster in network namespaces (make check-cluster).
#
# usage: tests/cluster/run.sh [BUILD_DIR]	(default $BUILD or "build")
#
# Runs as root.  Checks that every tool is installed (if one is missing
# it says which and exits 0: skipped), then re-executes itself in a
# private network, mount and PID namespace, so that the host's root
# namespace is never touched and everything the test starts is reaped
# by the kernel when it ends, even if it fails or is killed.  Inside,
# /run and /tmp are fresh tmpfs (for /run/netns and the test directory)
# and test_cluster.py builds the hosts and runs the checks.  Exit status:
# 0 if every check passed.  CLUSTER_KEEP=DIR copies the test directory
# (configs, logs, stores) to DIR at the end.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOLS="ip unshare nsenter rpcbind dnsmasq exim4 python3 timeout"
PROGS="nfsd mxd pop3d mailctl"
CLUSTER_TIMEOUT=${CLUSTER_TIMEOUT:-600}

skip() { printf 'check-cluster: SKIP: %s\n' "$*"; exit 0; }
die() { printf 'check-cluster: %s\n' "$*" >&2; exit 1; }

BUILD=${1:-${BUILD:-build}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
for p in $PROGS; do
	[ -x "$BUILD/$p" ] || die "no executable $BUILD/$p (build it first)"
done

if [ "${CLUSTER_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] ||
	    skip "must run as root (network namespaces, bridges, mounts)"
	for t in $TOOLS; do
		command -v "$t" >/dev/null ||
		    skip "required tool '$t' is not installed"
	done
	if ! err=$(unshare --net --mount --pid --fork true 2>&1); then
		skip "cannot create namespaces (unshare: $err)"
	fi
	export CLUSTER_INSIDE=1 CLUSTER_ID=$$
	exec unshare --net --mount --propagation private --pid --fork \
	    --mount-proc timeout -k 5 "$CLUSTER_TIMEOUT" "$HERE/run.sh" "$BUILD"
	die "exec unshare failed"
fi

ip link set lo up || die "ip link set lo up failed"
mount -t tmpfs -o mode=0755 cluster-run /run || die "tmpfs on /run failed"
mkdir -p /run/netns || die "mkdir /run/netns failed"
# The test directory (stores, spools, logs) on a tmpfs of its own: the
# fileservers' fsyncs cost nothing, and nothing is left on the host.
mount -t tmpfs -o mode=1777 cluster-tmp /tmp || die "tmpfs on /tmp failed"
export PYTHONDONTWRITEBYTECODE=1
exec python3 "$HERE/test_cluster.py" "$BUILD"
