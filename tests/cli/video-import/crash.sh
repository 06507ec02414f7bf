# Nothing half-imported: an import killed (SIGKILL) in the middle of a video
# leaves an unfinished import that the next run rolls back and does again,
# yielding exactly the room an uninterrupted import makes (the same signed
# records), with the store checking clean; SIGTERM in the middle rolls the
# video back at once (exit 130) and the next run imports it; kills at random
# moments never leave a room that is neither whole nor an unfinished import.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store
q() { sqlite3 "$1/store.db" "$2"; }
# The signed records of room NAME in store $1, one per line.
records() { q "$1" "SELECT hex(r.record) FROM records r JOIN rooms m ON m.id = r.room WHERE m.name = '$2' ORDER BY r.seq"; }
# Every room of the store is whole (ended, a record per segment plus the
# end record, every segment stored) or an unfinished import's.
rooms_whole_or_unfinished() {
  local bad
  bad=$(q "$S" "SELECT m.name FROM rooms m
    WHERE m.id NOT IN (SELECT room FROM imports WHERE state = 'importing')
      AND (m.state <> 'ended'
           OR (SELECT count(*) FROM records WHERE room = m.id) <>
              (SELECT count(*) FROM segment_uses WHERE room = m.id) + 1
           OR m.id NOT IN (SELECT room FROM imports WHERE state = 'done'))")
  [ -z "$bad" ] || fail "half rooms after $1: $bad"
}
# import-videos stalled at FRACTION of its first video, in the background.
start_stalled() {
  import-videos --store "$S" --dir "$T/videos" -d 1 --stall-at "$1" \
    >"$T/stalled.out" 2>"$T/stalled.err" &
  victim=$!
  wait_for 60 grep -q "stalled" "$T/stalled.err"
}

mkdir "$T/videos" "$T/reference"
make_video "$T/videos/a.mp4" 30 1
make_video "$T/videos/b.mp4" 20 1
# The rooms an uninterrupted import makes, with the same key.
run 0 import-videos --store "$T/reference/store" --dir "$T/videos" -d 1
cp "$T/out" "$T/reference/out"

# SIGKILL halfway through a.mp4: its room is half there, as an unfinished
# import, and the next run rolls it back and imports both whole.
start_stalled 0.5
expect_eq "$(q "$S" "SELECT count(*) FROM imports WHERE state = 'importing'")" 1 "unfinished imports"
[ "$(q "$S" "SELECT count(*) FROM records")" -gt 3 ] || fail "the stall came before any record"
kill -KILL "$victim"; wait "$victim" || true
rooms_whole_or_unfinished "the kill"
run 0 import-videos --store "$S" --dir "$T/videos" -d 1
expect_err "rolling back the unfinished import of .*/a\.mp4"
expect_eq "$(jq -r '"\(.room | sub(".*/"; "")) \(.segments) \(.bytes)"' "$T/out" | paste -sd,)" \
  "$(jq -r '"\(.room | sub(".*/"; "")) \(.segments) \(.bytes)"' "$T/reference/out" | paste -sd,)" \
  "rooms after the rerun"
for name in a b; do
  [ "$(records "$S" $name)" = "$(records "$T/reference/store" $name)" ] ||
    fail "room $name differs from an uninterrupted import"
done
expect_eq "$(q "$S" "SELECT count(*) FROM rooms")" 2 "rooms"
expect_eq "$(ls "$S/imports")" lock "imports folder"
run 0 store-gc --store "$S" --check
run 0 import-videos --store "$S" --dir "$T/videos" -d 1
expect_empty_out

# SIGTERM halfway through c.mp4: rolled back at once, exit 130, no trace;
# the next run imports it.
make_video "$T/videos/c.mp4" 30 1
start_stalled 0.5
kill -TERM "$victim"
code=0; wait "$victim" || code=$?
expect_eq "$code" 130 "exit status after SIGTERM"
[ ! -s "$T/stalled.out" ] || fail "printed a room after SIGTERM: $(cat "$T/stalled.out")"
expect_eq "$(q "$S" "SELECT count(*) FROM rooms WHERE name = 'c'")" 0 "room c after SIGTERM"
expect_eq "$(q "$S" "SELECT count(*) FROM imports WHERE state = 'importing'")" 0 "unfinished imports"
expect_eq "$(ls "$S/imports")" lock "imports folder"
[ -z "$(ls "$S"/chains/*/c.* 2>/dev/null)" ] || fail "chain files of c left: $(ls "$S"/chains/*/c.*)"
run 0 store-gc --store "$S" --check
run 0 import-videos --store "$S" --dir "$T/videos" -d 1
expect_eq "$(jq -r .room "$T/out" | sed 's|.*/||')" c "room imported after SIGTERM"

# SIGKILL at random moments of an import of d.mp4, over and over. A run
# first starts, opens the store and checks the videos it knows; only then
# does it import d, for a few hundred ms. Kills drawn within a fixed span
# missed that window on a busy machine (CI: 0 of 12 landed mid-import), so
# the span narrows onto it: a kill that came before d began raises its
# low end, one that came after d was whole lowers its high end (and the
# store goes back to before d, or every later run would import nothing).
make_video "$T/videos/d.mp4" 40 1
cp -a "$S" "$T/before-d"
cp -a "$S" "$T/scratch"
started=$(date +%s%N)
import-videos --store "$T/scratch" --dir "$T/videos" -d 1 >/dev/null 2>&1
whole_ms=$(( ($(date +%s%N) - started) / 1000000 ))
low=0 high=$(( whole_ms * 3 / 2 + 100 ))
# At least 12 kills, and more (up to 36) until 3 have landed mid-import.
halfway=0 kills=0
for kill in $(seq 1 36); do
  [ "$kill" -le 12 ] || [ "$halfway" -lt 3 ] || break
  kills=$kill
  [ $((high - low)) -ge 10 ] || { low=0; high=$(( whole_ms * 3 / 2 + 100 )); }
  at=$(( low + RANDOM % (high - low + 1) ))
  import-videos --store "$S" --dir "$T/videos" -d 1 >"$T/random.out" 2>"$T/random.err" &
  victim=$!
  # The kill lands at a random moment: that is the point, not a wait.
  sleep "$(awk -v ms=$at 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -KILL "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true
  rooms_whole_or_unfinished "random kill $kill"
  if [ "$(q "$S" "SELECT count(*) FROM imports WHERE state = 'importing'")" != 0 ]; then
    halfway=$((halfway + 1))
  elif [ "$(q "$S" "SELECT count(*) FROM rooms WHERE name = 'd'")" != 0 ]; then
    high=$at
    rm -rf "$S"
    cp -a "$T/before-d" "$S"
  else
    low=$at
  fi
done
note "$halfway of $kills kills landed in the middle of the import"
[ "$halfway" -gt 0 ] || fail "no kill landed in the middle of the import"
run 0 import-videos --store "$S" --dir "$T/videos" -d 1
expect_eq "$(q "$S" "SELECT count(*) FROM rooms WHERE name = 'd' AND state = 'ended'")" 1 "room d"
rooms_whole_or_unfinished "the last run"
expect_eq "$(q "$S" "SELECT count(*) FROM rooms")" 4 "rooms"
# A kill while a segment file was being written into the store may leave
# that temporary file, which --repair removes (store-gc/crash.sh); never
# anything else.
code=0
store-gc --store "$S" --check --json >"$T/check" 2>/dev/null || code=$?
if [ "$code" != 0 ]; then
  bad=$(jq -r 'select(.problem and .problem != "stale-temporary") | .problem + " " + .file' "$T/check")
  [ -z "$bad" ] || { cat "$T/check"; fail "store after the random kills: $bad"; }
fi
