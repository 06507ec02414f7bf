# Codecs the segment container cannot carry are refused before anything is
# written (exit 65, naming the stream and what to do), never written as
# unplayable private data; fMP4 takes VP9 and Opus.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

ffmpeg -nostdin -loglevel error -y \
  -f lavfi -i "testsrc2=size=160x120:rate=25:duration=3" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
  -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25 -c:a libopus "$T/talk.webm"
ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=frequency=440:duration=3" "$T/tone.wav"

run 65 seg-split -o "$T/ts" "$T/talk.webm"
expect_err "^seg-split: error: $T/talk.webm: stream 0 \(vp9\) cannot go into MPEG-TS: use --format fmp4$"
expect_empty_out
[ ! -e "$T/ts" ] || fail "an output folder was made for a refused input"

run 0 seg-split -d 1 --format fmp4 -o "$T/f" "$T/talk.webm"
check_segments 25 "$T/f/init.mp4"
cat "$T/f/init.mp4" "$T/f/seg00000.m4s" >"$T/probe.mp4"
expect_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/probe.mp4" | sort | tr '\n' ' ')" "opus vp9 " "codecs in fMP4"

run 65 seg-split -o "$T/wav" "$T/tone.wav"
expect_err "stream 0 \(pcm_s16le\) cannot go into MPEG-TS: re-encode it first \(e.g. ffmpeg -c:a aac\)"
run 65 seg-split --format fmp4 -o "$T/wav" "$T/tone.wav"
expect_err "stream 0 \(pcm_s16le\) cannot go into fMP4"
[ ! -e "$T/wav" ] || fail "an output folder was made for a refused input"

# Opus goes into MPEG-TS (FFmpeg maps it; ffprobe reads it back).
ffmpeg -nostdin -loglevel error -y -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
  -c:a libopus "$T/tone.opus"
run 0 seg-split -d 1 -o "$T/opus" "$T/tone.opus"
expect_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/opus/seg00000.ts" | grep . | sort -u)" opus "codec of an Opus segment"
