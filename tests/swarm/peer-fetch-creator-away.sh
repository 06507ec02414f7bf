# The creator goes away: a prepared video served by room-announce; viewer 1
# fetches all of it and lingers; room-announce is stopped; viewer 2, with
# only the URI (the stopped creator's x.pe hint included) and the DHT
# bootstrap node, fetches all of it from viewer 1 alone, byte for byte. The
# video has more segments than a viewer keeps seeding as it goes (32): a
# lingering viewer serves every segment its store holds.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 40 1 -f mpegts
run 0 room-announce create --vod film
uri=$(cat "$T/out")
# The default store, which room-announce uses too: the segments are there.
seg-split -q -d 1 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
[ "$n" -ge 36 ] || fail "only $n segments"
cat segs/seg*.ts >whole.ts

start_bootstrap 127.0.0.70
start_reading announce chain.lines room-announce film --listen 127.0.0.71:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

start viewer1 peer-fetch "$uri?$hint" -o out1.ts --linger 120s --store "$T/store1" \
  --listen 127.0.0.72:0 --bootstrap "$boot" --stats v1.json
wait_for 60 grep -qs "serving for" "$T/viewer1.err"
cmp whole.ts out1.ts || fail "viewer 1's output differs from the creator's segments"

kill -TERM "${pids[announce]}"
finish announce 130

start viewer2 peer-fetch "$uri?$hint" --store "$T/store2" \
  --listen 127.0.0.73:0 --bootstrap "$boot" --stats v2.json --timeout 30s --give-up 30s
finish viewer2
cmp whole.ts "$T/viewer2.out" || fail "viewer 2's output differs from the creator's segments"
jq -e --argjson n "$n" '(.segments | length) == $n
  and all(.segments[]; .origin_bytes == 0 and .peer_bytes > 0)' v2.json >/dev/null ||
  fail "viewer 2 did not fetch every segment from peers alone: $(jq -c .segments v2.json)"
# ...and viewer 1 counts what it uploaded to viewer 2 (its file is rewritten
# every 2 s).
wait_for 10 has_json_line v1.json '.uploaded_bytes >= $size' --argjson size "$(stat -c %s whole.ts)"

kill -TERM "${pids[viewer1]}"
finish viewer1 130
stop bootstrap
