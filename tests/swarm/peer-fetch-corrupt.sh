# A peer that serves corrupted data: bad-seeder joins a prepared video's
# room and serves every segment with a byte flipped in each 16 KiB block.
# Two viewers (--max-peers 8) fetch the whole video: each output is the
# creator's segments byte for byte (no corrupt byte reaches it), the fetch
# completes, and the viewers saw the bad data fail its hash check.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 24 2 -f mpegts
run 0 room-announce create --vod film
uri=$(cat "$T/out")
seg-split -q -d 4 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
cat segs/seg*.ts >whole.ts

start_bootstrap 127.0.0.100
start_reading announce chain.lines room-announce film --listen 127.0.0.101:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))

# The bad seeder has every segment (its corrupted copy) before any viewer
# comes: a member with every segment is where a viewer goes first.
start bad bad-seeder "$uri?$hint" --segments "$T/segs" --listen 127.0.0.102:0 \
  --bootstrap "$boot" --stats bad.json
wait_for 30 has_lines bad $((n + 1))

for v in 1 2; do
  start viewer$v peer-fetch "$uri?$hint" -o out$v.ts --max-peers 8 --store "$T/store$v" \
    --listen 127.0.0.10$((v + 2)):0 --bootstrap "$boot" --stats v$v.json --give-up 40s
done
for v in 1 2; do
  finish viewer$v
  cmp whole.ts out$v.ts || fail "viewer $v's output differs from the creator's segments"
  jq -e --argjson n "$n" '(.segments | length) == $n' v$v.json >/dev/null ||
    fail "viewer $v: $(jq -c .segments v$v.json)"
done
# The corrupted blocks reached the viewers and were caught there.
failures=$(cat viewer1.err viewer2.err | grep -c 'failed its hash check' || true)
note "hash failures: $failures"
[ "$failures" -gt 0 ] || fail "no viewer saw a hash failure: was the bad seeder a source?"
# Bytes are counted per peer once verified: none from the bad seeder.
for v in 1 2; do
  from_bad=$(jq '[.torrents[].peers[] | select(.ip == "127.0.0.102") | .downloaded_bytes] | add // 0' v$v.json)
  expect_eq "$from_bad" 0 "viewer $v: verified bytes from the bad seeder"
done
# ...and the bad seeder was not asked again and again: in all it sent less
# than one corrupted copy of the video per viewer. (libtorrent bans the
# peer of a failed piece; Node does not surface the ban itself.)
wait_for 10 has_json_line bad.json '.uploaded_bytes > 0'
bad_sent=$(jq .uploaded_bytes bad.json)
note "the bad seeder sent $bad_sent bytes; the video is $(stat -c %s whole.ts)"
[ "$bad_sent" -lt $(( 2 * $(stat -c %s whole.ts) )) ] ||
  fail "the bad seeder sent $bad_sent bytes to 2 viewers of a $(stat -c %s whole.ts)-byte video"

stop bad
kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
