# A prepared video (--vod): its head names no record until the chain is
# complete, so that "vod" always means the whole video; its segments are
# served meanwhile. With the end record the head names it, and a viewer
# that joins then gets the chain and every segment, byte for byte.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 12
n=$(wc -l <seg/lines)
{ cat seg/lines; end_line "$n"; } | seg-chain --store "$T/maker" film >chain.lines
run 0 room-announce create --vod film
key=$(cut -d/ -f3 <"$T/out")

start_bootstrap 127.0.0.50
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce film --listen 127.0.0.51:0 \
  --bootstrap "$boot" --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"

head_room=film head_reader=127.0.0.52:0 # for read_head

head -n "$n" chain.lines >&3 # every segment, not yet the end record
wait_for 20 has_lines announce "$n"
h=$(read_head)
expect_eq "$(field "$h" state)" vod "state while the video is published"
expect_eq "$(field "$h" seq)" null "record named before the chain is complete"

sed -n "$((n + 1))p" chain.lines >&3
wait_for 20 has_lines announce $((n + 1))
h=$(read_head $(( $(field "$h" item_seq) + 1 )))
expect_eq "$(field "$h" state)" vod "state once complete"
expect_eq "$(field "$h" seq)" "$n" "head seq with the end record"

start viewer node-probe follow --listen 127.0.0.53:0 --bootstrap "$boot" \
  --public "$key" --room film --out v --all --timeout 60 --linger 100
wait_for 60 grep -q '"end":true' "$T/viewer.out"
jq -s -e 'map(select(.chain_records)) | length > 0 and all(.[]; .verified)' \
  "$T/viewer.out" >/dev/null || fail "the viewer did not verify the chain"
for f in seg/seg*.ts; do
  cmp "$f" "v/$(basename "$f")" || fail "$(basename "$f") differs"
done

exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130
stop viewer
stop bootstrap
