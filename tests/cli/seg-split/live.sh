# A live pipe: the line for a segment comes out as soon as the keyframe that
# closes it arrives, while the encoder is still sending; the playlist is an
# open EVENT playlist meanwhile and gets its ENDLIST at the end of input.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

mkfifo "$T/pipe"
# 12 s of input in real time (-re), a keyframe every second.
ffmpeg -nostdin -loglevel error -re \
  -f lavfi -i "testsrc2=size=320x240:rate=25:duration=12" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=12" \
  -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -keyint_min 25 -sc_threshold 0 \
  -c:a aac -b:a 64k -f mpegts - >"$T/pipe" &
encoder=$!
seg-split -d 2 -o "$T/segs" --playlist "$T/segs/index.m3u8" <"$T/pipe" >"$T/out" 2>"$T/err" &
splitter=$!

first_line() { grep -q '"seq":0,' "$T/out"; }
wait_for 20 first_line
kill -0 "$encoder" 2>/dev/null || fail "the first line came only after the encoder had finished"
grep -q '"end":true' "$T/out" && fail "end line before the end of input"
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$T/segs/index.m3u8" || fail "no live playlist yet"
grep -q '#EXT-X-ENDLIST' "$T/segs/index.m3u8" && fail "ENDLIST while live"

ended() { ! kill -0 "$splitter" 2>/dev/null; }
wait_for 30 ended
wait "$encoder" || fail "encoder failed"
status=0
wait "$splitter" || status=$?
expect_eq "$status" 0 "seg-split exit status"
check_segments 25
expect_eq "$(durations)" "2 2 2 2 2 2" "durations"
grep -qx '#EXT-X-ENDLIST' "$T/segs/index.m3u8" || fail "no ENDLIST at the end"
