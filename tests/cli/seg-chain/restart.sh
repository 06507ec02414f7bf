# A restarted pipeline continues the chain: seg-split starts at seq 0 again,
# the chain's seq, prev and timeline go on; an ended chain takes no more;
# a torn last line from a crash is repaired.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 16
n=$(wc -l < "$T/seg/lines")
half=$((n / 2))
head -n "$half" "$T/seg/lines" > "$T/run1"
# The second run: seg-split numbers its segments from 0 again, and its
# timeline starts at 0 again.
tail -n +$((half + 1)) "$T/seg/lines" |
  jq -c --argjson half "$half" '.seq -= $half' > "$T/run2.segments"
first_start=$(head -1 "$T/run2.segments" | jq .start)
jq -c --argjson s "$first_start" '.start -= $s' "$T/run2.segments" > "$T/run2"
end_line $((n - half)) >> "$T/run2"

run 0 seg-chain "live" < "$T/run1"          # no end line: the chain stays open
expect_err "input ended without an end line"
chain=$(chain_of live)
run1_end=$(tail -1 "$chain" | jq '.start + .duration')

# A crash in the middle of an append left a torn line.
printf '{"v":1,"seq":%d,"id":"00' "$half" >> "$chain"
run 0 seg-chain "live" < "$T/run2"
expect_err "repaired: cut off a torn last line"
expect_err "continuing .* after seq $((half - 1))"
jq -e -s --argjson half "$half" --argjson run1 "$run1_end" '
  (.[0].seq == $half) and (.[0].discontinuity == true) and
  (.[1].discontinuity == null) and
  ((.[0].start - $run1) | fabs < 0.000001)' "$T/out" >/dev/null ||
  fail "second run does not continue the first: $(head -c 600 "$T/out")"
run 0 seg-chain verify "$chain" --segments "$T/seg" --ended
expect_out "\"records\":$((n + 1))"
jq -e -s --argjson n "$n" 'map(.seq) == [range(0; $n + 1)]' "$chain" >/dev/null ||
  fail "chain seq is not 0..$n"

# An ended chain refuses new segments and is left as it was.
cp "$chain" "$T/ended.copy"
run 65 seg-chain "live" < "$T/run1"
expect_err "the chain has ended \(end record at seq $n\)"
cmp "$chain" "$T/ended.copy" || fail "refused run changed the chain"
