#!/usr/bin/env bash
# Cut a live stream as it arrives: ffmpeg sends MPEG-TS in real time into
# seg-split, which prints each segment's line as soon as the keyframe that
# closes it (and the audio up to it) arrives and keeps an EVENT playlist a
# player can follow.
#
#   examples/split-live.sh [SECONDS] [OUT_DIR]
#
# Stop early with Ctrl-C: seg-split closes the segment it is writing,
# prints its line and the end line, and ends the playlist.
# Follow it live with: mpv OUT_DIR/live.m3u8
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${HLSWARM_BIN:-$top/build/bin}:$PATH
command -v seg-split >/dev/null || { echo "build first: scripts/build" >&2; exit 69; }

seconds=${1:-20}
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/split-live.XXXXXX")}
mkdir -p "$out"
echo "# $seconds s of live test video into $out (playlist $out/live.m3u8)" >&2

# A camera would be e.g.: ffmpeg -f v4l2 -i /dev/video0 -c:v libx264 ...
ffmpeg -nostdin -loglevel error -re \
  -f lavfi -i "testsrc2=size=640x360:rate=25:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
  -c:v libx264 -preset veryfast -tune zerolatency -g 50 -pix_fmt yuv420p \
  -c:a aac -f mpegts - |
  seg-split -d 2 -o "$out/segs" --playlist "$out/live.m3u8" |
  while IFS= read -r line; do
    printf '%s  %s\n' "$(date +%T)" "$line"
  done
