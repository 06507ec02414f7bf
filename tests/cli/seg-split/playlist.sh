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

# --playlist replaces only an earlier seg-split playlist of the same --out
# folder; anything else stays as it is (73). The input itself is refused
# as a usage error (64) before anything is read.
cp "$T/in.mp4" "$T/talk.mp4"
sum=$(md5sum <"$T/talk.mp4")
run 64 seg-split -o "$T/out1" --playlist "$T/talk.mp4" "$T/talk.mp4"
expect_err "^seg-split: error: --playlist: $T/talk.mp4: is the input file$"
run 64 seg-split -o "$T/out1" --playlist "$T/media/../talk.mp4" "$T/talk.mp4"
run 73 seg-split -o "$T/out1" --playlist "$T/talk.mp4" "$T/in.mp4"
expect_err "^seg-split: error: $T/talk.mp4: exists and is not an HLS playlist: not replaced"
expect_empty_out
expect_eq "$(md5sum <"$T/talk.mp4")" "$sum" "the video named by --playlist"
[ ! -e "$T/out1" ] || fail "segments folder made for a refused playlist"
# Another tool's playlist, and ours for segments in another folder.
ffmpeg -nostdin -loglevel error -i "$T/in.mp4" -c copy -f hls -hls_time 4 "$T/ff.m3u8"
cp "$T/ff.m3u8" "$T/ff.before"
run 73 seg-split -o "$T/out1" --playlist "$T/ff.m3u8" "$T/in.mp4"
expect_err "ff.m3u8: exists and is not a playlist seg-split wrote: not replaced"
cmp -s "$T/ff.m3u8" "$T/ff.before" || fail "ffmpeg's playlist was replaced"
cp "$T/media/live.m3u8" "$T/ours.before"
run 73 seg-split -o "$T/out1" --playlist "$T/media/live.m3u8" "$T/in.mp4"
expect_err "live.m3u8: exists and lists segments outside $T/out1: not replaced"
cmp -s "$T/media/live.m3u8" "$T/ours.before" || fail "another folder's playlist was replaced"
[ ! -e "$T/out1" ] || fail "segments folder made for a refused playlist"

# Outputs that would be one file are refused (64) before any input is read.
exec 3<>"$T/silent"
mkdir "$T/o2"
for args in "--playlist $T/o2/seg00001.ts" "--format fmp4 --playlist $T/o2/init.mp4" \
            "--format fmp4 --init-name seg00000.m4s" "--name x%d.ts --playlist $T/o2/x7.ts"; do
  # shellcheck disable=SC2086 # the options are split on purpose
  run 64 timeout 20 seg-split -o "$T/o2" $args <"$T/silent"
  expect_err "^seg-split: error: --(playlist|init-name): "
  expect_empty_out
  [ -z "$(ls -A "$T/o2")" ] || fail "$args: wrote $(ls -A "$T/o2")"
done
exec 3>&-
