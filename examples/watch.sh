#!/usr/bin/env bash
# Watch a room with peer-fetch: in mpv, or into an HLS folder that any HLS
# player follows while it grows.
#
#   examples/watch.sh URI              # in mpv (ffplay if there is no mpv)
#   examples/watch.sh URI DIR          # into DIR/index.m3u8 and its segments
#   examples/watch.sh --demo [SECONDS] # a broadcast on this machine, watched
#
# --demo runs the pipeline of examples/live-broadcast.sh (a test stream,
# creator on 127.0.0.1, a private DHT) and one viewer that joins with the
# URI room-announce prints: in mpv when there is a display, else into an
# HLS folder whose playlist ffprobe then reads. It uses a private key and
# store under a temporary folder (KEEP=1 keeps it), never your own.
# Programs come from PATH, else build/bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$PATH:${HLSWARM_BIN:-$top/build/bin}"
command -v peer-fetch >/dev/null || { echo "build first: scripts/build" >&2; exit 69; }

# play: reads the video on stdin in whichever player there is.
play() {
  if command -v mpv >/dev/null; then mpv --really-quiet -
  elif command -v ffplay >/dev/null; then ffplay -loglevel error -autoexit -
  else echo "no mpv or ffplay: give a folder (examples/watch.sh URI DIR)" >&2; exit 69
  fi
}

if [ "${1:-}" != --demo ]; then
  uri=${1:?usage: examples/watch.sh URI [DIR] | --demo [SECONDS]}
  if [ -n "${2:-}" ]; then
    echo "# play it with: mpv $2/index.m3u8 (it grows while peer-fetch runs)" >&2
    exec peer-fetch --hls "$2" "$uri"
  fi
  # Quitting the player closes the pipe: peer-fetch then exits 0.
  peer-fetch "$uri" | play
  exit
fi

seconds=${2:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-watch.XXXXXX")
pipeline=
cleanup() {
  [ -z "$pipeline" ] || kill -TERM -- "-$pipeline" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" != 1 ]; then
    for _ in 1 2 3 4 5; do rm -rf "$work" 2>/dev/null && break; sleep 0.2; done
  fi
}
trap cleanup EXIT
key=(--key "$work/creator.key" --store "$work/creator-store")
seg-chain key --key "$work/creator.key" >/dev/null
room-announce create "${key[@]}" watch-example >/dev/null

# The broadcast, as a process group of its own so it can be stopped as one.
set -m
{
  ffmpeg -nostdin -loglevel error -re \
    -f lavfi -i "testsrc2=size=640x360:rate=25:duration=$seconds" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
    -c:v libx264 -preset veryfast -tune zerolatency -g 50 -pix_fmt yuv420p \
    -c:a aac -f mpegts - |
    seg-split -d 2 -o "$work/segments" |
    seg-chain "${key[@]}" watch-example |
    room-announce "${key[@]}" watch-example --listen 127.0.0.1:0 --no-bootstrap \
      --dht-loopback --linger 30s 2>"$work/announce.err" >/dev/null
} &
pipeline=$!
set +m

# The URI with the origin hints, from room-announce's note on stderr.
for _ in $(seq 100); do
  grep -qs 'origin hints' "$work/announce.err" && break
  sleep 0.1
done
uri=$(grep -o 'hlswarm://[^ )]*x\.pe=[^ )]*' "$work/announce.err" | head -1)
[ -n "$uri" ] || { cat "$work/announce.err" >&2; exit 69; }
echo "# watching $uri" >&2

# The viewer: its own store and node on 127.0.0.1; the URI's x.pe hint is
# its way into the room.
viewer=(--store "$work/viewer-store" --listen 127.0.0.1:0 --no-bootstrap
        --dht-loopback --timeout 30s --stats "$work/viewer-stats.json")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] &&
   { command -v mpv || command -v ffplay; } >/dev/null; then
  peer-fetch "${viewer[@]}" "$uri" | play
else
  # No display: an HLS folder, complete (EXT-X-ENDLIST) when the room ends.
  peer-fetch "${viewer[@]}" -q --hls "$work/hls" "$uri"
  echo "# $work/hls/index.m3u8:" >&2
  cat "$work/hls/index.m3u8"
  echo "duration: $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/hls/index.m3u8") s"
fi
jq -r '.segments[]? | "seq \(.seq): \(.bytes) bytes, \(.peer_bytes) from peers, verified \(.record_to_verified_ms) ms after its record"' \
  "$work/viewer-stats.json" 2>/dev/null || true
