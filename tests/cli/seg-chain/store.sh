# The creator's segments and records go into the store, in a pinned room
# that store-gc never evicts; a segment stored for a record that was never
# appended does not block the next run.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 12
n=$(wc -l < "$T/seg/lines")
store="$T/store"
{ cat "$T/seg/lines"; end_line "$n"; } > "$T/input"
run 0 seg-chain --store "$store" room < "$T/input"

db="$store/store.db"
expect_eq "$(sqlite3 "$db" 'SELECT count(*) FROM records')" $((n + 1)) "records in the store"
expect_eq "$(find "$store/segments" -type f -name '*.ts' | wc -l)" "$n" "segment files in the store"
expect_eq "$(sqlite3 "$db" "SELECT pinned || ' ' || state FROM rooms")" "1 ended" "room pinned and ended"
# Each stored file is byte-identical to the one seg-split wrote.
for f in "$T"/seg/seg*.ts; do
  ih=$(jq -r --arg p "$f" 'select(.path == $p) | .infohash' "$T/out")
  cmp -s "$f" "$store/segments/${ih:0:2}/$ih.ts" || fail "$f differs from its stored copy"
done

run 0 store-gc --store "$store" --check
run 0 store-gc --store "$store" --max-size 0 --json
expect_eq "$(tail -1 "$T/out" | jq -r '.removed')" 0 "segments evicted from a pinned room"
expect_eq "$(find "$store/segments" -type f -name '*.ts' | wc -l)" "$n" "segment files after gc"

# A line refused after its segment was stored (a control character in the
# path: the chain cannot hold it) leaves the store able to take another
# segment at that seq.
s2="$T/store2"
mkdir "$T/ctl$(printf '\001')dir"
cp "$T/seg/seg000.ts" "$T/ctl$(printf '\001')dir/seg000.ts"
size0=$(stat -c %s "$T/seg/seg000.ts")
printf '{"v":1,"seq":0,"path":"%s","start":0,"duration":4,"bytes":%d}\n' \
  "$T/ctl\\u0001dir/seg000.ts" "$size0" > "$T/bad"
run 65 seg-chain --store "$s2" room < "$T/bad"
sed -n 2p "$T/seg/lines" | sed 's/"seq":1/"seq":0/' > "$T/good"
run 0 seg-chain --store "$s2" room < "$T/good"
expect_eq "$(sqlite3 "$s2/store.db" 'SELECT count(*) FROM segments')" 1 "segments after the refused line"
run 0 store-gc --store "$s2" --check
