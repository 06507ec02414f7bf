# Segments as BitTorrent v2 torrents between processes: a file seeded by one
# node is downloaded by another (data checked byte for byte), from the
# origin and a neighbour at once; per-peer byte counts land in --stats; a
# file that does not match its info dict is refused; a download without a
# live peer gives up at its deadline.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

head -c 3000000 /dev/urandom >seg.ts

start origin node-probe seed seg.ts --info-out seg.info --listen 127.0.0.20:0 \
  --stats origin.json --linger 100
origin=$(field "$(first_line origin 20)" listen)
infohash=$(field "$(head -n 1 "$T/origin.out")" infohash)
expect_eq "${#infohash}" 64 "v2 infohash length"

mkdir viewer1 viewer2
run 0 node-probe download --info seg.info --out viewer1/seg-copy.ts \
  --peer "$origin" --listen 127.0.0.21:0 --stats viewer1.json --timeout 30
cmp seg.ts viewer1/seg-copy.ts || fail "downloaded data differs"
expect_eq "$(jq -r .complete "$T/out")" true "complete"
expect_eq "$(jq -r .bytes "$T/out")" 3000000 "bytes downloaded"
expect_eq "$(jq -r .downloaded_bytes viewer1.json)" 3000000 "viewer --stats downloaded_bytes"
expect_eq "$(jq -r '.torrents[0].peers[0].ip' viewer1.json)" 127.0.0.20 "viewer's source"
expect_eq "$(jq -r .uploaded_bytes viewer1.json)" 0 "viewer uploaded_bytes"

# the viewer that has it serves it too: a second viewer given both the
# origin and that neighbour gets it from either, intact
start neighbour node-probe seed viewer1/seg-copy.ts --info seg.info \
  --listen 127.0.0.22:0 --linger 100
neighbour=$(field "$(first_line neighbour 20)" listen)
run 0 node-probe download --info seg.info --out viewer2/seg.ts \
  --peer "$origin" --peer "$neighbour" --listen 127.0.0.23:0 \
  --stats viewer2.json --timeout 30
cmp seg.ts viewer2/seg.ts || fail "second download differs"
jq -e '[.torrents[0].peers[].downloaded_bytes] | add == 3000000' viewer2.json >/dev/null ||
  fail "per-peer bytes do not add up: $(cat viewer2.json)"

# the origin's stats, written on a clean stop: what it sent, to whom
stop origin
jq -e '.uploaded_bytes >= 3000000 and .downloaded_bytes == 0' origin.json >/dev/null ||
  fail "origin stats: $(cat origin.json)"
jq -e '.torrents[0].peers[] | select(.ip == "127.0.0.21") | .uploaded_bytes == 3000000' \
  origin.json >/dev/null || fail "origin's bytes to viewer1: $(cat origin.json)"
jq -e '.torrents[0].seeding and .torrents[0].complete_ms > 0' origin.json >/dev/null ||
  fail "origin torrent record: $(cat origin.json)"

# a file that does not match its info dict is refused, nothing served
head -c 3000000 /dev/urandom >other.ts
run 65 node-probe seed other.ts --info seg.info --listen 127.0.0.24:0 --linger 1
expect_err "does not match its info dict"
head -c 100 /dev/urandom >short.ts
run 65 node-probe seed short.ts --info seg.info --listen 127.0.0.24:0 --linger 1
expect_err "is 100 bytes, its info dict says 3000000"
run 65 node-probe download --info short.ts --out x.ts --listen 127.0.0.24:0
expect_err "info dict"

# no live peer: the download gives up at its deadline (75, try again later)
stop neighbour
run 75 node-probe download --info seg.info --out viewer3.ts \
  --peer "$origin" --listen 127.0.0.25:0 --timeout 3
