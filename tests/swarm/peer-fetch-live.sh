# A live broadcast watched by three viewers: ffmpeg -re | seg-split |
# seg-chain | room-announce, and three peer-fetch viewers started with only
# the room URI (its origin hint). Each viewer's stream equals the creator's
# segments from its first one on, byte for byte, and mpv plays it to the
# end. Records travel on the room channel: over 16 segments, a viewer reads
# the room head on the DHT a small constant number of times, not once per
# segment.
# peer-fetch-live-fmp4.sh runs it with fragmented MP4 (format=fmp4): the
# stream is then the init segment and the fragments from the viewer's first.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
format=${format:-mpegts}
note "format $format"
if [ "$format" = fmp4 ]; then ext=m4s; else ext=ts; fi
export XDG_CONFIG_HOME="$T/config" HLSWARM_STORE="$T/store"

uri=$(room-announce create live)
# 34 s of test video cut into 2 s segments: 17 segments.
mkfifo lines
start_reading creator lines room-announce live --listen 127.0.0.161:0 --no-bootstrap \
  --stats creator.json
ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
  -f lavfi -i sine=frequency=440 -t 34 -c:v libx264 -g 25 -preset ultrafast \
  -c:a aac -f mpegts - 2>ffmpeg.err |
  seg-split -d 2 --format "$format" -o seg 2>split.err | seg-chain live >lines 2>chain.err &
pipeline=$!
wait_for 20 grep -qs "origin hints" creator.err
hinted=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' creator.err | head -1)

for v in 2 3; do
  start viewer$v peer-fetch "$hinted" --listen 127.0.0.16$((v + 1)):0 \
    --store "$T/store$v" --stats viewer$v.json
done
# Viewer 1 feeds mpv as it goes (and keeps a copy).
start viewer1 bash -o pipefail -c "peer-fetch '$hinted' --listen 127.0.0.162:0 \
  --store '$T/store1' --stats viewer1.json | tee viewer1.ts |
  mpv --no-config --vo=null --ao=null --really-quiet -"

wait "$pipeline" || fail "the creator's pipeline failed: $(cat split.err chain.err)"
for v in 1 2 3; do finish viewer$v; done
segments=$(ls seg/*.$ext | wc -l)
[ "$segments" -ge 15 ] || fail "only $segments segments"

for v in 1 2 3; do
  count=$(jq '.segments | length' viewer$v.json)
  if [ "$format" = fmp4 ]; then
    # The init segment, then the fragments (an init record takes a seq).
    { cat seg/init.mp4; ls seg/*.m4s | sort | tail -n "$((count - 1))" | xargs cat; } >expected$v
    expect_eq "$(jq '.segments[-1].seq' viewer$v.json)" "$segments" "viewer$v: last seq"
  else
    ls seg/*.ts | sort | tail -n "$count" | xargs cat >expected$v
    expect_eq "$(jq '.segments[-1].seq + 1' viewer$v.json)" "$segments" "viewer$v: last seq"
  fi
  [ "$v" = 1 ] || mv viewer$v.out viewer$v.ts
  cmp expected$v viewer$v.ts || fail "viewer$v: stream differs from the creator's segments"
  [ "$v" = 1 ] || timeout 60 mpv --no-config --vo=null --ao=null --untimed --speed=100 \
    --really-quiet viewer$v.ts || fail "viewer$v: mpv could not play the stream"
  # One way in, plus at most a fallback or two: not one per segment.
  lookups=$(jq '.dht.item_lookups' viewer$v.json)
  [ "$lookups" -le 4 ] || fail "viewer$v: $lookups head lookups for $count segments"
  jq -e '.channel.records_kept >= 15' viewer$v.json >/dev/null ||
    fail "viewer$v: records did not come on the channel: $(jq -c .channel viewer$v.json)"
done
kill -TERM "${pids[creator]}"
finish creator 130
