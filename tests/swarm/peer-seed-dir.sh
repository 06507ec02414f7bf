# peer-seed --dir: a folder of two videos becomes two VOD rooms (one JSON
# line each) served at once; a viewer fetches 0:30-0:45 of one from it; a
# second run imports nothing; a third video added is imported alone; a junk
# file is reported and skipped while the rest still import.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

mkdir videos
make_video videos/talk.mp4 60 2
make_video videos/walk.mp4 30 2 -vf hflip
start_bootstrap 127.0.0.100
seed=(peer-seed --dir "$T/videos" --store "$T/store" --listen 127.0.0.101:0 --bootstrap "$boot" -d 4)

start seed "${seed[@]}"
wait_for 60 has_lines seed 2
jq -e -s 'length == 2 and all(.[]; .event == "imported" and .segments > 0 and (.room | startswith("hlswarm://")))' \
  "$T/seed.out" >/dev/null || fail "imports: $(cat "$T/seed.out")"
talk=$(jq -r 'select(.path | endswith("talk.mp4")) | .room' "$T/seed.out")
[ -n "$talk" ] || fail "no room for talk.mp4"

run 0 peer-fetch "$talk" --from 30 --to 45 -o part.ts --store "$T/viewer" \
  --listen 127.0.0.102:0 --bootstrap "$boot" --timeout 30s --give-up 30s
ffprobe -v error -show_entries format=duration -of csv=p=0 part.ts >dur
awk '{ exit !($1 >= 15 && $1 <= 24) }' dur || fail "0:30-0:45 gave $(cat dur) s"
kill -TERM "${pids[seed]}"; finish seed 130

# Again: nothing new.
run 0 "${seed[@]}" --for 2
expect_empty_out
expect_err "no new video to import"

# A third video and a junk file: the video alone is imported.
make_video videos/zoo.mp4 20 2 -vf vflip
head -c 100000 /dev/urandom >videos/junk.mp4
run 0 "${seed[@]}" --for 2
[ "$(wc -l <"$T/out")" = 1 ] || fail "third run printed: $(cat "$T/out")"
jq -e '.path | endswith("zoo.mp4")' "$T/out" >/dev/null || fail "not zoo: $(cat "$T/out")"
expect_err "junk.mp4: skipped"
run 0 store-gc --store "$T/store" --check
stop bootstrap
