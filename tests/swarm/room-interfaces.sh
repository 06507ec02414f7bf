# A reader reaches an origin whatever address either of them listens on:
# an origin on one loopback address read by a status on the default listen
# address (every interface), and an origin on every interface (0.0.0.0)
# read by a status on one loopback address through the origin's loopback
# hint. The URI's x.pe hints are the reader's only DHT contacts.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
uri=$(room-announce create r1 2>/dev/null)

# serve NAME LISTEN: room-announce serving r1 (no input: it just serves)
# until stopped; sets $hints to its x.pe origin hints.
serve() {
  start "$1" room-announce r1 --listen "$2" --no-bootstrap --linger 100 </dev/null
  wait_for 30 grep -qs "origin hints" "$T/$1.err"
  hints=$(grep -o 'x\.pe=[0-9.:]*' "$T/$1.err" | paste -sd '&')
}

serve specific 127.0.0.60:0
run 0 room-announce status "$uri?$hints" --no-bootstrap --timeout 10 --json
jq -e '.state == "live" and .origins == ["'"${hints#x.pe=}"'"]' "$T/out" >/dev/null ||
  fail "status on 0.0.0.0 of an origin on 127.0.0.60: $(cat "$T/out")"
kill -TERM "${pids[specific]}"; finish specific 130

serve every 0.0.0.0:0
loopback=$(grep -o 'x\.pe=127\.[0-9.:]*' <<<"${hints//&/ }" | head -1)
[ -n "$loopback" ] || fail "no loopback origin hint among: $hints"
run 0 room-announce status "$uri?$loopback" --listen 127.0.0.61:0 --no-bootstrap \
  --timeout 10 --json
jq -e '.state == "live"' "$T/out" >/dev/null ||
  fail "status on 127.0.0.61 of an origin on 0.0.0.0: $(cat "$T/out")"
kill -TERM "${pids[every]}"; finish every 130
