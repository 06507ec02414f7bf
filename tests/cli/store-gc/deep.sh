#!/usr/bin/env bash
# store-gc --check --deep hashes every file against its infohash: a segment
# with flipped bytes but the right size passes --check, not --deep;
# --repair --deep removes it (so it is fetched again).
. "$HLSWARM_TESTS/cli/lib.sh"
. "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
S=$T/store

make_segments "$T/seg" 12
n=$(wc -l <"$T/seg/lines")
run 0 seg-chain --store "$S" room <"$T/seg/lines"
run 0 store-gc --store "$S" --check --deep
expect_out "^store is consistent: $n segments, $n files, $n hashed$"

file=$(cd "$S" && find segments -type f -name '*.ts' | sort | head -1)
size=$(stat -c %s "$S/$file")
flip "$S/$file" $((size / 2))
expect_eq "$(stat -c %s "$S/$file")" "$size" "size after the flip"

run 0 store-gc --store "$S" --check
expect_out "^store is consistent: $n segments"
run 65 store-gc --store "$S" --check --deep
expect_out "^corrupt-file: $file: its bytes do not hash to its infohash$"
expect_out "^checked $n segments, $n files, $n hashed: 1 problem, 0 repaired$"
expect_err 'the store is broken \(try --repair\)'
run 65 store-gc --store "$S" --check --deep --json
jq -e -s --arg f "$file" '[.[] | select(.problem)] == [{"v":1,"problem":"corrupt-file","file":$f,"detail":"its bytes do not hash to its infohash","pinned":true,"repaired":false}]' \
  "$T/out" >/dev/null || fail "bad JSON problem line"
tail -1 "$T/out" | jq -e ".hashed == $n and .unverifiable == 0" >/dev/null || fail "bad JSON summary"

run 0 store-gc --store "$S" --repair --deep
expect_out "^corrupt-file: $file: its bytes do not hash to its infohash; row dropped \(pinned data lost\)$"
[ ! -e "$S/$file" ] || fail "the corrupt file is still there"
run 0 store-gc --store "$S" --check --deep
expect_out "^store is consistent: $((n - 1)) segments, $((n - 1)) files, $((n - 1)) hashed$"
