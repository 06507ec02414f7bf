# seg-chain verify fails (exit 65, naming the first broken seq) on a flipped
# byte in a segment, a flipped byte anywhere in the chain file, swapped
# records, a record signed with another key and truncated chains.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 16
n=$(wc -l < "$T/seg/lines")
{ cat "$T/seg/lines"; end_line "$n"; } > "$T/input"
run 0 seg-chain --store "$T/good.store" --chain "$T/good.chain" "room" < "$T/input"
run 0 seg-chain verify "$T/good.chain" --segments "$T/seg"

broken() { # broken WHY REGEX [verify options]: copy is $T/bad.chain
  local why=$1 regex=$2; shift 2
  run 65 seg-chain verify "$T/bad.chain" "$@"
  expect_err "$regex"
  expect_empty_out
  note "caught: $why: $(cat "$T/err")"
}

# A flipped byte in a segment file.
cp "$T/seg/seg001.ts" "$T/seg001.keep"
flip "$T/seg/seg001.ts" 5000
cp "$T/good.chain" "$T/bad.chain"
broken "segment byte" "line 2, seq 1: segment file .*seg001.ts does not match" --segments "$T/seg"
cp "$T/seg001.keep" "$T/seg/seg001.ts"
mv "$T/seg/seg002.ts" "$T/seg002.keep"
broken "segment missing" "seq 2: segment file .*seg002.ts is missing" --segments "$T/seg"
mv "$T/seg002.keep" "$T/seg/seg002.ts"

