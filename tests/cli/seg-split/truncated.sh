# A stream that stops mid-segment (an MPEG-TS file cut anywhere, a live
# encoder killed) closes its last segment cleanly: every segment is whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.ts" 10 2
size=$(stat -c %s "$T/in.ts")
head -c $((size * 55 / 100 + 77)) "$T/in.ts" >"$T/cut.ts"
run 0 seg-split -d 2 -o "$T/segs" - <"$T/cut.ts"
check_segments 25
# Cut at 55% of 10 s: segments of 2 s, and a short last one.
[ "$segment_count" -ge 3 ] || fail "only $segment_count segments"
last=$(durations | awk '{ print $NF }')
near "$last" 1 1 || fail "last segment lasts $last s"
