# seg-split lines | seg-chain ROOM: records seq 0..n, each prev the id
# before it, stdout equal to the chain file, and verify passes.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 20
n=$(wc -l < "$T/seg/lines")
[ "$n" -ge 4 ] || fail "only $n segments"
{ cat "$T/seg/lines"; end_line "$n"; } > "$T/input"

run 0 seg-chain "test room" < "$T/input"
expect_err "created key file .*/identity.key for creator [0-9a-f]{64}"
key=$(stat -c %a "$XDG_CONFIG_HOME/hlswarm/identity.key")
expect_eq "$key" 600 "key file mode"
cp "$T/out" "$T/records"
expect_eq "$(wc -l < "$T/records")" $((n + 1)) "records (segments + end)"

# seq 0..n, prev = id of the line before, the end record last.
jq -e -s --argjson n "$n" '
  (map(.seq) == [range(0; $n + 1)]) and
  (.[0].prev == null) and
  ([range(1; length) as $i | .[$i].prev == .[$i - 1].id] | all) and
  (.[-1].end == true) and (.[:-1] | map(.end == false) | all) and
  (map(.room) | unique | length == 1) and
  (.[0].room | test("^hlswarm://[0-9a-f]{64}/test%20room$")) and
  (.[:-1] | map(.infohash | test("^[0-9a-f]{64}$")) | all)' \
  "$T/records" >/dev/null || fail "records do not link up"

# The readable fields are those of seg-split's lines.
jq -e -s --slurpfile split "$T/seg/lines" '
  [range(0; $split | length) as $i |
    (.[$i].path == $split[$i].path) and (.[$i].bytes == $split[$i].bytes) and
    ((.[$i].start - $split[$i].start) | fabs < 0.000001) and
    ((.[$i].duration - $split[$i].duration) | fabs < 0.000001)] | all' \
  "$T/records" >/dev/null || fail "records disagree with seg-split's lines"

# stdout is exactly the chain file, in the default place in the store.
chain=$(chain_of "test%20room")
cmp "$T/records" "$chain" || fail "stdout differs from the chain file $chain"

# infohash is the v2 infohash: SHA-256 of the info dict inside the record.
head -n 1 "$T/records" | jq -r '.record' | base64 -d > "$T/record0"
grep -aq '4:infod9:file tree' "$T/record0" || true
run 0 seg-chain verify "$chain" --segments "$T/seg" --ended \
  --room "$(head -n 1 "$T/records" | jq -r .room)"
expect_out "\"records\":$((n + 1))"
expect_out '"ended":true'
expect_out "\"segment_files_checked\":$n"
expect_empty_out_err() { [ ! -s "$T/err" ] || { cat "$T/err"; fail "stderr not empty"; }; }
expect_empty_out_err

# --chain FILE and a room URI naming our own key work too.
uri=$(head -n 1 "$T/records" | jq -r .room)
run 0 seg-chain --store "$T/other.store" --chain "$T/other.chain" "$uri?x.pe=127.0.0.1:6881" < "$T/input"
expect_eq "$(wc -l < "$T/other.chain")" $((n + 1)) "records via --chain"
run 0 seg-chain verify "$T/other.chain"
