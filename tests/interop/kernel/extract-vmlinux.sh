#!/bin/sh
# extract-vmlinux.sh - the uncompressed ELF kernel inside a bzImage.
#
# usage: extract-vmlinux.sh VMLINUZ OUT
#
# A bzImage is a small decompressor followed by the compressed kernel.
# Find each place where a known compression magic starts, decompress
# from there with the system's tool, and keep the first result that is
# an ELF file.  Booting the ELF (PVH entry) skips the decompression,
# which takes seconds under qemu's software emulation.
set -u

die() { printf 'extract-vmlinux: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: extract-vmlinux.sh VMLINUZ OUT"
IN=$1
OUT=$2
[ -r "$IN" ] || die "cannot read $IN"

# is_elf FILE: FILE starts with the ELF magic.
is_elf() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# try MAGIC DECOMPRESSOR...: decompress from every offset of MAGIC.
try() {
	magic=$1
	shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$IN" | cut -d: -f1); do
		tail -c +"$((off + 1))" "$IN" | "$@" >"$OUT.part" 2>/dev/null
		if [ -s "$OUT.part" ] && is_elf "$OUT.part"; then
			mv "$OUT.part" "$OUT"
			return 0
		fi
	done
	rm -f "$OUT.part"
	return 1
}

try '\xfd7zXZ\x00' xz -dc --single-stream && exit 0
try '\x28\xb5\x2f\xfd' zstd -dc && exit 0
try '\x1f\x8b\x08' gzip -dc && exit 0
die "no xz, zstd or gzip stream in $IN decompresses to an ELF kernel"
