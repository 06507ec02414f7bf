#!/usr/bin/env bash
# A standard BitTorrent client as a peer of a room, on this machine only:
#
#   room-announce torrents URI --magnets   -> qBittorrent's Web API
#   peer-fetch --peer QBITTORRENT URI
#
# A prepared video is served by room-announce on 127.0.0.1 (the first node
# of a private DHT); qBittorrent-nox, on 127.0.0.2 with a profile of its own
# (DHT, local discovery, peer exchange and UPnP off), is handed the room's
# segments as magnet links carrying the creator's x.pe hint and fetches
# them; then peer-fetch watches the room with qBittorrent as a --peer and
# says how many bytes came from it.
#
#   examples/standard-client.sh [VIDEO]
#
# Uses a private key, store and qBittorrent profile under a temporary
# folder (KEEP=1 keeps it), never your own. Programs come from PATH, else
# build/bin; needs qbittorrent-nox, curl, jq and python3.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$PATH:$top/build/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-client.XXXXXX")
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
key=(--key "$work/creator.key" --store "$work/store")
net=(--no-bootstrap --dht-loopback --no-port-mapping)

# wait_until SECONDS CMD...: polls CMD twice a second, for SECONDS at most.
wait_until() {
  local tries=$(( $1 * 2 )); shift
  until "$@"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "standard-client: error: timed out: $*" >&2; exit 69; }
    sleep 0.5
  done
}

video=${1:-}
if [ -z "$video" ]; then
  video=$work/demo.ts
  ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=25:duration=16" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=16" \
    -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac "$video"
fi

# The creator: a prepared video, served from 127.0.0.1.
seg-chain key --key "$work/creator.key" >/dev/null 2>&1
room-announce create "${key[@]}" --vod client-example >/dev/null
seg-split -q -d 4 -o "$work/segments" "$video" |
  seg-chain -q "${key[@]}" client-example >"$work/chain.lines"
room-announce "${key[@]}" client-example --listen 127.0.0.1:0 "${net[@]}" \
  --linger 10m <"$work/chain.lines" >/dev/null 2>"$work/announce.err" &
wait_until 30 grep -qs 'origin hints' "$work/announce.err"
uri=$(grep -o 'hlswarm://[^ )]*x\.pe=[^ )]*' "$work/announce.err" | head -1)
echo "room: $uri" >&2

# qBittorrent with a profile of its own, on 127.0.0.2 only.
free_port() {
  python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
qbt_port=$(free_port 127.0.0.2)
webui=127.0.0.1:$(free_port 127.0.0.1)
"$top/examples/qbittorrent-profile.sh" "$work/qbt" 127.0.0.2 "$qbt_port" \
  "${webui%:*}" "${webui#*:}" "$work/qbt/downloads"
qbittorrent-nox --profile="$work/qbt" >/dev/null 2>&1 &
api=http://$webui/api/v2
wait_until 30 curl -fs -o /dev/null "$api/app/version"
echo "qBittorrent $(curl -fsS "$api/app/version"): Web UI on http://$webui/, peer 127.0.0.2:$qbt_port" >&2

# Every segment as a magnet link with the creator's hint: qBittorrent gets
# the info dict, the piece layers and the data from the creator.
room-announce torrents "${key[@]}" "$uri" --magnets >"$work/magnets"
grep -v chain.records "$work/magnets" | while read -r magnet; do
  curl -fsS --data-urlencode "urls=$magnet" "$api/torrents/add" >/dev/null
done
segments=$(grep -vc chain.records "$work/magnets")
complete() {
  [ "$(curl -fsS "$api/torrents/info?filter=completed" | jq length)" -eq "$segments" ]
}
wait_until 60 complete
echo "qBittorrent holds all $segments segments" >&2

# A viewer with qBittorrent as a peer.
peer-fetch "$uri" --peer "127.0.0.2:$qbt_port" --listen 127.0.0.3:0 "${net[@]}" \
  --store "$work/viewer" -o "$work/watched.ts" --stats "$work/viewer.json" -q
jq -r '[.torrents[].peers[] | select(.ip == "127.0.0.2") | .downloaded_bytes] | add // 0 |
  "viewer: \(.) bytes from qBittorrent"' "$work/viewer.json"
jq -r '"viewer: \(.downloaded_bytes) bytes in all, written to watched.ts"' "$work/viewer.json"
