# A member that left still has its announce on the DHT (for as long as
# the DHT keeps it). A viewer that finds it there must not rank itself
# behind it for the origin: it would wait origin_wait and libtorrent's
# connect tick for a peer that is gone, on every segment the gone member
# "would" have fetched first. Ranking is among the members on the room
# channel (hlswarm(7), Fetching a segment): with nobody else there, the
# second viewer takes every segment from the origin at once.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

# 2 s segments: 90 of them, so most are fetched after the second
# viewer's first member lookup has named the first.
make_video in.ts 180 2 -f mpegts
run 0 room-announce create --vod talk
uri=$(cat "$T/out")
seg-split -q -d 2 -o "$T/segs" in.ts >split.lines
seg-chain -q talk <split.lines >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 85 ] || fail "only $n segments"
cat $(jq -r 'select(.end | not) | .path' split.lines) >whole.ts

start_reading announce chain.lines room-announce talk --listen 127.0.0.91:0 --no-bootstrap \
  --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

# The first viewer announces itself as a member, fetches, and goes.
start first peer-fetch -o first.ts "$uri?$hint" --store "$T/store1" \
  --listen 127.0.0.92:0 --no-bootstrap
finish first
cmp whole.ts first.ts || fail "the first viewer's copy differs"

start second peer-fetch -o second.ts "$uri?$hint" --store "$T/store2" \
  --listen 127.0.0.93:0 --no-bootstrap --stats second.json
finish second
cmp whole.ts second.ts || fail "the second viewer's copy differs"
expect_eq "$(jq '.segments | length' second.json)" "$n" "segments written"
late=$(jq -c '[.segments[] | select(.origin_added_ms != 0) | {seq, origin_added_ms}]' second.json)
expect_eq "$late" "[]" "segments that took the origin late"

kill -TERM "${pids[announce]}"
finish announce 130
