# Churn, shortened (scripts/bench-swarm-churn is the full run): a live
# broadcast of 2 s segments watched by six peer-fetch viewers; once each
# has a few segments, three of them are killed at once (SIGKILL: no
# goodbye to their peers) and a new viewer joins. The three survivors and
# the late joiner still finish the stream, and each one's output is the
# creator's segments from its first one on, byte for byte.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
export XDG_CONFIG_HOME="$T/config" HLSWARM_STORE="$T/store"

room-announce create churn >/dev/null
mkfifo lines
start_reading creator lines room-announce churn --listen 127.0.0.170:0 --no-bootstrap \
  --stats creator.json
# 30 s of test video in 2 s segments: 15 segments.
ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
  -f lavfi -i sine=frequency=440 -t 30 -c:v libx264 -g 25 -preset ultrafast \
  -c:a aac -f mpegts - 2>ffmpeg.err |
  seg-split -d 2 -o seg 2>split.err | seg-chain churn >lines 2>chain.err &
pipeline=$!
wait_for 20 grep -qs "origin hints" creator.err
hinted=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' creator.err | head -1)

watch() { start "viewer$1" peer-fetch "$hinted" --listen "127.0.0.$((170 + $1)):0" \
  --store "$T/store$1" --stats "viewer$1.json"; }
for v in 1 2 3 4 5 6; do watch "$v"; done
# Every viewer holds (and so serves) a few segments before the kill.
has_segments() { [ "$(jq '.segments | length' "viewer$1.json" 2>/dev/null || echo 0)" -ge "$2" ]; }
for v in 1 2 3 4 5 6; do wait_for 40 has_segments "$v" 3; done
newest=$(ls seg/*.ts | wc -l)
[ "$newest" -lt 14 ] || fail "the stream was nearly over before the kill ($newest segments)"
for v in 4 5 6; do pkill -KILL -P "${pids[viewer$v]}"; done
# timeout(1) reports its child killed by SIGKILL as 128 + 9.
for v in 4 5 6; do finish "viewer$v" 137; done
watch 7

wait "$pipeline" || fail "the creator's pipeline failed: $(cat split.err chain.err)"
for v in 1 2 3 7; do finish "viewer$v"; done
segments=$(ls seg/*.ts | wc -l)
for v in 1 2 3 7; do
  count=$(jq '.segments | length' "viewer$v.json")
  expect_eq "$(jq '.segments[-1].seq + 1' "viewer$v.json")" "$segments" "viewer$v: last seq"
  ls seg/*.ts | sort | tail -n "$count" | xargs cat >expected
  cmp expected "viewer$v.out" || fail "viewer$v: stream differs from the creator's segments"
done
# The late joiner started mid-stream: it did not get the whole stream.
[ "$(jq '.segments[0].seq' viewer7.json)" -gt 0 ] || fail "the late joiner started at seq 0"
kill -TERM "${pids[creator]}"
finish creator 130
