#!/usr/bin/env bash
# A creator's folder of videos served by peer-seed, kept by a paid
# distributor, watched by a viewer, and audited: on this machine only.
#
#   examples/seed-folder.sh [--keep]
#
#  1. Two short test videos land in a folder; the creator's
#     `peer-seed --dir` imports each as a VOD room (one JSON line each) and
#     publishes the creator's channel. Its node on 127.0.0.1 is the first
#     node of a private DHT (--no-bootstrap --dht-loopback).
#  2. A distributor told only the creator's key (--pin-creator) finds both
#     rooms through the channel and pins them.
#  3. The creator stops. A viewer fetches 0:08-0:16 of the first video with
#     peer-fetch: from the distributor alone.
#  4. room-announce status --audit checks, block by block, that the
#     distributor really holds every segment.
#
# Everything (keys, stores, videos) lives under a temporary folder, removed
# at the end unless --keep. Programs come from PATH, else build/bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$PATH:$top/build/bin"
command -v peer-seed >/dev/null || { echo "build first: scripts/build" >&2; exit 69; }
keep=0
[ "${1:-}" = --keep ] && keep=1
work=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-seed.XXXXXX")
pids=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.err; do
      [ -s "$log" ] && { echo "--- ${log##*/}" >&2; tail -n 5 "$log" >&2; }
    done
  fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
net=(--dht-loopback --no-port-mapping)

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s, for SECONDS at most.
wait_until() {
  local tries=$(($1 * 5)); shift
  until "$@"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "seed-folder: error: timed out waiting for: $*" >&2; exit 75; }
    sleep 0.2
  done
}

echo "1. two videos land in $work/videos; the creator's peer-seed imports them" >&2
mkdir -p "$work/videos"
for name in first second; do
  ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=25:duration=24" \
    -f lavfi -i "sine=frequency=440:duration=24" -c:v libx264 -preset veryfast -g 50 \
    -pix_fmt yuv420p -c:a aac -f mp4 "$work/videos/$name.mp4"
done
peer-seed --dir "$work/videos" -d 4 --key "$work/creator.key" --store "$work/creator" \
  --listen 127.0.0.1:0 --no-bootstrap "${net[@]}" \
  >"$work/creator.out" 2>"$work/creator.err" &
pids+=($!)
creator=$!
wait_until 60 grep -qs "channel of 2 rooms published" "$work/creator.err"
jq -r '"   \(.path | split("/") | last): \(.segments) segments, \(.room)"' "$work/creator.out"
first=$(jq -r 'select(.path | endswith("first.mp4")) | .room' "$work/creator.out")
key=${first#hlswarm://}; key=${key%%/*}
boot=$(grep -o "listening on 127\.0\.0\.1:[0-9]*" "$work/creator.err" | head -1)
boot=${boot#listening on }
[ -n "$boot" ] || { echo "seed-folder: error: the creator's address is not in its log" >&2; exit 70; }

echo "2. a distributor paid by creator ${key:0:12}… pins the creator's rooms" >&2
peer-seed --pin-creator "$key" --max-size 1G --channel-interval 3 \
  --key "$work/distributor.key" --store "$work/distributor" \
  --listen 127.0.0.2:0 --bootstrap "$boot" "${net[@]}" \
  >"$work/distributor.out" 2>"$work/distributor.err" &
pids+=($!)
pinned() { [ "$(jq -s 'map(select(.event == "pinned")) | length' "$work/distributor.out")" -ge 2 ]; }
wait_until 120 pinned
jq -r 'select(.event == "pinned") | "   pinned \(.room)"' "$work/distributor.out"

echo "3. the creator goes away; a viewer fetches 0:08-0:16 of the first video" >&2
kill -TERM "$creator"
wait "$creator" 2>/dev/null || true
distributor_at=$(grep -o 'listening on 127\.0\.0\.2:[0-9]*' "$work/distributor.err" | head -1)
distributor_at=${distributor_at#listening on }
peer-fetch "$first?x.pe=$distributor_at" --from 0:08 --to 0:16 -o "$work/clip.ts" \
  --store "$work/viewer" --listen 127.0.0.3:0 --bootstrap "$distributor_at" "${net[@]}" \
  --stats "$work/viewer.json" 2>"$work/viewer.err"
jq -r '"   \(.segments | length) segments, \(.downloaded_bytes) bytes, from " +
  ([.torrents[].peers[] | select(.downloaded_bytes > 0) | .ip] | unique | join(" and ")) +
  " (the creator was 127.0.0.1, the distributor 127.0.0.2)"' "$work/viewer.json"
ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$work/clip.ts" | sed "s/^/   clip of /; s/$/ s/"

echo "4. who really keeps the first video: an audit of every segment" >&2
room-announce status --audit "$first?x.pe=$distributor_at" --listen 127.0.0.4:0 \
  --bootstrap "$distributor_at" "${net[@]}" --timeout 20s
