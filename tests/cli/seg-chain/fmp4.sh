# fMP4: ffmpeg | seg-split --format fmp4 | seg-chain signs the init segment
# into the chain: an init record before the first fragment, whose torrent
# is the init file's, and every fragment names it (init_seq); the records
# alone give a stream that plays. A restart with the same init segment
# makes no new init record; one with another init segment does.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

# live SECONDS SEG-SPLIT-OPTIONS... [-- FFMPEG-OUTPUT-OPTIONS...]: a live
# stream cut into 4 s fMP4 fragments in $T/segs, its lines on stdout
# without the end line (as after a crash upstream: the chain stays open).
live() {
  local seconds=$1 split=() encode=(); shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do split+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; encode=("$@"); }
  make_video - "$seconds" 2 "${encode[@]}" -f mpegts |
    seg-split -q --format fmp4 -d 4 -o "$T/segs" "${split[@]}" - |
    grep -v '"end":true'
}

# Run 1: 12 s, three fragments.
live 12 > "$T/run1"
run 0 seg-chain "fmp4 room" < "$T/run1"
cp "$T/out" "$T/records1"
expect_eq "$(wc -l < "$T/records1")" 4 "records of run 1 (init + 3 fragments)"
jq -e -s --arg init "$T/segs/init.mp4" '
  (.[0] | .init == true and .seq == 0 and .v == 2 and .path == $init and
          .end == false and (has("start") | not) and (has("init_seq") | not)) and
  (.[1:] | all(.v == 2 and .init_seq == 0 and (has("init") | not))) and
  ([range(1; length) as $i | .[$i].prev == .[$i - 1].id] | all)' \
  "$T/records1" >/dev/null || fail "run 1 is not an init record, then fragments naming it: $(head -c 900 "$T/records1")"
expect_eq "$(head -1 "$T/records1" | jq .bytes)" "$(stat -c %s "$T/segs/init.mp4")" "init record bytes"

# The records alone make a stream that plays: the init segment each
# fragment names, then the fragments, in seq order.
playable() { # playable RECORDS OUT: init then fragments, as a viewer writes them
  jq -r -s '(map(select(.init)) | map({key: (.seq | tostring), value: .path}) |
             from_entries) as $inits |
            [.[] | select(.start != null)] |
            (.[0].init_seq | tostring) as $first |
            $inits[$first], (.[] | .path)' "$1" | xargs cat > "$2"
}
playable "$T/records1" "$T/play1.mp4"
frames=$(ffprobe -v error -select_streams v -show_entries packet=pts -of csv=p=0 \
  "$T/play1.mp4" | grep -c .)
expect_eq "$frames" 300 "video frames of init + fragments"

chain=$(chain_of "fmp4%20room")
run 0 seg-chain verify "$chain" --segments "$T/segs"
expect_out '"records":4,"segments":3,"init_segments":1'
expect_out '"segment_files_checked":4'

# verify hashes the init segment too.
cp "$T/segs/init.mp4" "$T/init.keep"
flip "$T/segs/init.mp4" 300
run 65 seg-chain verify "$chain" --segments "$T/segs"
expect_err "line 1, seq 0: init segment file .*init.mp4 does not match the record"
cp "$T/init.keep" "$T/segs/init.mp4"

# Run 2: a restart whose init segment is the same: no new init record.
live 8 --start-seq 3 > "$T/run2"
run 0 seg-chain "fmp4 room" < "$T/run2"
jq -e -s '(length == 2) and all(.init_seq == 0 and (has("init") | not)) and
          (.[0].seq == 4) and (.[0].discontinuity == true)' "$T/out" >/dev/null ||
  fail "run 2 does not name the first init record: $(head -c 900 "$T/out")"

# Run 3: a restart with another init segment (another picture size), in
# the same folder under another name, ended: a new init record first.
live 8 --start-seq 5 --init-name init2.mp4 -- -s 160x120 > "$T/run3"
cmp -s "$T/segs/init.mp4" "$T/segs/init2.mp4" && fail "the two init segments are the same"
end_line 2 >> "$T/run3"
run 0 seg-chain "fmp4 room" < "$T/run3"
jq -e -s --arg init "$T/segs/init2.mp4" '
  (length == 4) and
  (.[0] | .init == true and .seq == 6 and .path == $init) and
  (.[1:3] | all(.init_seq == 6)) and (.[1].discontinuity == true) and
  (.[3].end == true and .[3].v == 1)' "$T/out" >/dev/null ||
  fail "run 3 does not start with a new init record: $(head -c 900 "$T/out")"
playable "$T/out" "$T/play3.mp4"
expect_eq "$(ffprobe -v error -show_entries stream=width -of csv=p=0 "$T/play3.mp4" | grep -v '^$' | head -1)" \
  160 "picture width after the restart"
run 0 seg-chain verify "$chain" --segments "$T/segs" --ended
expect_out '"records":10,"segments":7,"init_segments":2'
expect_out '"segment_files_checked":9'

# Bad "init" in a seg-split line: not a string, relative, missing.
line=$(head -1 "$T/run1")
for bad in '1' '"segs/init.mp4"'; do
  jq -c --argjson init "$bad" '.init = $init' <<<"$line" > "$T/bad"
  run 65 seg-chain --chain "$T/bad.chain" "other room" < "$T/bad"
  expect_err 'stdin:1: "init" is not'
done
jq -c --arg init "$T/nothing.mp4" '.init = $init' <<<"$line" > "$T/bad"
run 66 seg-chain --chain "$T/bad.chain" "other room" < "$T/bad"
expect_err "nothing.mp4"
[ ! -e "$T/bad.chain" ] || fail "a refused run left a chain file"
