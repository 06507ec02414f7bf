# Distributors keep a broadcast after its creator goes: a live room is
# broadcast and ends; two peer-seed --pin distributors fetch all of it and
# pin it; the creator stops; a new viewer with only the URI fetches the
# whole broadcast from the two distributors alone, byte for byte; and
# room-announce status --audit verifies 2 replicas of every segment.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 40 2 -f mpegts
run 0 room-announce create show
uri=$(cat "$T/out")
seg-split -q -d 4 -o "$T/segs" in.ts | seg-chain -q show >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 9 ] || fail "only $n segments"
cat segs/seg*.ts >whole.ts

start_bootstrap 127.0.0.80
start_reading announce chain.lines room-announce show --listen 127.0.0.81:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

for d in 1 2; do
  start seed$d peer-seed --pin "$uri" --store "$T/dist$d" --key "$T/dist$d.key" --listen 127.0.0.8$((d + 1)):0 \
    --bootstrap "$boot"
done
for d in 1 2; do
  wait_for 60 grep -qs '"event":"pinned"' "$T/seed$d.out"
  jq -e --arg uri "$uri" --argjson n "$n" \
    'select(.event == "pinned") | .room == $uri and .segments == $n' "$T/seed$d.out" >/dev/null ||
    fail "distributor $d: $(cat "$T/seed$d.out")"
done

kill -TERM "${pids[announce]}"
finish announce 130

start viewer peer-fetch "$uri?$hint" --store "$T/viewer" --listen 127.0.0.84:0 \
  --bootstrap "$boot" --stats v.json --timeout 30s --give-up 30s
finish viewer
cmp whole.ts "$T/viewer.out" || fail "the viewer's output differs from the broadcast"
jq -e --argjson n "$n" '(.segments | length) == $n
  and all(.segments[]; .origin_bytes == 0 and .peer_bytes > 0)' v.json >/dev/null ||
  fail "the viewer did not fetch every segment from the distributors: $(jq -c .segments v.json)"

# Who really keeps it: a random 16 KiB block of every segment, asked of
# every holder and checked against its merkle root.
# A status finds holders within its own bounds: another round may be
# needed for the second distributor's membership (bounded at 60 s).
audited_twice() {
  run 0 room-announce status "$uri" --audit --json --listen 127.0.0.85:0 \
    --bootstrap "$boot" --timeout 30s
  jq -e --argjson n "$n" '.segments == $n and all(.segment_replicas[]; .verified_replicas == 2)' \
    "$T/out" >/dev/null
}
deadline=$((SECONDS + 60))
until audited_twice; do
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "audit: $(jq -c '[.segment_replicas[] | .verified_replicas]' "$T/out")"
done

# The pinned rooms survive a restart: a second run finds them whole,
# fetches nothing, and keeps the room's head on the DHT again (the
# creator is gone; the bootstrap node still has the item).
for d in 1 2; do
  kill -TERM "${pids[seed$d]}"; finish seed$d 130
done
run 0 store-gc --check --store "$T/dist1"
start seed1 peer-seed --store "$T/dist1" --key "$T/dist1.key" --listen 127.0.0.82:0 --bootstrap "$boot" --for 60
wait_for 30 grep -qs "keeping its head on the DHT" "$T/seed1.err"
kill -TERM "${pids[seed1]}"
finish seed1 130
grep -q "serving 1 rooms ($n segments)" "$T/seed1.err" || fail "restart: $(cat "$T/seed1.err")"
[ ! -s "$T/seed1.out" ] || fail "restart fetched again: $(cat "$T/seed1.out")"
stop bootstrap
