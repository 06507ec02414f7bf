# Seek: 0:30-0:45 of a 2-minute prepared video (8 s segments) starts at the
# segment holding 0:30, ends with the one holding 0:45's last instant
# before, byte for byte, and fetches a small part of the whole video. The
# room head comes in the origin hint's handshake: no DHT lookup at all.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 120 8 -f mpegts
run 0 room-announce create --vod talk
uri=$(cat "$T/out")
seg-split -q -d 8 -o "$T/segs" in.ts >split.lines
seg-chain -q talk <split.lines >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 14 ] || fail "only $n segments"
# The segments covering [30, 45): the first holds 30 s, the last 45 s's
# instant before.
jq -r 'select(.end | not) | select(.start + .duration > 30 and .start < 45) | "\(.seq) \(.path)"' \
  split.lines >covering
expect_eq "$(head -1 covering | cut -d' ' -f1)" 3 "seq of the segment holding 0:30"
cut -d' ' -f2 <covering | xargs cat >clip-expected.ts
whole_bytes=$(jq -s 'map(select(.end | not) | .bytes) | add' split.lines)

start_bootstrap 127.0.0.80
start_reading announce chain.lines room-announce talk --listen 127.0.0.81:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

start viewer peer-fetch --from 0:30 --to 0:45 -o clip.ts "$uri?$hint" --store "$T/store1" \
  --listen 127.0.0.82:0 --bootstrap "$boot" --stats v.json
finish viewer
cmp clip-expected.ts clip.ts || fail "the clip is not the covering segments $(cut -d' ' -f1 covering | xargs)"
expect_eq "$(jq -c '[.segments[].seq]' v.json)" "$(cut -d' ' -f1 covering | jq -sc .)" \
  "segments written"
expect_eq "$(jq .dht.item_lookups v.json)" 0 "room head lookups on the DHT"
downloaded=$(jq .downloaded_bytes v.json)
note "downloaded $downloaded of $whole_bytes bytes"
[ "$downloaded" -gt 0 ] && [ "$((downloaded * 100))" -lt "$((whole_bytes * 40))" ] ||
  fail "downloaded $downloaded bytes of a $whole_bytes-byte video (40% at most)"

kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
