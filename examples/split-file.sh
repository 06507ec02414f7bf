#!/usr/bin/env bash
# Cut a video file into 4-second HLS segments with a playlist, then show
# what was made. Uses a generated test video when no file is given:
#
#   examples/split-file.sh [VIDEO] [OUT_DIR]
#
# Play the result with: mpv OUT_DIR/index.m3u8
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${HLSWARM_BIN:-$top/build/bin}:$PATH
command -v seg-split >/dev/null || { echo "build first: scripts/build" >&2; exit 69; }

out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/split-file.XXXXXX")}
mkdir -p "$out"
video=${1:-}
if [ -z "$video" ]; then
  video=$out/test-video.mp4
  echo "# making a 20 s test video: $video" >&2
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=640x360:rate=25:duration=20" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
    -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac "$video"
fi

# One JSON line per segment on stdout; keep them, and show them as they come.
seg-split -d 4 -o "$out/segs" --playlist "$out/index.m3u8" "$video" |
  tee "$out/segments.jsonl"

echo "# segments, from the JSON lines:" >&2
jq -r 'select(.seq != null) | "\(.seq)\t\(.start)s\t+\(.duration)s\t\(.bytes) bytes\t\(.path)"' \
  "$out/segments.jsonl" >&2
echo "# playlist: $out/index.m3u8 (mpv $out/index.m3u8)" >&2
