#!/bin/sh
# fetch-kernel.sh - the guest kernel and its NFS and virtio-net modules,
# cached so that a second run downloads and unpacks nothing.
#
# usage: fetch-kernel.sh CACHEDIR
# env:	KERNEL_PKG	the Debian package (default: the one the
#			linux-image-amd64 metapackage depends on)
#
# Leaves in CACHEDIR: deb/*.deb (from `apt-get download`, never
# installed), vmlinux (uncompressed, booted through its PVH entry),
# config (the kernel's .config), modules/*.ko and modules.order (the
# order in which the guest's init loads them).  CACHEDIR/ready marks a
# complete cache.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
die() { printf 'fetch-kernel: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch-kernel.sh CACHEDIR"
mkdir -p "$1"
CACHE=$(cd "$1" && pwd)
if [ -f "$CACHE/ready" ]; then
	exit 0
fi

# The modules the guest needs, in load order: the NFSv3 client, then the
# virtio network card qemu gives it.
MODULES="sunrpc grace lockd nfs_acl netfs fscache nfs nfsv3
virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
failover net_failover virtio_net"

# pick_package: the linux-image package to use.
pick_package() {
	if [ -n "${KERNEL_PKG:-}" ]; then
		echo "$KERNEL_PKG"
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

mkdir -p "$CACHE/deb"
DEB=$(ls "$CACHE"/deb/linux-image-*.deb 2>/dev/null | head -n 1 || :)
if [ -z "$DEB" ]; then
	PKG=$(pick_package)
	# A fresh machine whose packages were all there already (so make
	# deps did not update) may have no package lists yet.
	if [ -z "$PKG" ] && [ "$(id -u)" -eq 0 ]; then
		echo "fetch-kernel: apt-get update (no package lists yet)"
		apt-get update -qq || die "apt-get update failed"
		PKG=$(pick_package)
	fi
	[ -n "$PKG" ] || die "apt-cache knows no linux-image-amd64" \
	    "(run apt-get update first)"
	echo "fetch-kernel: apt-get download $PKG"
	(cd "$CACHE/deb" && apt-get download "$PKG") ||
	    die "apt-get download $PKG failed"
	DEB=$(ls "$CACHE"/deb/linux-image-*.deb | head -n 1)
fi

echo "fetch-kernel: unpacking $(basename "$DEB")"
X=$CACHE/unpack
rm -rf "$X" "$CACHE/modules"
mkdir -p "$X" "$CACHE/modules"
dpkg -x "$DEB" "$X" || die "dpkg -x $DEB failed"
VMLINUZ=$(ls "$X"/boot/vmlinuz-* | head -n 1)
"$HERE/extract-vmlinux.sh" "$VMLINUZ" "$CACHE/vmlinux"
cp "$X"/boot/config-* "$CACHE/config"
: >"$CACHE/modules.order"
for m in $MODULES; do
	ko=$(find "$X/lib/modules" -name "$m.ko" | head -n 1)
	[ -n "$ko" ] || die "no module $m.ko in $(basename "$DEB")"
	cp "$ko" "$CACHE/modules/"
	echo "$m" >>"$CACHE/modules.order"
done
rm -rf "$X"
basename "$DEB" >"$CACHE/ready"
echo "fetch-kernel: cached in $CACHE"
