# H.264 with B-frames from MP4 and from Matroska (which leaves dts out on
# the first packets): every packet keeps its pts, audio and video shifted
# alike (no A/V desync), and no false "timestamps jump" warning.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

# Default x264 settings but for speed: B-frames (superfast has 3), which
# -tune zerolatency in make_video would turn off.
ffmpeg -nostdin -loglevel error -y \
  -f lavfi -i "testsrc2=size=320x240:rate=25:duration=6" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=6" \
  -c:v libx264 -preset superfast -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 \
  -c:a aac -b:a 64k "$T/talk.mp4"
ffmpeg -nostdin -loglevel error -y -i "$T/talk.mp4" -c copy "$T/talk.mkv"
b_frames=$(ffprobe -v error -select_streams v -show_entries frame=pict_type -of csv=p=0 "$T/talk.mp4" | grep -c B || true)
[ "$b_frames" -gt 0 ] || fail "the fixture has no B-frames"

# pts_list FILE... STREAM: pts of each packet of stream type STREAM, in
# file order, over the files in turn.
pts_list() {
  local stream=${*: -1} file
  for file in "${@:1:$#-1}"; do
    ffprobe -v error -select_streams "$stream" -show_entries packet=pts_time -of csv=p=0 "$file" | grep .
  done
}

# shift_of INPUT_LIST SEGMENT_LIST: the one constant by which the segments'
# pts differ from the input's last packets (the segments leave out what
# comes before the first keyframe), or a failure.
shift_of() {
  local n
  n=$(wc -l <"$2")
  [ "$n" -gt 0 ] || fail "no packets in the segments"
  paste -d' ' <(tail -n "$n" "$1") "$2" | awk '
    { d = $2 - $1; if (NR == 1) first = d
      else if (d - first > 0.002 || first - d > 0.002) { print "packet " NR ": pts " $1 " became " $2 " (shift " d ", first " first ")"; bad = 1; exit 1 } }
    END { if (!bad) printf "%.3f\n", first }'
}

for container in mp4 mkv; do
  run 0 seg-split -d 2 -o "$T/$container" "$T/talk.$container"
  if grep -q "jump" "$T/err"; then cat "$T/err"; fail "$container: a false discontinuity"; fi
  check_segments 25
  mapfile -t segs < <(segment_lines | jq -r .path)
  pts_list "$T/talk.$container" v >"$T/in-v"
  pts_list "$T/talk.$container" a >"$T/in-a"
  pts_list "${segs[@]}" v >"$T/out-v"
  pts_list "${segs[@]}" a >"$T/out-a"
  video=$(shift_of "$T/in-v" "$T/out-v") || fail "$container video: $video"
  audio=$(shift_of "$T/in-a" "$T/out-a") || fail "$container audio: $audio"
  near "$video" "$audio" 0.002 || fail "$container: video shifted by $video s, audio by $audio s"
done
