#!/bin/sh
# mkinitrd.sh - the test guest's initramfs (an uncompressed newc cpio:
# nothing to decompress under software emulation).
#
# usage: mkinitrd.sh CACHEDIR NFSMOUNT OUT
#	CACHEDIR	from fetch-kernel.sh (modules/, modules.order)
#	NFSMOUNT	the static mount helper built from nfsmount.c
#	OUT		the cpio archive to write
#
# Holds busybox (static), nfsmount, the modules, /init (init.sh), the
# guest's helpers (lib.sh) and every workload (workloads/*.sh).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
die() { printf 'mkinitrd: %s\n' "$*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: mkinitrd.sh CACHEDIR NFSMOUNT OUT"
CACHE=$1
NFSMOUNT=$2
OUT=$3
BUSYBOX=/bin/busybox
[ -f "$CACHE/ready" ] || die "no kernel cache in $CACHE (fetch-kernel.sh)"
file -L "$BUSYBOX" | grep -q 'statically linked' ||
    die "$BUSYBOX is not static (install busybox-static)"

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ktest-initrd.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/lib/modules" "$ROOT/ktest/workloads" \
    "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" "$ROOT/mnt" \
    "$ROOT/etc"
cp "$BUSYBOX" "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh"
cp "$NFSMOUNT" "$ROOT/bin/nfsmount"
cp "$CACHE"/modules/*.ko "$ROOT/lib/modules/"
cp "$CACHE/modules.order" "$ROOT/modules.order"
cp "$HERE/init.sh" "$ROOT/init"
chmod 0755 "$ROOT/init"
cp "$HERE/lib.sh" "$ROOT/ktest/lib.sh"
cp "$HERE"/workloads/*.sh "$ROOT/ktest/workloads/"
printf 'root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' \
    >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
(cd "$ROOT" && find . | sort | busybox cpio -o -H newc 2>/dev/null) \
    >"$OUT.tmp" || die "cpio failed"
mv "$OUT.tmp" "$OUT"
