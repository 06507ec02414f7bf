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

# A playlist that cannot be written is found out before any input is read
# (stdin here stays open and silent), not after the first segment.
mkfifo "$T/silent"
exec 3<>"$T/silent"
for bad in /proc/hlswarm-test.m3u8 "$T/in.mp4/live.m3u8" "$T/media"; do
  run 73 timeout 20 seg-split -o "$T/never" --playlist "$bad" <"$T/silent"
  expect_err "^seg-split: error: ${bad%/*}"
  expect_empty_out
  [ ! -e "$T/never" ] || fail "segments folder made with an unwritable playlist"
done
exec 3>&-
no_leftovers "$T/media"
