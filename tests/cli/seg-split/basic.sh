# A file with a keyframe every 2 s is cut every 8 s (the default), each
# segment a complete, playable file that starts on a keyframe.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.mp4" 20 2
run 0 seg-split -o "$T/segs" "$T/in.mp4"
check_segments 25
expect_eq "$(durations)" "8 8 4" "durations"
expect_eq "$(segment_lines | jq -r .format | sort -u)" "mpegts" "format"
expect_eq "$(segment_lines | jq -r .path | xargs -n1 basename | tr '\n' ' ')" \
  "seg00000.ts seg00001.ts seg00002.ts " "names"

# The durations add up to the input's, within a frame.
input=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$T/in.mp4")
near "$total_duration" "$input" 0.04 || fail "segments last $total_duration s, input $input s"

# Each segment has audio too, and ffprobe sees no stream missing.
for f in "$T"/segs/*.ts; do
  expect_eq "$(ffprobe -v error -show_entries stream=codec_type -of json "$f" | jq -r '.streams[].codec_type' | sort | tr '\n' ' ')" \
    "audio video " "streams of $f"
done

# -d 4 on the same input: five segments of 4 s.
run 0 seg-split -q -d 4 -o "$T/four" --name 'part-%d.ts' --start-seq 10 "$T/in.mp4"
expect_eq "$(durations)" "4 4 4 4 4" "durations with -d 4"
expect_eq "$(segment_lines | jq -r .seq | tr '\n' ' ')" "10 11 12 13 14 " "seq with --start-seq"
head -n 1 "$T/out" | grep -q "\"start\":0.0," || fail "first start is not 0.0"
[ -f "$T/four/part-14.ts" ] || fail "part-14.ts missing"
