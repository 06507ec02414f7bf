# Each segment holds its own span of every stream. An MPEG-TS muxer lays
# audio out a few hundred milliseconds away from the video it plays with;
# cut in file order, a segment started its audio 0.2 s before its first
# video frame and held 8.2 s of audio for 8 s of video. Like ffmpeg -f hls,
# each segment's audio must start with its video and ffprobe's duration of
# the segment must be its stated one, within one AAC frame (1024 samples
# at 48 kHz), in MPEG-TS and fMP4 segments, with and without B-frames.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

aac_frame=0.0214

# stream_start FILE STREAM, format_duration FILE: what ffprobe finds (as
# the issue measured it).
stream_start() {
  local out
  out=$(ffprobe -v error -select_streams "$2" -show_entries stream=start_time -of csv=p=0 "$1")
  echo "${out%%$'\n'*}"
}
format_duration() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
# packet_span FILE: from the first packet's start to the last one's end,
# over all streams (ffprobe's format duration of an fMP4 fragment counts
# from 0, not from its first packet).
packet_span() {
  ffprobe -v error -show_entries packet=pts_time,duration_time -of csv=p=0 "$1" |
    awk -F, '$1 != "N/A" { d = $2 == "N/A" ? 0 : $2; if (!n++ || $1 < lo) lo = $1; if ($1 + d > hi) hi = $1 + d }
             END { printf "%.6f\n", hi - lo }'
}

# check_spans [INIT]: for every segment of the last run, audio starts with
# the video and the whole lasts the stated duration.
check_spans() {
  local init=${1:-} line seq path duration probe video audio whole n=0
  while read -r line; do
    seq=$(jq -r .seq <<<"$line")
    path=$(jq -r .path <<<"$line")
    duration=$(jq -r .duration <<<"$line")
    if [ -n "$init" ]; then probe=$T/probe.mp4; cat "$init" "$path" >"$probe"
    else probe=$T/probe.ts; cp "$path" "$probe"; fi
    video=$(stream_start "$probe" v:0)
    audio=$(stream_start "$probe" a:0)
    if [ -n "$init" ]; then whole=$(packet_span "$probe"); else whole=$(format_duration "$probe"); fi
    near "$audio" "$video" "$aac_frame" ||
      fail "segment $seq ($path): audio starts at $audio s, video at $video s"
    near "$whole" "$duration" "$aac_frame" ||
      fail "segment $seq ($path): ffprobe finds $whole s, the line says $duration s"
    n=$((n + 1))
  done < <(segment_lines)
  [ "$n" -ge 5 ] || fail "only $n segments"
}

make_video "$T/in.ts" 40 2
run 0 seg-split -o "$T/ts" "$T/in.ts"
check_spans
run 0 seg-split --format fmp4 -o "$T/fmp4" "$T/in.ts"
check_spans "$T/fmp4/init.mp4"

# B-frames: a keyframe is decoded before it is shown; the audio up to its
# presentation still belongs to the segment before.
make_video "$T/b.ts" 40 2 -bf 2
b_frames=$(ffprobe -v error -select_streams v -show_entries frame=pict_type -of csv=p=0 -read_intervals %+4 "$T/b.ts" | grep -c B || true)
[ "$b_frames" -gt 0 ] || fail "the B-frame fixture has no B-frames"
run 0 seg-split -o "$T/b" "$T/b.ts"
check_spans
run 0 seg-split --format fmp4 -o "$T/bf" "$T/b.ts"
check_spans "$T/bf/init.mp4"
