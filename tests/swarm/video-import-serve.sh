# An imported video is a room room-announce serves unchanged: a 2-minute
# video imported by import_videos (peer-seed --dir's library) is announced
# by `room-announce NAME` from the same store with the same key, and a
# viewer fetches 0:30-0:45 of it, byte for byte the segments that cover it.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

mkdir videos
make_video videos/talk.mp4 120 8
run 0 import-videos --dir videos
uri=$(jq -r .room out)
n=$(jq -r .segments out)
[ "$n" -ge 14 ] || fail "only $n segments"
# The same cut by seg-split (it is deterministic): the segments covering
# [30, 45), the first holding 30 s, the last 45 s's instant before.
seg-split -q -d 8 -o "$T/segs" videos/talk.mp4 >split.lines
expect_eq "$(( $(wc -l <split.lines) - 1 ))" "$n" "segments of seg-split and of the import"
jq -r 'select(.end | not) | select(.start + .duration > 30 and .start < 45) | "\(.seq) \(.path)"' \
  split.lines >covering
cut -d' ' -f2 <covering | xargs cat >clip-expected.ts

start_bootstrap 127.0.0.170
# No input: everything is in the store already, the end record included.
start_reading announce /dev/null room-announce talk --listen 127.0.0.171:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
grep -q "republishing $((n + 1)) records" "$T/announce.err" ||
  { cat "$T/announce.err"; fail "room-announce did not republish the $((n + 1)) records"; }
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)

start viewer peer-fetch --from 0:30 --to 0:45 -o clip.ts "$uri?$hint" --store "$T/store1" \
  --listen 127.0.0.172:0 --bootstrap "$boot" --stats v.json
finish viewer
cmp clip-expected.ts clip.ts || fail "the clip is not the covering segments $(cut -d' ' -f1 covering | xargs)"
expect_eq "$(jq -c '[.segments[].seq]' v.json)" "$(cut -d' ' -f1 covering | jq -sc .)" \
  "segments written"

kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
