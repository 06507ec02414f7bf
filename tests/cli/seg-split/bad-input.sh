# Bad input: a clear message, exit 65 (66 for a missing file), nothing on
# stdout, and no segment or temporary file left in the output folder.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

nothing_written() {
  expect_empty_out
  if [ -d "$T/segs" ]; then
    left=$(find "$T/segs" -mindepth 1 | head -n 3)
    [ -z "$left" ] || fail "files left in the output folder: $left"
  fi
}

awk 'BEGIN { for (i = 0; i < 25000; i++) print "not a video" }' >"$T/garbage.ts"
run 65 seg-split -o "$T/segs" "$T/garbage.ts"
expect_err "^seg-split: error: .*garbage.ts: not a media file"
nothing_written

run 65 seg-split -o "$T/segs" - <"$T/garbage.ts"
expect_err "^seg-split: error: stdin: not a media file"
nothing_written

# An MP4 cut short before its index.
make_video "$T/in.mp4" 6 2
head -c 200000 "$T/in.mp4" >"$T/cut.mp4"
run 65 seg-split -o "$T/segs" "$T/cut.mp4"
expect_err "^seg-split: error: .*cut.mp4: not a media file, or truncated \(moov atom not found\)$"
nothing_written

# An MP4 whose index (moov) comes after the media (ffmpeg's default) cannot
# be read from a pipe; FFmpeg only said "partial file". Remuxed with
# -movflags faststart, or fragmented, it can.
run 65 seg-split -o "$T/piped" - <"$T/in.mp4"
expect_err "^seg-split: error: stdin: an MP4 whose index \(moov\) comes after the media cannot be read from a pipe: give the file by name, or remux it with ffmpeg -c copy -movflags faststart$"
expect_empty_out
[ -z "$(ls -A "$T/piped" 2>/dev/null)" ] || fail "segments of an unreadable pipe"
ffmpeg -nostdin -loglevel error -i "$T/in.mp4" -c copy -movflags faststart "$T/fast.mp4"
ffmpeg -nostdin -loglevel error -i "$T/in.mp4" -c copy -movflags frag_keyframe+empty_moov "$T/frag.mp4"
for ok in fast frag; do
  run 0 seg-split -d 2 -o "$T/$ok" - <"$T/$ok.mp4"
  expect_out '"segments":3,'
done

: >"$T/empty.ts"
run 65 seg-split -o "$T/segs" "$T/empty.ts"
expect_err "^seg-split: error: .*empty.ts: empty input$"
nothing_written
run 65 seg-split -o "$T/segs" </dev/null
expect_err "^seg-split: error: stdin: empty input$"
nothing_written

run 66 seg-split -o "$T/segs" "$T/missing.ts"
expect_err "^seg-split: error: .*missing.ts: no such file or directory$"
nothing_written
run 66 seg-split -o "$T/segs" "$T"
expect_err "is a folder$"
nothing_written

# Media without audio or video: a subtitle track alone.
printf '1\n00:00:00,000 --> 00:00:01,000\nhello\n' >"$T/words.srt"
ffmpeg -nostdin -loglevel error -i "$T/words.srt" "$T/words.mkv"
run 65 seg-split -o "$T/segs" "$T/words.mkv"
expect_err "^seg-split: error: .*words.mkv: no audio or video stream$"
nothing_written

# An output folder that cannot be made.
run 73 seg-split -o "$T/in.mp4/segs" "$T/in.mp4"
expect_err "^seg-split: error: .*in.mp4/segs"
