# A creator's channel: a creator serves a complete prepared video and a
# live room; another node, knowing only the creator's key, reads the
# channel and lists both rooms with their states. A creator without a
# channel is "unavailable" (69).
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 12
n=$(wc -l <seg/lines)
{ cat seg/lines; end_line "$n"; } | seg-chain --store "$T/maker" film >film.lines
head -n 2 seg/lines | seg-chain --store "$T/maker" show >show.lines
run 0 room-announce create --vod film
key=$(cut -d/ -f3 <"$T/out")
run 0 room-announce create show

start_bootstrap 127.0.0.60
# The video, whole (its end record makes it a channel entry).
start_reading film film.lines room-announce film --listen 127.0.0.61:0 --bootstrap "$boot"
wait_for 30 has_lines film $((n + 1))
wait_for 30 grep -q "channel of 2 rooms published" "$T/film.err"
# The broadcast, live: published after the video, its channel is the newer.
start_reading show show.lines room-announce show --listen 127.0.0.62:0 --bootstrap "$boot"
wait_for 30 has_lines show 2
grep -q "channel of 2 rooms published" "$T/show.err" || fail "show published no channel"

run 0 room-announce channel "$key" --json --listen 127.0.0.63:0 --bootstrap "$boot" --timeout 30
c=$(cat "$T/out")
expect_eq "$(jq -r .creator <<<"$c")" "$key" "creator"
expect_eq "$(jq -r '.rooms | length' <<<"$c")" 2 "rooms in the channel"
expect_eq "$(jq -r '.rooms[] | select(.name == "film") | .state' <<<"$c")" vod "film's state"
expect_eq "$(jq -r '.rooms[] | select(.name == "film") | .segments' <<<"$c")" "$n" "film's segments"
jq -e '.rooms[] | select(.name == "film") | .seconds > 10 and .seconds < 14' <<<"$c" >/dev/null ||
  fail "film's duration: $c"
expect_eq "$(jq -r '.rooms[] | select(.name == "show") | .state' <<<"$c")" live "show's state"
expect_eq "$(jq -r '.rooms[] | select(.name == "film") | .room' <<<"$c")" \
  "hlswarm://$key/film" "film's URI"

# The text form, from a channel URI.
run 0 room-announce channel "hlswarm://$key" --listen 127.0.0.64:0 --bootstrap "$boot" --timeout 30
expect_out "^creator +$key"
expect_out "^  vod +$n segments .* hlswarm://$key/film$"
expect_out "^  live .* hlswarm://$key/show$"

# Nobody's channel: nothing to read.
other=$(printf '%064d' 7)
run 69 room-announce channel "$other" --listen 127.0.0.65:0 --bootstrap "$boot" --timeout 3
expect_err "^room-announce: error: channel $other: no channel head found"
run 64 room-announce channel "not-a-key" --timeout 1
expect_err "not a creator key"

kill -TERM "${pids[film]}" "${pids[show]}"
finish film 130
finish show 130
stop bootstrap
