#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_libnfs_tools.sh - nfsd as libnfs's command-line tools see it.
#
# Run by tests/integration/run.sh.  Proves, with Debian's libnfs-utils
# (nfs-ls, nfs-cp, nfs-cat) against a running nfsd, that
#  - nfs-ls -R of a tree made on the server (directories, an empty
#    one, files, a hard link, a symlink, a name with a space, other
#    owners, a directory of 300 entries that takes several READDIRPLUS
#    replies) lists exactly that tree, each entry with the server's
#    mode, link count, owner, group and size; nfs-ls of a
#    subdirectory (an -alldirs mount) lists just it;
#  - nfs-cat prints small files byte for byte;
#  - nfs-cp copies a 100 MiB random file to the server (the file
#    there equals the original, owned by root under -maproot=root),
#    back again, and from the server to the server, all equal (cmp);
#    an empty file and one of 1 MiB + 1 byte make the round trip too;
#  - nfs-cp onto an existing file fails (libnfs creates with
#    O_EXCL) and leaves that file as it was.
set -eu
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
it_setup

BIG_BYTES=$((100 * 1024 * 1024))
EX=$W/ex
TREE=$EX/tree

url() { printf 'nfs://127.0.0.1%s' "$1"; }

# make_tree: the tree nfs-ls must list, made directly on the server.
make_tree() {
	local i
	mkdir -p "$TREE/docs/deep/er" "$TREE/emptydir" "$TREE/many"
	chmod 0700 "$TREE/emptydir"
	printf 'hello from the tree\n' >"$TREE/README"
	ln "$TREE/README" "$TREE/hard"
	ln -s docs/a.txt "$TREE/link"
	: >"$TREE/empty"
	head -c 1234 /dev/urandom >"$TREE/docs/a.txt"
	chown 1234:5678 "$TREE/docs/a.txt"
	chmod 0640 "$TREE/docs/a.txt"
	printf 'spaces\n' >"$TREE/docs/with space.txt"
	printf 'leaf\n' >"$TREE/docs/deep/er/leaf"
	chmod 0600 "$TREE/docs/deep/er/leaf"
	for ((i = 0; i < 300; i++)); do
		printf '%d\n' "$i" >"$TREE/many/message-file-with-a-long-name-$i"
	done
}

# local_listing DIR [find options]: what nfs-ls prints for DIR, from
# the server's own view (mode, links, uid, gid, size, relative path).
local_listing() {
	local dir=$1
	shift
	(cd "$dir" && find . -mindepth 1 "$@" -printf '%M %n %U %G %s %P\n') |
	    LC_ALL=C sort
}

# normalize: nfs-ls output with single spaces between the first five
# columns (names may contain spaces), sorted.
normalize() {
	sed -E 's/^([^ ]+) +([^ ]+) +([^ ]+) +([^ ]+) +([^ ]+) /\1 \2 \3 \4 \5 /' |
	    LC_ALL=C sort
}

# expect_same_listing SEEN EXPECTED WHAT: like expect_eq, but shows
# only the lines that differ (listings are long).
expect_same_listing() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if [ "$1" = "$2" ]; then
		ok "$3"
		return 0
	fi
	soft_fail "$3" "expected but not seen (<), seen but not expected (>):"
	diff <(printf '%s\n' "$2") <(printf '%s\n' "$1") | grep '^[<>]' |
	    head -n 40 | show || :
}

# copy WHAT SRC DST: nfs-cp SRC DST, expecting success.
copy() {
	local what=$1
	run_capture CP_OUT CP_RC timeout 60 nfs-cp "$2" "$3"
	say "  nfs-cp $2 $3 -> status $CP_RC"
	printf '%s\n' "$CP_OUT" | head -n 5 | show
	expect_eq "$CP_RC" 0 "$what: nfs-cp exits 0"
}

# expect_same_file A B WHAT: cmp A B.
expect_same_file() {
	local out rc
	run_capture out rc cmp "$1" "$2"
	IT_CHECKS=$((IT_CHECKS + 1))
	if [ "$rc" = 0 ]; then
		ok "$3"
	else
		soft_fail "$3" "cmp $1 $2: status $rc" \
		    "sizes: $(stat -c %s "$1" 2>&1) and $(stat -c %s "$2" 2>&1)"
		printf '%s\n' "$out" | show
	fi
}

# A file system of its own: an -alldirs export must be a file system's root.
mount_tmpfs "$EX" 512m
make_tree
write_file "$W/exports" <<EOF
# test_libnfs_tools.sh
$EX -alldirs -maproot=root -network 127.0.0.0/8
EOF
start_nfsd "$W/exports" "$W/state"

