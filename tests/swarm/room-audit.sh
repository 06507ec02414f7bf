# room-announce status --audit: every holder of a VOD room's segments is
# asked for a random 16 KiB block of each with its merkle proof, checked
# against the record. The creator and a viewer that lingers both prove every
# segment (2 verified replicas); once the viewer has gone, 1 is left.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 24 2 -f mpegts
run 0 room-announce create --vod film
uri=$(cat "$T/out")
seg-split -q -d 4 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 4 ] || fail "only $n segments"

start_bootstrap 127.0.0.110
start_reading announce chain.lines room-announce film --listen 127.0.0.111:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

start viewer peer-fetch "$uri?$hint" -o out.ts --linger 120s --store "$T/store1" \
  --listen 127.0.0.112:0 --bootstrap "$boot"
wait_for 60 grep -qs "serving for" "$T/viewer.err"

# audited K: room-announce status --audit --json (in $T/status.json) counts
# exactly K verified replicas of every segment.
audited() {
  run 0 room-announce status "$uri?$hint" --audit --json --listen 127.0.0.113:0 \
    --bootstrap "$boot" --timeout 30s
  cp "$T/out" "$T/status.json"
  jq -e --argjson n "$n" --argjson k "$1" '.segments == $n
    and all(.segment_replicas[]; .verified_replicas == $k)
    and (.verified_coverage | map(select(.at_least == $k))[0].segments == $n)' \
    "$T/status.json" >/dev/null
}
# A status counts holders within its own bounds; the viewer's membership
# may need another round to be found. Bounded at 60 s.
deadline=$((SECONDS + 60))
until audited 2; do
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "not 2 verified replicas of every segment: $(cat "$T/status.json")"
done

run 0 room-announce status "$uri?$hint" --audit --listen 127.0.0.113:0 \
  --bootstrap "$boot" --timeout 30s
grep -q "^$n of $n segments have at least 2 verified replicas$" "$T/out" ||
  fail "no summary line for 2 replicas: $(cat "$T/out")"
grep -q "2 verified replicas" "$T/out" || fail "no per-segment count: $(cat "$T/out")"

kill -TERM "${pids[viewer]}"
finish viewer 130
audited 1 || fail "not 1 verified replica of every segment: $(cat "$T/status.json")"
jq -e 'all(.segment_replicas[]; .audits["127.0.0.111"] == "verified")' "$T/status.json" \
  >/dev/null || fail "the creator is not the one verified: $(cat "$T/status.json")"

kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
