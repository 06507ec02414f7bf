# peer-fetch --http: a live room served over HTTP as it is fetched. The
# records are fed to the creator one by one, so the test knows what the
# viewer has. While live: the playlist is an EVENT playlist without
# ENDLIST (application/vnd.apple.mpegurl, not cached), each segment is the
# creator's file byte for byte with its content type and a year-long
# immutable cache, a Range request gives 206 and exactly those bytes, CORS
# lets any page read it, a segment not verified yet is 503, ffprobe reads
# the playlist URL, the status says live. After the end record: ENDLIST,
# the status says ended, an unknown name is 404, and the viewer serves on
# until SIGINT, then exits 0.
# peer-fetch-http-fmp4.sh runs it with fragmented MP4 (format=fmp4): the
# init segment comes first (EXT-X-MAP) and everything is video/mp4.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
format=${format:-mpegts}
note "format $format"
if [ "$format" = fmp4 ]; then type=video/mp4; else type=video/mp2t; fi

make_video in.mp4 20 2
seg-split -q -d 2 --format "$format" -o seg in.mp4 | seg-chain -q --store "$T/maker" live >chain.lines
n=$(( $(wc -l <chain.lines) - 1 ))
run 0 room-announce create live
uri=$(cat "$T/out")

start_bootstrap 127.0.0.170
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce live --listen 127.0.0.171:0 \
  --bootstrap "$boot" --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)

start viewer peer-fetch --http 127.0.0.172:0 "$uri?$hint" --store "$T/store1" \
  --listen 127.0.0.172:0 --bootstrap "$boot" --timeout 30s 3>&-
wait_for 30 grep -qs "watch at http://" viewer.err
base=$(grep -o 'watch at http://[0-9.:]*/' viewer.err | head -1 | cut -d' ' -f3)
playlist=$(grep -o 'playlist http://[^)]*' viewer.err | head -1 | cut -d' ' -f2)
note "gateway $base, playlist $playlist"
[ "$(cat viewer.out)" = "" ] || fail "--http alone wrote to standard output"

# get URL [CURL ARGS]: status code to $T/code, headers to $T/headers, body
# to $T/body.
get() {
  local url=$1; shift
  curl -sS --max-time 10 -D "$T/headers" -o "$T/body" -w '%{http_code}' "$@" "$url" >"$T/code"
}
header() { tr -d '\r' <"$T/headers" | sed -n "s/^$1: //Ip" | tail -1; }
expect_code() { expect_eq "$(cat "$T/code")" "$1" "$2: status"; }
# status_has FILTER: the gateway's status matches the jq FILTER (for wait_for).
status_has() { curl -s --max-time 5 "${base}status.json" | jq -e "$1" >/dev/null; }
playlist_ended() { curl -s --max-time 5 "$playlist" | grep -q '#EXT-X-ENDLIST'; }

# Before the room is found nothing is there yet: 503, never an empty playlist.
get "$playlist"
expect_code 503 "playlist before any segment"
get "${base}status.json"
expect_code 200 "status"
expect_eq "$(header Content-Type)" application/json "status content type"
jq -e --arg u "$uri" '.v == 1 and .room == $u and .name == "live" and .segments == 0' \
  "$T/body" >/dev/null || fail "status before any segment: $(cat "$T/body")"

# The first records start the room; the viewer starts at the live edge.
head -n 4 chain.lines >&3
wait_for 30 status_has '.segments >= 1'
get "$playlist"
expect_code 200 "playlist"
expect_eq "$(header Content-Type)" application/vnd.apple.mpegurl "playlist content type"
expect_eq "$(header Cache-Control)" no-cache "playlist cache"
expect_eq "$(header Access-Control-Allow-Origin)" "*" "CORS"
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$T/body" || fail "not an EVENT playlist: $(cat "$T/body")"
! grep -q '#EXT-X-ENDLIST' "$T/body" || fail "ENDLIST while live"
cp "$T/body" live.m3u8
if [ "$format" = fmp4 ]; then
  init=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' live.m3u8)
  [ -n "$init" ] || fail "no EXT-X-MAP: $(cat live.m3u8)"
  get "${playlist%index.m3u8}$init"
  expect_code 200 "init segment"
  expect_eq "$(header Content-Type)" video/mp4 "init segment content type"
  cmp "$T/body" "seg/$init" || fail "init segment differs from the creator's"
