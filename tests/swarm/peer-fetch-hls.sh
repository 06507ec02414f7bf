# --hls DIR: for a live room, DIR/index.m3u8 is an EVENT playlist without
# EXT-X-ENDLIST that ffprobe reads while the room is live, gets
# EXT-X-ENDLIST at the end record (ffprobe then gives the stream's
# duration), and "-o -" puts the same segments on stdout meanwhile. For a
# prepared video the playlist ends up a VOD playlist.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 24
n=$(wc -l <seg/lines)
{ cat seg/lines; end_line "$n"; } | seg-chain --store "$T/maker" live >chain.lines
{ cat seg/lines; end_line "$n"; } | seg-chain --store "$T/maker" film >film.lines
run 0 room-announce create live
uri=$(cat "$T/out")

start_bootstrap 127.0.0.90
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce live --listen 127.0.0.91:0 \
  --bootstrap "$boot" --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)

start viewer peer-fetch --hls hls -o - "$uri?$hint" --store "$T/store1" \
  --listen 127.0.0.92:0 --bootstrap "$boot" --timeout 30s 3>&-
# The first record starts the room: the viewer starts with it.
head -n 1 chain.lines >&3
wait_for 30 test -s hls/index.m3u8
sed -n "2,${n}p" chain.lines >&3
wait_for 30 grep -q "$(basename "$(sed -n "${n}p" seg/lines | jq -r .path)")" hls/index.m3u8

# Live: an EVENT playlist without ENDLIST, which ffprobe reads.
cp hls/index.m3u8 live.m3u8
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' live.m3u8 || fail "not an EVENT playlist: $(cat live.m3u8)"
! grep -q '#EXT-X-ENDLIST' live.m3u8 || fail "ENDLIST while live"
run 0 ffprobe -v error hls/index.m3u8

# The end record: ENDLIST, and ffprobe gives the duration of what was written.
sed -n "$((n + 1))p" chain.lines >&3
finish viewer
grep -qx '#EXT-X-ENDLIST' hls/index.m3u8 || fail "no ENDLIST after the end: $(cat hls/index.m3u8)"
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' hls/index.m3u8 || fail "an ended live room is not EVENT"
first=$(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' hls/index.m3u8)
expect_eq "$first" 0 "first segment of a viewer there from the start"
tail -n +$((first + 1)) seg/lines | jq -r .path | xargs cat >stream.ts
cmp stream.ts "$T/viewer.out" || fail "stdout is not the segments from seq $first on"
for f in $(grep -v '^#' hls/index.m3u8); do
  cmp "seg/$f" "hls/$f" || fail "hls/$f differs"
done
want=$(tail -n +$((first + 1)) seg/lines | jq -s 'map(.duration) | add')
run 0 ffprobe -v error -show_entries format=duration -of csv=p=0 hls/index.m3u8
got=$(cat "$T/out")
awk -v g="$got" -v w="$want" 'BEGIN { exit !(g - w < 0.5 && w - g < 0.5) }' ||
  fail "ffprobe: $got s, the segments last $want s"

exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130

# A prepared video: a VOD playlist, complete, with ENDLIST.
run 0 room-announce create --vod film
start_reading film film.lines room-announce film --listen 127.0.0.93:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/film.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/film.err" | head -1)
wait_for 30 has_lines film $((n + 1))
run 0 peer-fetch --hls vod "$(room-announce create --vod film)?$hint" --store "$T/store2" \
  --listen 127.0.0.94:0 --bootstrap "$boot"
expect_empty_out
grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' vod/index.m3u8 || fail "not a VOD playlist: $(cat vod/index.m3u8)"
grep -qx '#EXT-X-ENDLIST' vod/index.m3u8 || fail "VOD playlist without ENDLIST"
expect_eq "$(grep -c '^#EXTINF' vod/index.m3u8)" "$n" "segments in the VOD playlist"
run 0 ffprobe -v error -show_entries format=duration -of csv=p=0 vod/index.m3u8
awk -v g="$(cat "$T/out")" -v w="$(jq -s 'map(.duration) | add' seg/lines)" \
  'BEGIN { exit !(g - w < 0.5 && w - g < 0.5) }' || fail "ffprobe: $(cat "$T/out") s for the VOD"
kill -TERM "${pids[film]}"
finish film 130
stop bootstrap
