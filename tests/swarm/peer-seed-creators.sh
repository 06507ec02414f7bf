# Super Content Distributors find a creator's rooms through the creator's
# channel, never told a room's URI: two distributors with the creator's
# key in pin-creators pin the creator's two VOD rooms (imported by the
# creator's own peer-seed --dir), and room-announce pinners lists their two
# offers, cheapest first.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

start_bootstrap 127.0.0.110
start_creator_channel 127.0.0.111

# Two paid distributors, told only the creator's key.
for d in 1 2; do
  start dist$d peer-seed --pin-creator "$key" --max-size 1G --offer "$d.00" \
    --offer-contact "mailto:d$d@example.org" --channel-interval 3 \
    --store "$T/dist$d" --key "$T/dist$d.key" --listen 127.0.0.11$((d + 1)):0 --bootstrap "$boot"
done
for d in 1 2; do
  for room in "$first" "$second"; do
    wait_for 90 has_json_line "$T/dist$d.out" '.event == "pinned" and .room == $room' \
      --arg room "$room"
  done
done
run 0 room-announce pinners --json --timeout 10s --listen 127.0.0.115:0 --bootstrap "$boot"
jq -e '(.offers | length) == 2 and .offers[0].price == "1.00" and .offers[1].price == "2.00"' \
  "$T/out" >/dev/null || fail "pinners: $(cat "$T/out")"

for p in dist1 dist2 creator; do
  kill -TERM "${pids[$p]}"; finish $p 130
done
stop bootstrap
