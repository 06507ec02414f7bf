# --format fmp4: one init segment, then fragments that each play after it,
# from MPEG-TS input (ADTS audio) and from MP4 input; the playlist plays.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.ts" 12 2
run 0 seg-split --format fmp4 -d 4 -o "$T/segs" --playlist "$T/segs/index.m3u8" "$T/in.ts"
[ -s "$T/segs/init.mp4" ] || fail "no init segment"
check_segments 25 "$T/segs/init.mp4"
expect_eq "$(durations)" "4 4 4" "durations"
expect_eq "$(segment_lines | jq -r .format | sort -u)" "fmp4" "format"
expect_eq "$(segment_lines | jq -r .init | sort -u)" "$T/segs/init.mp4" "init path"
expect_eq "$(segment_lines | jq -r .path | xargs -n1 basename | tr '\n' ' ')" \
  "seg00000.m4s seg00001.m4s seg00002.m4s " "default fmp4 names"

# The init segment holds no media, and each fragment has audio too.
expect_eq "$(ffprobe -v error -show_entries packet=pts -of csv=p=0 "$T/segs/init.mp4" | grep -c .)" 0 "packets in init.mp4"
cat "$T/segs/init.mp4" "$T/segs/seg00001.m4s" >"$T/one.mp4"
expect_eq "$(ffprobe -v error -show_entries stream=codec_type -of json "$T/one.mp4" | jq -r '.streams[].codec_type' | sort | tr '\n' ' ')" \
  "audio video " "streams"

# The playlist: EXT-X-MAP, all fragments, the end mark; ffprobe plays it all.
grep -qx '#EXT-X-MAP:URI="init.mp4"' "$T/segs/index.m3u8" || fail "no EXT-X-MAP"
grep -qx '#EXT-X-ENDLIST' "$T/segs/index.m3u8" || fail "no ENDLIST"
frames=$(video_packets "$T/segs/index.m3u8" | wc -l)
expect_eq "$frames" 300 "video frames through the playlist"

# MP4 input with a 3 s GOP.
make_video "$T/in.mp4" 10 3
run 0 seg-split --format fmp4 -o "$T/mp4" --init-name head.mp4 "$T/in.mp4"
check_segments 25 "$T/mp4/head.mp4"
expect_eq "$(durations)" "9 1" "durations"
