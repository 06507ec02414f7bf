# A 3 s GOP against an 8 s target: cuts fall on the first keyframe at or
# after each multiple of 8 s on the stream's own timeline (9, 18, 24), the
# same places FFmpeg's own HLS muxer cuts, and never drift.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.ts" 30 3
run 0 seg-split -o "$T/segs" - <"$T/in.ts"
check_segments 25
expect_eq "$(durations)" "9 9 6 6" "durations"

# FFmpeg's HLS muxer on the same input cuts at the same points.
mkdir "$T/ffmpeg"
ffmpeg -nostdin -loglevel error -i "$T/in.ts" -c copy -f hls -hls_time 8 \
  -hls_list_size 0 -hls_segment_filename "$T/ffmpeg/s%d.ts" "$T/ffmpeg/index.m3u8"
theirs=$(sed -n 's/^#EXTINF:\([0-9.]*\),.*/\1/p' "$T/ffmpeg/index.m3u8" | awk '{ printf "%s%g", sep, $1; sep = " " }')
expect_eq "$(durations)" "$theirs" "durations against ffmpeg -f hls"

# A 2 s GOP against a 3 s target: boundaries 3, 6, 9 -> cuts at 4, 6, 10.
make_video "$T/gop2.ts" 12 2
run 0 seg-split -d 3 -o "$T/gop2" "$T/gop2.ts"
check_segments 25
expect_eq "$(durations)" "4 2 4 2" "durations of a 2 s GOP cut every 3 s"
