# peer-fetch --http's page in a real browser: a live broadcast (ffmpeg -re,
# 2 s segments) with two viewers; the second serves the room with --http,
# and headless Chromium (Debian's, driven by tests/browser/play.mjs with
# puppeteer-core) opens its page. The video plays past two segment
# durations with no console error and no page error, and the panel shows
# the room's name and state.
# (4.5 s are counted from the first frame: hls.js starts a live room near
# its live edge.) HLSWARM_SCREENSHOT=FILE keeps a screenshot of
# the page playing (examples/gateway.png was taken so).
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
browser=$HLSWARM_TESTS/browser
[ -d "$browser/node_modules/puppeteer-core" ] ||
  fail "no puppeteer-core in $browser: run scripts/setup (npm ci there)"
command -v chromium >/dev/null || fail "no chromium: run scripts/setup"
export XDG_CONFIG_HOME="$T/config" HLSWARM_STORE="$T/store"

uri=$(room-announce create concert)
mkfifo lines
start_reading creator lines room-announce concert --listen 127.0.0.191:0 --no-bootstrap
ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc2=size=640x360:rate=25 \
  -f lavfi -i sine=frequency=440 -t 60 -c:v libx264 -g 50 -preset ultrafast \
  -pix_fmt yuv420p -c:a aac -f mpegts - 2>ffmpeg.err |
  seg-split -d 2 -o seg 2>split.err | seg-chain concert >lines 2>chain.err &
pipeline=$!
wait_for 20 grep -qs "origin hints" creator.err
hinted=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' creator.err | head -1)

start viewer peer-fetch "$hinted" -o /dev/null --listen 127.0.0.192:0 --store "$T/store1"
start gateway peer-fetch --http 127.0.0.193:0 "$hinted" --listen 127.0.0.193:0 \
  --store "$T/store2"
wait_for 30 grep -qs "watch at http://" gateway.err
page=$(grep -o 'watch at http://[0-9.:]*/' gateway.err | head -1 | cut -d' ' -f3)
note "page $page"

started=$(date +%s%N)
PLAY_TIMEOUT_MS=60000 run 0 node "$browser/play.mjs" "$page" 4.5 "${HLSWARM_SCREENSHOT:-}"
result=$(cat "$T/out")
note "chromium: $result"
note "page open to 4.5 s played: $(( ($(date +%s%N) - started) / 1000000 )) ms"
jq -e '.played and .currentTime - .startTime >= 4.5 and (.errors | length) == 0' \
  <<<"$result" >/dev/null ||
  fail "the page did not play cleanly: $result"
jq -e '.panel | test("concert") and test("live")' <<<"$result" >/dev/null ||
  fail "the panel lacks the room's name or state: $(jq -r .panel <<<"$result")"
rss() { ps -o rss= -p "$(pgrep -P "${pids[$1]}" peer-fetch)" | tr -d ' '; }
note "memory: peer-fetch --http $(rss gateway) kB RSS, peer-fetch -o /dev/null $(rss viewer) kB"

kill -INT "${pids[gateway]}"
finish gateway 130
kill -INT "${pids[viewer]}"
finish viewer 130
kill -TERM "${pids[creator]}"
finish creator 130
# The rest of the broadcast is not needed: seg-chain goes, the pipeline
# ends on its broken pipe.
kill "$pipeline" 2>/dev/null || true
wait "$pipeline" 2>/dev/null || true
