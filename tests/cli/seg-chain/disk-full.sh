#!/usr/bin/env bash
# A store whose disk is full: seg-chain names the store's file and "no space
# left on device" (73), not an input/output error on the healthy input. The
# store is a tiny tmpfs mounted in a private mount namespace of this test
# (unshare -m), so nothing is mounted on the machine.
if [ -z "${HLSWARM_PRIVATE_MOUNTS:-}" ]; then
  HLSWARM_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 4
mkdir "$T/disk"
mount -t tmpfs -o size=8m tmpfs "$T/disk"
trap 'status=$?; umount "$T/disk" 2>/dev/null; rm -rf "$T"; exit $status' EXIT
store="$T/disk/store"

# The first segment goes in; then the disk is filled but for 512 KiB (room
# for the database's journal), less than the next segment needs.
sed -n 1p "$T/seg/lines" > "$T/first"
run 0 seg-chain --store "$store" room < "$T/first"
avail=$(df --output=avail -B1 "$T/disk" | tail -1)
fallocate -l $((avail - 512 * 1024)) "$T/disk/filler"
head -c 3M /dev/urandom > "$T/big.ts"
printf '{"v":1,"seq":1,"path":"%s","start":4,"duration":4,"bytes":%d}\n' \
  "$T/big.ts" "$(stat -c %s "$T/big.ts")" > "$T/second"
second=$T/big.ts
run 73 seg-chain --store "$store" room < "$T/second"
expect_err "^seg-chain: error: $store/segments/[0-9a-f]{2}/[0-9a-f]{64}\.ts: no space left on device$"
if grep -qF "$second" "$T/err"; then fail "the healthy input is blamed"; fi
# Nothing half-written stays behind; room made, the segment goes in.
rm "$T/disk/filler"
run 0 store-gc --store "$store" --check
expect_out '^store is consistent: 1 segment, 1 file$'
run 0 seg-chain --store "$store" room < "$T/second"
