# MPEG-TS timestamps that wrap around (33 bits, every 26.5 h) or jump
# (spliced streams, a restarted encoder): segments keep sane durations that
# add up to the media, never negative or giant.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

# Starts 2.3 s before the 33-bit wrap at 90 kHz (95443.717 s).
make_video "$T/wrap.ts" 10 2 -output_ts_offset 95440
run 0 seg-split -d 2 -o "$T/wrap" "$T/wrap.ts"
check_segments 25
expect_eq "$(durations)" "2 2 2 2 2" "durations across the wrap"

# Two recordings spliced: time jumps 1000 s forwards, then back to 0.
make_video "$T/a.ts" 6 2
make_video "$T/b.ts" 6 2 -output_ts_offset 1000
cat "$T/a.ts" "$T/b.ts" "$T/a.ts" >"$T/spliced.ts"
run 0 seg-split -d 2 -o "$T/spliced" - <"$T/spliced.ts"
check_segments 25
expect_err "timestamps jump by"
for d in $(durations); do
  awk -v d="$d" 'BEGIN { exit !(d > 0 && d <= 4) }' || fail "a segment of $d s"
done
near "$total_duration" 18 0.1 || fail "spliced segments last $total_duration s, not 18"