say "== nfs-ls -R lists the tree exactly"
run_capture out rc timeout 30 nfs-ls -R "$(url "$TREE")"
expect_eq "$rc" 0 "nfs-ls -R $(url "$TREE") exits 0"
printf '%s\n' "$out" | grep -v ' many/' | head -n 40 | show
expect_same_listing "$(printf '%s\n' "$out" | normalize)" \
    "$(local_listing "$TREE")" \
    "nfs-ls -R lists every entry of the tree with its mode, links, owner, group and size, and nothing else"
expect_eq "$(printf '%s\n' "$out" | grep -c ' many/message-file' || :)" \
    300 "all 300 entries of tree/many are listed (READDIRPLUS continued by cookie)"

say "== nfs-ls of a subdirectory lists just it"
run_capture out rc timeout 30 nfs-ls "$(url "$TREE/docs")"
expect_eq "$rc" 0 "nfs-ls $(url "$TREE/docs") exits 0"
printf '%s\n' "$out" | show
expect_same_listing "$(printf '%s\n' "$out" | normalize)" \
    "$(local_listing "$TREE/docs" -maxdepth 1)" \
    "nfs-ls of tree/docs lists deep, a.txt and 'with space.txt'"

say "== nfs-cat prints files byte for byte"
for f in README docs/a.txt "docs/with space.txt" docs/deep/er/leaf empty; do
	timeout 30 nfs-cat "$(url "$TREE/$f")" >"$W/cat.out" 2>"$W/cat.err" &&
	    rc=0 || rc=$?
	expect_eq "$rc" 0 "nfs-cat tree/$f exits 0"
	[ "$rc" = 0 ] || show <"$W/cat.err"
	expect_same_file "$W/cat.out" "$TREE/$f" \
	    "nfs-cat tree/$f prints its exact content"
done

say "== nfs-cp of a 100 MiB random file to the server and back"
head -c "$BIG_BYTES" /dev/urandom >"$W/big.src"
start=$SECONDS
copy "local -> server" "$W/big.src" "$(url "$EX/big.bin")"
say "  (took $((SECONDS - start)) s)"
expect_contains "$CP_OUT" "copied $BIG_BYTES bytes" \
    "nfs-cp reports $BIG_BYTES bytes copied"
expect_eq "$(stat -c %s "$EX/big.bin" 2>&1)" "$BIG_BYTES" \
    "the server's big.bin is $BIG_BYTES bytes"
expect_same_file "$W/big.src" "$EX/big.bin" \
    "the server's big.bin equals the original (cmp)"
expect_eq "$(stat -c %u:%g "$EX/big.bin" 2>&1)" 0:0 \
    "big.bin is owned by root (-maproot=root)"
run_capture out rc timeout 30 nfs-ls "$(url "$EX")"
expect_match "$out" "^-[-rwx]{9} +1 +0 +0 +$BIG_BYTES big\\.bin\$" \
    "nfs-ls of the export shows big.bin with $BIG_BYTES bytes"

start=$SECONDS
copy "server -> local" "$(url "$EX/big.bin")" "$W/big.back"
say "  (took $((SECONDS - start)) s)"
expect_same_file "$W/big.src" "$W/big.back" \
    "the 100 MiB file copied back equals the original (cmp)"
rm -f "$W/big.back"

start=$SECONDS
copy "server -> server" "$(url "$EX/big.bin")" "$(url "$EX/big.copy")"
say "  (took $((SECONDS - start)) s)"
expect_same_file "$W/big.src" "$EX/big.copy" \
    "the server-to-server copy equals the original (cmp)"
rm -f "$EX/big.copy"

say "== odd sizes: an empty file, 1 MiB + 1 byte"
: >"$W/empty.src"
head -c $((1024 * 1024 + 1)) /dev/urandom >"$W/odd.src"
for f in empty odd; do
	copy "$f file to the server" "$W/$f.src" "$(url "$EX/$f.bin")"
	expect_same_file "$W/$f.src" "$EX/$f.bin" \
	    "the server's $f.bin equals the original"
	copy "$f file back" "$(url "$EX/$f.bin")" "$W/$f.back"
	expect_same_file "$W/$f.src" "$W/$f.back" \
	    "$f.bin copied back equals the original"
done

say "== nfs-cp onto an existing file fails and leaves it alone"
run_capture out rc timeout 30 nfs-cp "$W/odd.src" "$(url "$EX/big.bin")"
printf '%s\n' "$out" | show
expect_false "nfs-cp onto the existing big.bin fails" test "$rc" = 0
expect_contains "$out" "NFS3ERR_EXIST" \
    "the exclusive CREATE is refused with NFS3ERR_EXIST"
expect_same_file "$W/big.src" "$EX/big.bin" \
    "big.bin is unchanged after the refused copy"

expect_true "nfsd is still running" nfsd_alive
stop_nfsd
it_finish