fi
first=$(grep -v '^#' live.m3u8 | head -1)

get "${playlist%index.m3u8}$first"
expect_code 200 "segment $first"
expect_eq "$(header Content-Type)" "$type" "segment content type"
expect_eq "$(header Cache-Control)" "public, max-age=31536000, immutable" "segment cache"
cmp "$T/body" "seg/$first" || fail "$first differs from the creator's"
size=$(stat -c %s "seg/$first")
get "${playlist%index.m3u8}$first" -H 'Range: bytes=1000-4999'
expect_code 206 "range request"
expect_eq "$(header Content-Range)" "bytes 1000-4999/$size" "Content-Range"
cmp "$T/body" <(tail -c +1001 "seg/$first" | head -c 4000) || fail "range bytes differ"
get "${playlist%index.m3u8}$first" -I
expect_eq "$(header Content-Length)" "$size" "HEAD: Content-Length"
get "${playlist%index.m3u8}$first" -X OPTIONS -H 'Origin: http://elsewhere.test' \
  -H 'Access-Control-Request-Headers: range'
expect_code 204 "CORS preflight"
header Access-Control-Allow-Headers | grep -qi range || fail "preflight does not allow Range"

# A segment whose record is not even published: not verified yet.
last=$(basename "$(ls seg/*.ts seg/*.m4s 2>/dev/null | sort | tail -1)")
get "${playlist%index.m3u8}$last"
expect_code 503 "segment not verified yet"
expect_eq "$(header Retry-After)" 1 "Retry-After"
! cmp -s "$T/body" "seg/$last" || fail "served a segment before it was verified"
get "${base}rooms/0123456789abcdef/index.m3u8"
expect_code 404 "another room's playlist"
get "${base}index.m3u8"
expect_code 302 "short playlist URL"

run 0 ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$playlist"
expect_out video
expect_out audio
status_has '.state == "live" and (.complete | not) and .peers >= 1' ||
  fail "status while live: $(curl -s "${base}status.json")"

# The rest and the end record: ENDLIST, every segment the creator's.
sed -n "5,$((n + 1))p" chain.lines >&3
wait_for 60 playlist_ended
get "$playlist"
grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$T/body" || fail "an ended live room is not EVENT"
for name in $(grep -v '^#' "$T/body"); do
  curl -sS --max-time 10 -o got "${playlist%index.m3u8}$name"
  cmp got "seg/$name" || fail "$name differs from the creator's"
done
expect_eq "$(grep -v '^#' "$T/body" | tail -1)" "$last" "last segment in the playlist"
status_has '.state == "ended" and .complete and .origin_bytes + .peer_bytes > 0' ||
  fail "status after the end: $(curl -s "${base}status.json")"
get "${playlist%index.m3u8}no-such-segment.ts"
expect_code 404 "unknown name after the end"
get "${playlist%index.m3u8}.hidden"
expect_code 404 "hidden name"
run 0 ffprobe -v error -show_entries format=duration -of csv=p=0 "$playlist"
duration=$(cat "$T/out")
note "ffprobe: $duration s"
# The short URL of the man page's examples: players follow the redirect
# and find the segments relative to where it led.
run 0 ffprobe -v error -show_entries format=duration -of csv=p=0 "${base}index.m3u8"
expect_eq "$(cat "$T/out")" "$duration" "ffprobe through /index.m3u8"

# The room is over, the gateway is not: it serves until interrupted.
grep -q "serving until interrupted" viewer.err || fail "viewer: $(cat viewer.err)"
kill -0 "${pids[viewer]}" || fail "the viewer stopped serving at the end"
kill -INT "${pids[viewer]}"
finish viewer
! curl -s --max-time 5 -o /dev/null "$playlist" || fail "still serving after SIGINT"

exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
