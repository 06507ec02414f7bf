# The store's quota while peer-seed runs: a distributor holds a pinned room
# (a) and a room it watched (b). A viewer fetches b's first three segments
# from it, which makes them recently requested. Run again with a quota that
# holds all of a and three segments of b: the seven never-requested
# segments of b go, the requested ones and every pinned one stay, and the
# store checks clean.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

# Two different videos (rooms with the same bytes would share their files).
make_video in.a 40 2 -f mpegts
make_video in.b 40 2 -vf hflip -f mpegts
for room in a b; do
  run 0 room-announce create --vod $room
  cp "$T/out" uri.$room
  seg-split -q -d 4 -o "$T/segs-$room" in.$room | seg-chain -q $room >chain.$room
done
n=$(( $(wc -l <chain.a) - 1 ))
[ "$n" -ge 9 ] || fail "only $n segments"

start_bootstrap 127.0.0.90
start_reading announce_a chain.a room-announce a --listen 127.0.0.91:0 --bootstrap "$boot"
start_reading announce_b chain.b room-announce b --listen 127.0.0.92:0 --bootstrap "$boot"
for room in a b; do
  wait_for 60 has_lines announce_$room $((n + 1))
done
hint_b=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce_b.err" | head -1)

# The distributor: b watched (not pinned), a pinned.
dist=(--store "$T/dist" --key "$T/dist.key" --bootstrap "$boot")
run 0 peer-fetch "$(cat uri.b)?$hint_b" -o /dev/null --store "$T/dist" \
  --listen 127.0.0.93:0 --bootstrap "$boot"
start seed peer-seed --pin "$(cat uri.a)" --listen 127.0.0.93:0 "${dist[@]}"
wait_for 60 grep -qs '"event":"pinned"' "$T/seed.out"
for room in a b; do
  kill -TERM "${pids[announce_$room]}"; finish announce_$room 130
done

# A viewer asks the distributor alone for b's first 12 seconds: seqs 0-2.
run 0 peer-fetch "$(cat uri.b)" --from 0 --to 12 -o /dev/null --store "$T/viewer" \
  --listen 127.0.0.94:0 --bootstrap "$boot" --timeout 30s --give-up 30s
kill -TERM "${pids[seed]}"; finish seed 130

# The quota: all of a, and three segments of b.
a_bytes=$(cat segs-a/seg*.ts | wc -c)
b_three=$(cat segs-b/seg00000.ts segs-b/seg00001.ts segs-b/seg00002.ts | wc -c)
quota=$(( a_bytes + b_three + 1000 ))B
start seed peer-seed --max-size "$quota" --for 3 --listen 127.0.0.93:0 "${dist[@]}"
finish seed
grep -q "evicted $((n - 3)) segments" "$T/seed.err" || fail "evictions: $(cat "$T/seed.err")"

# What is left of b (store-gc lists every unpinned segment at --max-size 0,
# changing nothing), and a whole.
run 0 store-gc --store "$T/dist" --dry-run --json --max-size 0
left=$(jq -r 'select(.infohash) | .seq' "$T/out" | sort -n | tr '\n' ' ')
[ "$left" = "0 1 2 " ] || fail "b's segments left: '$left' (expected the requested 0 1 2)"
run 0 store-gc --store "$T/dist" --check
pinned=$(sqlite3 "$T/dist/store.db" "SELECT count(*) FROM segment_uses u JOIN rooms r ON r.id = u.room WHERE r.pinned")
[ "$pinned" = "$n" ] || fail "pinned segments left: $pinned of $n"
stop bootstrap
