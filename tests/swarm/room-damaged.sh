# A stored segment whose bytes were damaged (same size, so store-gc --check
# passes it): room-announce serves that segment from the chain line's path
# instead, with a warning, and a viewer gets every segment byte for byte.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 12
n=$(wc -l <seg/lines)
# The default store, which room-announce uses too: the segments are there.
{ cat seg/lines; end_line "$n"; } | seg-chain film >chain.lines
store=$XDG_DATA_HOME/hlswarm
key=$(jq -r .public_key < <(seg-chain key))
damaged=$(jq -r 'select(.seq == 1) | .infohash' chain.lines)
file=$(find "$store/segments" -name "$damaged.*")
flip "$file" $(( $(stat -c %s "$file") / 2 ))
# As in a live pipeline, where room-announce takes each line before the
# store has its record: the records go, the segments stay.
sqlite3 "$store/store.db" "DELETE FROM records"

start_bootstrap 127.0.0.60
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce film --listen 127.0.0.61:0 \
  --bootstrap "$boot" --linger 100 3>&-
wait_for 60 grep -qs "origin hints" "$T/announce.err"
start viewer node-probe follow --listen 127.0.0.62:0 --bootstrap "$boot" \
  --public "$key" --room film --out v --all --timeout 90 --linger 100
first_line viewer 20 >/dev/null

cat chain.lines >&3
wait_for 30 has_lines announce $((n + 1))
wait_for 60 grep -q '"end":true' "$T/viewer.out"
for f in seg/seg*.ts; do
  cmp "$f" "v/$(basename "$f")" || fail "$(basename "$f") differs"
done
grep -q "warning: $file: damaged .*: serving $T/seg/seg001.ts instead" "$T/announce.err" ||
  { cat "$T/announce.err"; fail "no warning about the damaged copy"; }

exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130
stop viewer
stop bootstrap
