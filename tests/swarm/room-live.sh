# A live room: room-announce serves each record's segment as it arrives and
# three plain libtorrent viewers (node-probe follow) that joined the room
# download every segment, byte for byte; the pipeline's lines pass through
# unchanged; status counts the viewers as replicas; --stats has the bytes;
# SIGTERM stops it within 5 s with 130.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

# Records made beforehand, in another store: to room-announce they are new.
make_segments "$T/seg" 16
n=$(wc -l <seg/lines)
{ cat seg/lines; end_line "$n"; } | seg-chain --store "$T/maker" live >chain.lines
expect_eq "$(wc -l <chain.lines)" $((n + 1)) "chain lines"

run 0 room-announce create live
expect_eq "$(wc -l <"$T/out")" 1 "create prints one line"
uri=$(cat "$T/out")
[[ $uri =~ ^hlswarm://[0-9a-f]{64}/live$ ]] || fail "create printed '$uri'"
key=$(cut -d/ -f3 <<<"$uri")

start_bootstrap 127.0.0.30
mkfifo feed
exec 3<>feed   # read-write: opening it does not wait for the other end
start_reading announce feed room-announce live --listen 127.0.0.31:0 \
  --bootstrap "$boot" --stats announce.json --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
expect_eq "${hint%:*}" "x.pe=127.0.0.31" "origin hint"

for v in 1 2 3; do
  start viewer$v node-probe follow --listen 127.0.0.3$((v + 1)):0 --bootstrap "$boot" \
    --public "$key" --room live --out "v$v" --all --timeout 90 --linger 100 3>&-
  first_line viewer$v 20 >/dev/null
done

# One record at a time: each viewer gets the segment before the next one.
for i in $(seq 1 "$n"); do
  sed -n "${i}p" chain.lines >&3
  for v in 1 2 3; do
    wait_for 30 grep -q "\"seq\":$((i - 1)),\"v\"" "$T/viewer$v.out"
  done
done
sed -n "$((n + 1))p" chain.lines >&3
for v in 1 2 3; do
  wait_for 30 grep -q '"end":true' "$T/viewer$v.out"
  jq -s -e 'map(select(.chain_records)) | length > 0 and all(.[]; .verified)' \
    "$T/viewer$v.out" >/dev/null ||
    fail "viewer$v did not verify the chain"
  for f in seg/seg*.ts; do
    cmp "$f" "v$v/$(basename "$f")" || fail "viewer$v: $(basename "$f") differs"
  done
done
wait_for 10 has_lines announce $((n + 1))
cmp chain.lines "$T/announce.out" || fail "lines did not pass through unchanged"

# status: every segment held by the three viewers (and the origin)
run 0 room-announce status "$uri?$hint" --listen 127.0.0.35:0 --bootstrap "$boot" \
  --json --timeout 30
jq -e --argjson n "$n" '.state == "ended" and .head_seq == $n and .segments == $n
  and .ended and .whole_chain_replicas >= 3
  and ([.segment_replicas[].replicas] | min >= 3)' "$T/out" >/dev/null ||
  fail "status: $(cat "$T/out")"
run 0 room-announce status "$uri" --listen 127.0.0.35:0 --bootstrap "$boot" --timeout 30
expect_out "^head seq  $n"
expect_out "^segments  $n"

# --stats: what the origin sent
wait_for 10 has_json_line announce.json '.uploaded_bytes > 0 and .downloaded_bytes == 0'

# SIGTERM: out within 5 s, 130
exec 3>&-
started=$(date +%s%N)
kill -TERM "${pids[announce]}"
finish announce 130
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
[ "$elapsed" -lt 5000 ] || fail "SIGTERM took $elapsed ms"
for v in 1 2 3; do stop viewer$v; done
stop bootstrap
