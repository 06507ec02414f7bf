# Bootstrap nodes that cannot be resolved: status says so in one line naming
# them, and only when the DHT has nothing else to start from (x.pe origin
# hints or --peer make them unnecessary). No network: ".invalid" names never
# resolve (RFC 6761), and the hints point at a closed port on loopback.
source "$HLSWARM_TESTS/cli/lib.sh"
cd "$T"
uri="hlswarm://$(printf '%064d' 0)/nobody"

for unneeded in "$uri?x.pe=127.0.0.1:9" "$uri --peer 127.0.0.1:9"; do
  # shellcheck disable=SC2086
  run 69 room-announce status $unneeded --bootstrap nowhere.invalid:6881 \
    --listen 127.0.0.1:0 --timeout 2
  expect_err "no room head found"
  ! grep -Eq "host not found|resolve|dht:" "$T/err" || fail "needless: $(cat "$T/err")"
done

run 69 room-announce status "$uri" --bootstrap nowhere.invalid:6881 \
  --bootstrap nothere.invalid:6881 --listen 127.0.0.1:0 --timeout 2
expect_eq "$(grep -c "dht:" "$T/err")" 1 "dht lines"
expect_err "dht: .*nowhere\.invalid:6881.*nothere\.invalid:6881|dht: .*nothere\.invalid:6881.*nowhere\.invalid:6881"
