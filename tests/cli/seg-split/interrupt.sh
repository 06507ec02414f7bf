# SIGINT or SIGTERM: the segment being written is closed and reported, then
# the end line; exit 130; nothing half-written stays behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

stop_with() {
  local signal=$1 dir=$T/$1
  mkfifo "$T/pipe-$signal"
  ffmpeg -nostdin -loglevel error -re \
    -f lavfi -i "testsrc2=size=320x240:rate=25:duration=30" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=30" \
    -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -keyint_min 25 -sc_threshold 0 \
    -c:a aac -b:a 64k -f mpegts - >"$T/pipe-$signal" 2>/dev/null &
  local encoder=$!
  # Emptied here, not by the background job's redirection: otherwise the
  # previous run's first line could be seen before this seg-split has even
  # started, and the signal would hit a process with no handler yet (exit
  # 143, seen once in CI).
  : >"$T/out"
  seg-split -d 1 -o "$dir" --playlist "$dir/index.m3u8" <"$T/pipe-$signal" >>"$T/out" 2>"$T/err" &
  local splitter=$!
  first_line() { grep -q '"seq":0,' "$T/out"; }
  wait_for 20 first_line
  kill -"$signal" "$splitter"
  ended() { ! kill -0 "$splitter" 2>/dev/null; }
  wait_for 30 ended
  local status=0
  wait "$splitter" || status=$?
  expect_eq "$status" 130 "exit status after SIG$signal"
  kill "$encoder" 2>/dev/null || true
  wait "$encoder" 2>/dev/null || true
  check_segments 25
  [ "$segment_count" -ge 2 ] || fail "the segment being written was not closed"
  expect_eq "$(grep -v '^#' "$dir/index.m3u8" | wc -l)" "$segment_count" "playlist entries"
  grep -qx '#EXT-X-ENDLIST' "$dir/index.m3u8" || fail "no ENDLIST after SIG$signal"
}

stop_with INT
stop_with TERM

# Stopped before any media arrived: no segment, just the end line.
mkfifo "$T/idle"
exec 3<>"$T/idle" # an input that stays open and silent
seg-split -o "$T/idle-segs" <"$T/idle" >"$T/out" 2>"$T/err" &
splitter=$!
# Ready once it catches SIGINT (a background job of a script starts with
# SIGINT ignored, so a signal sent earlier would be lost).
started() {
  local caught
  caught=$(awk '/^SigCgt:/ { print $2 }' "/proc/$splitter/status" 2>/dev/null) || return 1
  [ -n "$caught" ] && (( (16#$caught & 2) != 0 ))
}
wait_for 10 started
kill -INT "$splitter"
ended() { ! kill -0 "$splitter" 2>/dev/null; }
wait_for 30 ended
status=0
wait "$splitter" || status=$?
exec 3>&-
expect_eq "$status" 130 "exit status when idle"
expect_eq "$(cat "$T/out")" '{"end":true,"segments":0,"v":1}' "stdout when idle"

# Stopped while the input has gone silent mid-segment (the encoder stalled
# but the pipe is still open): the segment is closed all the same.
mkfifo "$T/stall"
exec 4<>"$T/stall"
make_video "$T/three.ts" 3 1
seg-split -d 10 -o "$T/stall-segs" <"$T/stall" >"$T/out" 2>"$T/err" &
splitter=$!
cat "$T/three.ts" >&4 &
wait_for 10 started
# All 3 s are read, well before any 10 s boundary: nothing printed yet.
read_all() { [ "$(awk '/^rchar:/ { print $2 }' "/proc/$splitter/io" 2>/dev/null)" -ge "$(stat -c %s "$T/three.ts")" ]; }
if [ -r "/proc/$splitter/io" ]; then wait_for 10 read_all; fi
kill -INT "$splitter"
wait_for 30 ended
status=0
wait "$splitter" || status=$?
exec 4>&-
expect_eq "$status" 130 "exit status when stalled"
expect_eq "$(grep -c '"seq"' "$T/out")" 1 "segments when stalled"
expect_out '"end":true,"segments":1'
