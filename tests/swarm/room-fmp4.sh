# An fMP4 room: room-announce seeds each init record's init segment like a
# segment, so a viewer that follows the room from its start fetches the
# init segment and every fragment by their records, byte for byte, and
# the init segment then the fragments play.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_video in.ts 12 2 -f mpegts
# The default store, which room-announce uses too: the segments are there.
seg-split -q --format fmp4 -d 4 -o "$T/segs" in.ts | seg-chain -q film >chain.lines
n=$(wc -l <chain.lines)
expect_eq "$n" 5 "records (init, 3 fragments, end)"
expect_eq "$(head -1 chain.lines | jq .init)" true "first record is the init record"
key=$(jq -r .public_key < <(seg-chain key))

start_bootstrap 127.0.0.150
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce film --listen 127.0.0.151:0 \
  --bootstrap "$boot" --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"
start viewer node-probe follow --listen 127.0.0.152:0 --bootstrap "$boot" \
  --public "$key" --room film --out v --all --timeout 90 --linger 100
first_line viewer 20 >/dev/null

cat chain.lines >&3
wait_for 30 has_lines announce "$n"
wait_for 60 grep -q '"end":true' "$T/viewer.out"
for f in segs/init.mp4 segs/seg*.m4s; do
  cmp "$f" "v/$(basename "$f")" || fail "$(basename "$f") differs"
done
cat v/init.mp4 v/seg*.m4s >play.mp4
frames=$(ffprobe -v error -select_streams v -show_entries packet=pts -of csv=p=0 \
  play.mp4 | grep -c .)
expect_eq "$frames" 300 "video frames of the fetched init segment and fragments"

exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130
stop viewer
stop bootstrap
