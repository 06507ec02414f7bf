# The steps of hlswarm-live(7) as written, on loopback: create the room,
# broadcast through the pipeline, end it with Ctrl-C (SIGINT to the whole
# pipeline, as a terminal sends it to its foreground job), check. Ctrl-C
# must end the chain with the end record, publish the ended head and keep
# the room served (--linger); a second Ctrl-C stops room-announce at once.
# Changed from the guide only to stay on loopback and short: 2 s segments,
# a private bootstrap node, lavfi instead of a camera, bounded lifetimes.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
start_bootstrap 127.0.0.60

# 1. Create the room, once.
run 0 room-announce create "evening news"
uri=$(cat "$T/out")
[[ $uri =~ ^hlswarm://[0-9a-f]{64}/evening%20news$ ]] || fail "create printed '$uri'"

# 2. Broadcast: a process group of its own, like a shell's foreground job.
cat >broadcast.sh <<SCRIPT
ffmpeg -nostdin -loglevel error -re -t 100 \
    -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 \
    -c:v libx264 -preset ultrafast -g 25 -keyint_min 25 -sc_threshold 0 \
    -c:a aac -f mpegts - \
  | seg-split -o live --playlist live/live.m3u8 --duration 2 \
  | seg-chain "evening news" \
  | room-announce "evening news" --listen 127.0.0.61:0 --bootstrap $boot --linger 60
echo "\${PIPESTATUS[*]}" >statuses
SCRIPT
setsid bash broadcast.sh >broadcast.out 2>broadcast.err &
group=$!
trap 'kill -KILL -- -$group 2>/dev/null || true' ERR
wait_for 60 has_lines broadcast 2

# 3. Watch: a viewer with the room's URI (a file here instead of mpv).
wait_for 20 grep -q 'origin hints' broadcast.err
hinted=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' broadcast.err | head -1)
start watcher peer-fetch "$hinted" --listen 127.0.0.63:0 --bootstrap "$boot" \
  --store "$T/watcher" --stats watcher.json
wait_for 30 test -s "$T/watcher.out"

# 4. End the broadcast: Ctrl-C.
kill -INT -- "-$group"
wait_for 20 grep -q '"end":true' broadcast.out
wait_for 20 grep -q 'ended at seq' broadcast.err
announcer=$(pgrep -s "$group" -x room-announce) || fail "room-announce did not keep serving: $(cat broadcast.err)"
grep -q 'interrupt again to stop at once' broadcast.err || fail "no hint about a second Ctrl-C: $(cat broadcast.err)"
n=$(grep -c '"seq"' broadcast.out)
run 0 room-announce status "$uri" --listen 127.0.0.62:0 --bootstrap "$boot" --json --timeout 30
jq -e --argjson last "$((n - 1))" '.state == "ended" and .ended and .head_seq == $last' "$T/out" >/dev/null ||
  fail "status after Ctrl-C: $(cat "$T/out")"

# The viewer got the end record and stopped by itself, its stream the
# segments from the one it started at.
finish watcher
first=$(jq '.segments[0].seq' watcher.json)
ls live/*.ts | sort | tail -n "+$((first + 1))" | xargs cat | cmp - "$T/watcher.out" ||
  fail "the viewer's stream is not the broadcast's segments"

# A second Ctrl-C: out at once.
kill -INT "$announcer"
wait_for 5 bash -c "! kill -0 $announcer 2>/dev/null"
wait_for 10 test -s statuses
read -r _ split chain announce <statuses
expect_eq "$split $chain $announce" "130 130 130" "seg-split, seg-chain, room-announce exit statuses"

# 6. Check: the chain is complete and matches the segments.
run 0 seg-chain verify "$XDG_DATA_HOME"/hlswarm/chains/*/evening%20news.chain --segments live
jq -e --argjson n "$n" '.ended and .records == $n and .segment_files_checked == $n - 1' "$T/out" >/dev/null ||
  fail "verify: $(cat "$T/out")"