# A flipped byte at many places in the chain file: in each readable field
# of the second line (found by name), in its record, and every 37th byte.
# Not inside the folder part of a "path": that is this machine's note,
# outside the signature, and verify cannot tell it was changed (man page).
line1=$(head -1 "$T/good.chain" | wc -c)
line2=$(sed -n 2p "$T/good.chain")
positions=()
for field in '"v"' '"seq"' '"id"' '"prev"' '"room"' '"start"' '"duration"' \
             '"bytes"' '"infohash"' '"end"' '"record"'; do
  prefix=${line2%%"$field"*}
  start=$((line1 + ${#prefix} + ${#field}))                # the ':'
  positions+=($((start + 1)) $((start + 2)) $((start + 5)))
done
prefix=${line2%%seg001.ts*}
positions+=($((line1 + ${#prefix} + 4)))                   # path's file name
folder="$T/seg/"
folders=$(grep -bo -- "$folder" "$T/good.chain" | cut -d: -f1)
size=$(stat -c %s "$T/good.chain")
for ((at = 0; at < size; at += 37)); do
  in_folder=0
  for f in $folders; do
    if [ "$at" -ge "$f" ] && [ "$at" -lt $((f + ${#folder} - 1)) ]; then in_folder=1; fi
  done
  [ $in_folder = 1 ] || positions+=("$at")
done
positions+=($((size - 1)))                                 # the final newline
for at in "${positions[@]}"; do
  cp "$T/good.chain" "$T/bad.chain"
  flip "$T/bad.chain" "$at"
  run 65 seg-chain verify "$T/bad.chain"
  expect_err "bad.chain: line [0-9]+, seq [0-9]+: "
done
note "caught ${#positions[@]} flipped bytes"
# The documented blind spot: a changed folder in "path" still verifies.
sed "2s|$folder|${folder%/}x/|" "$T/good.chain" > "$T/bad.chain"
run 0 seg-chain verify "$T/bad.chain"

# The duration read by a person, changed to another valid number.
sed '2s/"duration":\([0-9]\)/"duration":9/' "$T/good.chain" > "$T/bad.chain"
broken "duration" 'line 2, seq 1: field "duration" does not match the signed record'

# Two records swapped.
awk 'NR == 2 { held = $0; next } { print } NR == 3 { print held }' "$T/good.chain" > "$T/bad.chain"
broken "swapped" "line 2, seq 2: seq follows seq 0"

# A record signed with another key, for a room of the same name.
run 0 seg-chain key --key "$T/other.key"
run 0 seg-chain --key "$T/other.key" --store "$T/other.store" --chain "$T/other.chain" "room" < "$T/input"
{ sed -n 1p "$T/good.chain"; sed -n 2p "$T/other.chain"; sed -n '3,$p' "$T/good.chain"; } > "$T/bad.chain"
broken "other key" "line 2, seq 1: room hlswarm://[0-9a-f]{64}/room differs"
# ...and a whole chain of another creator is refused when the room is given.
cp "$T/other.chain" "$T/bad.chain"
broken "other creator" "line 1, seq 0: the chain is room" \
  --room "$(head -n 1 "$T/good.chain" | jq -r .room)"

# --room takes a room name, as seg-chain ROOM does (a room of this key's
# creator), or a room URI (of any creator).
run 0 seg-chain verify "$T/good.chain" --room room
run 0 seg-chain verify "$T/good.chain" --room "$(head -n 1 "$T/good.chain" | jq -r .room)"
run 0 seg-chain verify "$T/other.chain" --room "$(head -n 1 "$T/other.chain" | jq -r .room)"
run 0 seg-chain verify "$T/other.chain" --room room --key "$T/other.key"
cp "$T/good.chain" "$T/bad.chain"
broken "other name" "line 1, seq 0: the chain is room hlswarm://[0-9a-f]{64}/room, not hlswarm://[0-9a-f]{64}/other%20room" \
  --room "other room"
cp "$T/other.chain" "$T/bad.chain"
broken "same name, other creator" "line 1, seq 0: the chain is room" --room room
run 64 seg-chain verify "$T/good.chain" --room " room"
expect_err "room ' room': a room name cannot start or end with a space"
run 64 seg-chain verify "$T/good.chain" --room "hlswarm://nokey/room"
run 66 seg-chain verify "$T/good.chain" --room room --key "$T/missing.key"
expect_err "missing.key: no such file or directory \(a room name is a room of this key's creator"
[ ! -e "$T/missing.key" ] || fail "verify created a key file"

# A --segments folder that is not there is missing input (66), not a chain
# whose segments are all missing (65).
run 66 seg-chain verify "$T/good.chain" --segments "$T/no-such-folder"
expect_err "^seg-chain: error: $T/no-such-folder: no such folder \(--segments\)$"
run 66 seg-chain verify "$T/good.chain" --segments "$T/good.chain"
expect_err "good.chain: not a folder \(--segments\)$"

# Truncated: a torn last line, a line missing in the middle, the first
# line missing, the end record missing (caught with --ended).
head -c -40 "$T/good.chain" > "$T/bad.chain"
broken "torn" "line $((n + 1)), seq $n: torn last line"
sed 3d "$T/good.chain" > "$T/bad.chain"
broken "middle" "line 3, seq 3: seq follows seq 1"
sed 1d "$T/good.chain" > "$T/bad.chain"
broken "first" "line 1, seq 1: the chain starts at seq 1, not 0"
sed '$d' "$T/good.chain" > "$T/bad.chain"
run 0 seg-chain verify "$T/bad.chain"        # a live chain may end anywhere
broken "end" "no end record after seq $((n - 1))" --ended
: > "$T/bad.chain"
broken "empty" "no records"
# A record after the end record.
{ cat "$T/good.chain"; sed -n 2p "$T/good.chain"; } > "$T/bad.chain"
broken "after end" "seq 1: (a record after the end record|seq follows)"

run 66 seg-chain verify "$T/missing.chain"
run 66 seg-chain verify "$T"
expect_err "not a regular file"
run 64 seg-chain verify

# verify reads standard input with "-": seg-chain's own output is a chain.
run 0 seg-chain verify - < "$T/good.chain"
expect_out '"records":'
sed 's/"duration":4/"duration":5/' "$T/good.chain" > "$T/edited.chain"
run 65 seg-chain verify - < "$T/edited.chain"
expect_err "^seg-chain: error: stdin: line 1"
