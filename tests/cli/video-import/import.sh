# import_videos (peer-seed --dir's library) through the import-videos test
# helper: two videos become two whole VOD rooms; a second run imports
# nothing; a third video is imported alone; junk is skipped with a message
# while the rest import; hidden files and partial downloads are ignored; a
# touched but identical file is not imported again; a changed file becomes
# a new room that replaces the old one, which stays.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store
q() { sqlite3 "$S/store.db" "$@"; }
import() { run 0 import-videos --store "$S" --dir "$T/videos" -d 4 "$@"; }

mkdir "$T/videos"
make_video "$T/videos/b talk.mp4" 50 2
make_video "$T/videos/a intro.mp4" 46 2
printf 'partial' >"$T/videos/c.mp4.part"
printf 'hidden' >"$T/videos/.d.mp4"

import
expect_eq "$(wc -l <"$T/out")" 2 "rooms printed"
# In the order of the names, each a whole room: ~13 segments of 4 s.
expect_eq "$(jq -r .path "$T/out" | xargs -d '\n' -n1 basename | paste -sd,)" \
  "a intro.mp4,b talk.mp4" "paths"
expect_eq "$(jq -r .room "$T/out" | sed -E 's|^hlswarm://[0-9a-f]{64}/||' | paste -sd,)" \
  "a%20intro,b%20talk" "room URIs"
expect_eq "$(jq -s 'map(select(.v == 1 and .segments >= 11 and .segments <= 14
                              and .bytes > 0 and .replaces == null
                              and .duration > 45)) | length' "$T/out")" 2 \
  "whole rooms (segments, bytes, duration)"
cp "$T/out" "$T/first"
# The store has both rooms: vod, ended, pinned, one record per segment
# plus the end record, every segment file; the imports are done.
expect_eq "$(q "SELECT count(*) FROM rooms WHERE mode = 'vod' AND state = 'ended' AND pinned = 1")" 2 "rooms"
expect_eq "$(q "SELECT count(*) FROM imports WHERE state = 'done'")" 2 "imports"
for name in "a intro" "b talk"; do
  segments=$(jq -r --arg n "$name" 'select(.room | endswith($n | @uri)) | .segments' "$T/first")
  expect_eq "$(q "SELECT count(*) FROM records r JOIN rooms m ON m.id = r.room WHERE m.name = '$name'")" \
    $((segments + 1)) "records of $name"
  expect_eq "$(q "SELECT segments FROM room_totals t JOIN rooms m ON m.id = t.room WHERE m.name = '$name'")" \
    "$segments" "segments of $name"
  chain=$(ls "$S"/chains/*/"$(jq -rn --arg n "$name" '$n | @uri')".chain)
  run 0 seg-chain verify --ended --room "$name" "$chain"
  [ -s "${chain%.chain}.records" ] || fail "no chain torrent file for $name"
done
# Nothing left in the work folder; the store checks clean.
expect_eq "$(ls "$S/imports")" lock "imports folder"
run 0 store-gc --store "$S" --check

# A second run imports nothing; so does one after a touch.
import
expect_empty_out
touch "$T/videos/a intro.mp4"
import
expect_empty_out
expect_eq "$(q "SELECT count(*) FROM rooms")" 2 "rooms after the touch"

# A third video, and a junk file: the video is imported alone, the junk
# skipped with a message, and the run still succeeds.
make_video "$T/videos/c more.mp4" 20 2
head -c 100000 /dev/urandom >"$T/videos/junk.mp4"
printf 'not a video\n' >"$T/videos/notes.txt"
import
expect_eq "$(jq -r .room "$T/out" | sed 's|.*/||')" "c%20more" "the third room alone"
expect_err "warning: .*junk\.mp4: skipped"
expect_err "warning: .*notes\.txt: skipped"
expect_eq "$(q "SELECT count(*) FROM rooms")" 3 "rooms after the junk"
run 0 store-gc --store "$S" --check

# A changed file (same name, new content) becomes a new room that replaces
# the old one; the old room stays.
old=$(jq -r 'select(.path | endswith("b talk.mp4")) | .room' "$T/first")
make_video "$T/videos/b talk.mp4" 30 2
import
expect_eq "$(wc -l <"$T/out")" 1 "rooms for the changed file"
expect_eq "$(jq -r .replaces "$T/out")" "$old" "replaces"
expect_eq "$(jq -r .room "$T/out")" "${old}%20%282%29" "the new room's name"
jq -e '.segments >= 7 and .segments <= 9' "$T/out" >/dev/null || fail "new room: $(cat "$T/out")"
expect_eq "$(q "SELECT count(*) FROM rooms WHERE name = 'b talk' AND state = 'ended'")" 1 "old room"
import
expect_empty_out
run 0 store-gc --store "$S" --check

# Fragmented MP4: one init record before the first segment's, the init
# segment stored too; every segment names it.
mkdir "$T/fmp4"
make_video "$T/fmp4/f.mp4" 20 2
run 0 import-videos --store "$T/store2" --dir "$T/fmp4" -d 4 --format fmp4
segments=$(jq -r .segments "$T/out")
[ "$segments" -ge 4 ] || fail "fmp4 segments: $(cat "$T/out")"
chain=$(ls "$T"/store2/chains/*/f.chain)
run 0 seg-chain verify --ended --room f "$chain"
expect_eq "$(jq -r .init_segments "$T/out")/$(jq -r .segments "$T/out")" "1/$segments" "init and media records"
expect_eq "$(jq -s 'map(select(.init_seq == 0)) | length' "$chain")" "$segments" "segments naming the init record"
expect_eq "$(sqlite3 "$T/store2/store.db" "SELECT segments FROM room_totals")" $((segments + 1)) "files stored"
run 0 store-gc --store "$T/store2" --check
