# --playlist keeps an HLS media playlist: segment URIs relative to the
# playlist's own folder, EVENT type, ENDLIST at the end; ffprobe plays it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.mp4" 10 2
run 0 seg-split -d 4 -o "$T/media/segs" --playlist "$T/media/live.m3u8" "$T/in.mp4"
check_segments 25
p=$T/media/live.m3u8
expect_eq "$(head -n 1 "$p")" "#EXTM3U" "first line"
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$p" || fail "not an EVENT playlist"
grep -qx '#EXT-X-TARGETDURATION:4' "$p" || fail "target duration"
expect_eq "$(tail -n 1 "$p")" "#EXT-X-ENDLIST" "last line"
expect_eq "$(grep -v '^#' "$p" | tr '\n' ' ')" "segs/seg00000.ts segs/seg00001.ts segs/seg00002.ts " "URIs"
expect_eq "$(grep '^#EXTINF' "$p" | tr '\n' ' ')" "#EXTINF:4.000000, #EXTINF:4.000000, #EXTINF:2.000000, " "EXTINF"
frames=$(video_packets "$p" | wc -l)
expect_eq "$frames" 250 "video frames through the playlist"
no_leftovers "$T/media"
