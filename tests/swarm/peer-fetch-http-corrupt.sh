# The gateway never serves a corrupt byte: a bad seeder (every segment with
# a byte flipped in each 16 KiB block) is in a prepared video's room before
# a peer-fetch --http viewer comes. While the viewer fetches, an HTTP
# client asks again and again for every segment of the video, by the
# creator's names: each answer is 503 (not verified yet) or the creator's
# file byte for byte, never anything else. The viewer saw hash failures
# (the bad seeder was a source), and in the end every segment is served.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

make_video in.ts 24 2 -f mpegts
run 0 room-announce create --vod film
uri=$(cat "$T/out")
seg-split -q -d 4 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
names=$(cd segs && ls seg*.ts)

start_bootstrap 127.0.0.180
start_reading announce chain.lines room-announce film --listen 127.0.0.181:0 \
  --bootstrap "$boot" --linger 100
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
wait_for 30 has_lines announce $((n + 1))
start bad bad-seeder "$uri?$hint" --segments "$T/segs" --listen 127.0.0.182:0 \
  --bootstrap "$boot"
wait_for 30 has_lines bad $((n + 1))

# An honest viewer too, as in peer-fetch-corrupt.sh: libtorrent may ban the
# origin with the bad seeder when both sent blocks of a failed piece, and a
# viewer with no other source would then give up.
start other peer-fetch "$uri?$hint" -o /dev/null --max-peers 8 --store "$T/store2" \
  --listen 127.0.0.184:0 --bootstrap "$boot" --give-up 40s --linger 100
start viewer peer-fetch --http 127.0.0.183:0 "$uri?$hint" --max-peers 8 --store "$T/store" \
  --listen 127.0.0.183:0 --bootstrap "$boot" --give-up 40s
wait_for 30 grep -qs "playlist http://" viewer.err
playlist=$(grep -o 'playlist http://[^)]*' viewer.err | head -1 | cut -d' ' -f2)
folder=${playlist%index.m3u8}

# ask_all: one round of requests for every segment; fails on any answer
# that is neither 503 nor the creator's bytes. Prints how many were served.
ask_all() {
  local name code served=0
  for name in $names; do
    code=$(curl -sS --max-time 10 -o got -w '%{http_code}' "$folder$name")
    case $code in
      200) cmp -s got "segs/$name" || fail "served $name with bytes that are not the creator's"
           served=$((served + 1)) ;;
      503) [ ! -s got ] || ! cmp -s got "segs/$name" || fail "503 with the segment's bytes" ;;
      *) fail "$name: status $code while the video is fetched" ;;
    esac
  done
  echo "$served"
}

rounds=0 early=0
deadline=$(( $(date +%s) + 90 ))
until grep -qs "serving until interrupted" viewer.err; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the viewer did not finish in 90 s: $(tail -3 viewer.err)"
  kill -0 "${pids[viewer]}" || fail "the viewer exited: $(tail -3 viewer.err)"
  served=$(ask_all)
  rounds=$((rounds + 1))
  [ "$served" -lt "$n" ] && early=$((early + 1))
done
note "$rounds rounds of requests, $early while segments were missing"
[ "$early" -gt 0 ] || note "every round found every segment (a fast fetch)"
served=$(ask_all)
expect_eq "$served" "$n" "segments served at the end"
curl -sS --max-time 10 -o film.m3u8 "$playlist"
grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' film.m3u8 || fail "a prepared video is not a VOD playlist: $(cat film.m3u8)"
grep -qx '#EXT-X-ENDLIST' film.m3u8 || fail "no ENDLIST: $(cat film.m3u8)"

failures=$(grep -c 'failed its hash check' viewer.err || true)
note "hash failures: $failures"
[ "$failures" -gt 0 ] || fail "the viewer saw no hash failure: was the bad seeder a source?"

kill -INT "${pids[viewer]}"
finish viewer
kill -INT "${pids[other]}"
finish other 130
stop bad
kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
