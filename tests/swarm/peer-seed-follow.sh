# Following: a viewer who watched a creator's first video three times (the
# default --follow-after) follows the creator, and peer-seed --follow finds
# the creator's other video through the creator's channel and fetches it.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

start_bootstrap 127.0.0.120
start_creator_channel 127.0.0.121

# Twice is not enough...
for i in 1 2; do
  run 0 peer-fetch "$first" -o /dev/null --store "$T/viewer" --listen 127.0.0.126:0 \
    --bootstrap "$boot" --timeout 30s
done
run 0 peer-seed --follow --store "$T/viewer" --key "$T/viewer.key" --for 3 \
  --listen 127.0.0.126:0 --bootstrap "$boot"
expect_empty_out
# ...three times is.
run 0 peer-fetch "$first" -o /dev/null --store "$T/viewer" --listen 127.0.0.126:0 \
  --bootstrap "$boot" --timeout 30s
start follower peer-seed --follow --store "$T/viewer" --key "$T/viewer.key" \
  --listen 127.0.0.126:0 --bootstrap "$boot"
wait_for 90 has_json_line "$T/follower.out" '.event == "kept" and .room == $room' \
  --arg room "$second"
has_json_line "$T/follower.out" '.event == "followed" and .creator == $key and .times_watched == 3' \
  --arg key "$key" || fail "not followed: $(cat "$T/follower.out")"
kill -TERM "${pids[follower]}"; finish follower 130
kill -TERM "${pids[creator]}"; finish creator 130
# The store knows the creator as followed: their rooms' files go last.
[ "$(sqlite3 "$T/viewer/store.db" "SELECT followed FROM creators WHERE pk = '$key'")" = 1 ] ||
  fail "the creator is not marked followed in the store"
stop bootstrap
