#!/usr/bin/env bash
# A live broadcast on this machine only: a test stream in real time through
#
#   ffmpeg -re ... | seg-split | seg-chain ROOM | room-announce ROOM
#
# with the creator's node on 127.0.0.1 as the first node of a private DHT
# (--no-bootstrap --dht-loopback); then room-announce status reads the room
# like a viewer would, with the creator as its only contact (x.pe).
#
#   examples/live-broadcast.sh [SECONDS]
#
# Uses a private key and store under a temporary folder (KEEP=1 keeps it),
# never your own identity. Programs come from PATH, else build/bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$PATH:$top/build/bin"
seconds=${1:-12}
work=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-broadcast.XXXXXX")
pipeline=
cleanup() {
  [ -z "$pipeline" ] || kill -TERM -- "-$pipeline" 2>/dev/null || true
  wait 2>/dev/null || true
  # A process of the stopped group may still be writing its last file (seen
  # under load): try the removal a few times, for a second at most.
  if [ "${KEEP:-0}" != 1 ]; then
    for _ in 1 2 3 4 5; do rm -rf "$work" 2>/dev/null && break; sleep 0.2; done
  fi
}
trap cleanup EXIT
key=(--key "$work/creator.key" --store "$work/store")
seg-chain key --key "$work/creator.key" >/dev/null

uri=$(room-announce create "${key[@]}" live-example)
echo "room: $uri" >&2

# The broadcast, in the background as a process group of its own (set -m)
# so it can be stopped as one; room-announce passes each record on once
# its segment is served and its head is on the DHT.
set -m
{
  ffmpeg -nostdin -loglevel error -re \
    -f lavfi -i "testsrc2=size=640x360:rate=25:duration=$seconds" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
    -c:v libx264 -preset veryfast -tune zerolatency -g 50 -pix_fmt yuv420p \
    -c:a aac -f mpegts - |
    seg-split -d 2 -o "$work/segments" |
    seg-chain "${key[@]}" live-example |
    room-announce "${key[@]}" live-example --listen 127.0.0.1:0 --no-bootstrap \
      --dht-loopback --linger 20s --stats "$work/stats.json" 2>"$work/announce.err" |
    tee "$work/records" |
    jq --unbuffered -r 'if .end then "end of broadcast at seq \(.seq)"
        else "announced seq \(.seq)  \(.bytes) bytes  infohash \(.infohash[0:16])…" end'
} &
pipeline=$!
set +m

# The URI with the origin hints, from room-announce's note on stderr.
for _ in $(seq 100); do
  grep -qs 'origin hints' "$work/announce.err" && break
  sleep 0.1
done
hinted=$(grep -o 'hlswarm://[^ )]*x\.pe=[^ )]*' "$work/announce.err" | head -1)
echo "viewers join with: $hinted" >&2
origin=${hinted##*x.pe=}

# Wait for the end record (bounded by the broadcast's length).
for _ in $(seq $(( (seconds + 20) * 10 ))); do
  grep -qs '"end":true' "$work/records" && break
  sleep 0.1
done
room-announce status "$hinted" --bootstrap "$origin" --listen 127.0.0.1:0 \
  --dht-loopback --timeout 20s
kill -INT -- "-$pipeline" 2>/dev/null || true
