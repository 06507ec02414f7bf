# A standard BitTorrent client as a peer. qBittorrent-nox (Debian's, a
# libtorrent 2.0 client) runs with its own profile, on 127.0.0.233 only,
# with DHT, local discovery, peer exchange and port mapping off. It is
# handed the .torrent that 'room-announce torrents' wrote for one segment
# (its infohash is the record's) and the creator's endpoint (Web API
# addPeers), and downloads the segment; a magnet link with the creator's
# x.pe hint brings it another, and a creator given qBittorrent as --peer
# a third. Then the creator loses its copy of the first, and a peer-fetch
# viewer told of qBittorrent (--peer) gets the whole video byte for byte:
# that segment's bytes from qBittorrent alone.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
command -v qbittorrent-nox >/dev/null ||
  fail "qbittorrent-nox is not installed (see scripts/setup)"

make_video in.ts 24 2 -f mpegts
run 0 room-announce create --vod film
uri=$(cat "$T/out")
seg-split -q -d 4 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 5 ] || fail "only $n segments"
cat segs/seg*.ts >whole.ts
store=$XDG_DATA_HOME/hlswarm

start_bootstrap 127.0.0.231
start_reading announce chain.lines room-announce film --listen 127.0.0.232:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
origin=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
origin=${origin#x.pe=}
wait_for 30 has_lines announce $((n + 1))

# The creator's store holds the room: a .torrent per segment, and the
# chain torrent, each with the infohash of its record.
run 0 room-announce torrents film -o torrents
expect_eq "$(wc -l <"$T/out")" $((n + 1)) "torrents written"
jq -c 'select(.kind == "segment")' "$T/out" >written.lines
paste -d ' ' <(jq -r .infohash written.lines) \
  <(jq -r 'select(.infohash) | .infohash' chain.lines) |
  while read -r written recorded; do
    expect_eq "$written" "$recorded" "infohash of a written torrent"
  done
seg=$(jq -c 'select(.seq == 2)' written.lines)
infohash=$(field "$seg" infohash); name=$(field "$seg" name); size=$(field "$seg" bytes)

# qBittorrent, with a profile of its own: WebUI on 127.0.0.1 (no login
# from localhost), BitTorrent on 127.0.0.233 only, nothing else on.
free_port() {
  python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
qbt_ip=127.0.0.233
qbt_port=$(free_port "$qbt_ip")
webui_port=$(free_port 127.0.0.1)
"$HLSWARM_TESTS/../examples/qbittorrent-profile.sh" "$T/qbt/profile" "$qbt_ip" \
  "$qbt_port" 127.0.0.1 "$webui_port" "$T/qbt/downloads"
start qbittorrent qbittorrent-nox --profile="$T/qbt/profile"
api=http://127.0.0.1:$webui_port/api/v2
wait_for 30 curl -fs -o /dev/null "$api/app/version"
jq -e '.dht == false and .lsd == false and .pex == false and .upnp == false' \
  <(curl -fsS "$api/app/preferences") >/dev/null || fail "qBittorrent's settings"

# qbt_torrent INFOHASH: qBittorrent's view of the torrent, as one JSON object.
qbt_torrent() {
  curl -fsS "$api/torrents/info" | jq -c --arg v2 "$1" '.[] | select(.infohash_v2 == $v2)'
}
# qbt_has INFOHASH, qbt_complete INFOHASH: qBittorrent has the torrent, has
# all its data (for wait_for).
qbt_has() { [ -n "$(qbt_torrent "$1")" ]; }
qbt_complete() { [ "$(qbt_torrent "$1" | jq -r .progress)" = 1 ]; }

# The .torrent file, and the creator as its peer.
curl -fsS -F "torrents=@torrents/$(basename "$(field "$seg" file)")" "$api/torrents/add" >/dev/null
wait_for 10 qbt_has "$infohash"
id=$(qbt_torrent "$infohash" | jq -r .hash)
curl -fsS --data-urlencode "hashes=$id" --data-urlencode "peers=$origin" \
  "$api/torrents/addPeers" >/dev/null
wait_for 30 qbt_complete "$infohash"
cmp "segs/$name" "qbt/downloads/$name" || fail "qBittorrent's copy of $name differs"

# A magnet link with the creator's x.pe hint: qBittorrent gets the info
# dict (BEP 9), the piece layer (BEP 52) and the data from the creator.
run 0 room-announce torrents "$uri?x.pe=$origin" --magnets
other=$(jq -r 'select(.seq == 3) | .infohash' written.lines)
magnet=$(grep "$other" "$T/out")
expect_eq "$magnet" "$(jq -r 'select(.seq == 3) | .magnet' written.lines)&x.pe=$origin" "magnet link"
curl -fsS --data-urlencode "urls=$magnet" "$api/torrents/add" >/dev/null
wait_for 30 qbt_complete "$other"
other_name=$(jq -r 'select(.seq == 3) | .name' written.lines)
cmp "segs/$other_name" "qbt/downloads/$other_name" || fail "qBittorrent's copy of $other_name differs"

# The creator loses its copy of seq 2 (store-gc --repair drops the row of
# a file that is gone) and serves the room again without it, now with
# qBittorrent as a --peer of every torrent: qBittorrent, given seq 4's
# .torrent and no peer, gets it from the creator.
kill -TERM "${pids[announce]}"
finish announce 130
fourth=$(jq -c 'select(.seq == 4)' written.lines)
curl -fsS -F "torrents=@$(field "$fourth" file)" "$api/torrents/add" >/dev/null
wait_for 10 qbt_has "$(field "$fourth" infohash)"
expect_eq "$(qbt_torrent "$(field "$fourth" infohash)" | jq -r .progress)" 0 "seq 4 before any peer"
rm "$(find "$store/segments" -name "$infohash.*")"
run 0 store-gc --repair
start announce room-announce film --listen 127.0.0.232:0 --bootstrap "$boot" \
  --peer "$qbt_ip:$qbt_port" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
grep -q "seq 2: not served" "$T/announce.err" || { cat "$T/announce.err"; fail "the creator still serves seq 2"; }
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 qbt_complete "$(field "$fourth" infohash)"
cmp "segs/$(field "$fourth" name)" "qbt/downloads/$(field "$fourth" name)" ||
  fail "qBittorrent's copy of seq 4 differs"

# The viewer knows qBittorrent as a peer, and nobody else holds seq 2.
start viewer peer-fetch "$uri?$hint" --peer "$qbt_ip:$qbt_port" -o out.ts \
  --store "$T/viewer" --listen 127.0.0.234:0 --bootstrap "$boot" --stats viewer.json \
  --timeout 30s --give-up 30s
finish viewer
cmp whole.ts out.ts || fail "the viewer's output differs from the creator's segments"
jq -e --argjson size "$size" '.segments[] | select(.seq == 2)
  | .origin_bytes == 0 and .peer_bytes == $size' viewer.json >/dev/null ||
  fail "seq 2 did not come from a peer alone: $(jq -c .segments viewer.json)"
jq -e --arg ih "$infohash" --arg ip "$qbt_ip" --argjson size "$size" '
  [.torrents[] | select(.infohash == $ih) | .peers[] | select(.downloaded_bytes > 0)]
  | length == 1 and .[0].ip == $ip and .[0].downloaded_bytes == $size' viewer.json >/dev/null ||
  fail "seq 2's bytes by source: $(jq -c --arg ih "$infohash" '.torrents[] | select(.infohash == $ih)' viewer.json)"
# ... and qBittorrent counts them as uploaded. Its transfer counters are
# refreshed on a timer, so the count may lag the viewer's finish a little.
qbt_uploaded() { qbt_torrent "$1" | jq -e --argjson size "$2" '.uploaded >= $size' >/dev/null; }
wait_for 10 qbt_uploaded "$infohash" "$size" ||
  fail "qBittorrent's upload: $(qbt_torrent "$infohash")"

curl -fsS -X POST "$api/app/shutdown" >/dev/null
finish qbittorrent
kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
