# A second run into the same folder never replaces an earlier run's
# segments (a signed chain may point to them): it stops before reading
# anything and says which --start-seq continues; --start-seq does. A killed
# run's temporary files are cleaned up by the next run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

make_video "$T/in.mp4" 4 1
run 0 seg-split -d 2 -o "$T/k9" "$T/in.mp4"
expect_eq "$(grep -c '"seq"' "$T/out")" 2 "segments of the first run"
before=$(md5sum "$T/k9/seg00000.ts" "$T/k9/seg00001.ts")
# A temporary file of a run that was killed (pid 2^22+1 is above
# pid_max's default, so no process has it), one of a live process (ours).
: >"$T/k9/.seg00002.ts.tmp-4194305"
: >"$T/k9/.seg00002.ts.tmp-$$"

run 73 seg-split -o "$T/k9" "$T/in.mp4"
expect_err "^seg-split: error: $T/k9/seg00000.ts: exists \(from an earlier run\?\): continue with --start-seq 2 or use another --out folder"
expect_empty_out
expect_eq "$(md5sum "$T/k9/seg00000.ts" "$T/k9/seg00001.ts")" "$before" "earlier segments"
[ ! -e "$T/k9/.seg00002.ts.tmp-4194305" ] || fail "a dead run's temporary file stayed"
[ -e "$T/k9/.seg00002.ts.tmp-$$" ] || fail "a live process's temporary file was removed"
rm "$T/k9/.seg00002.ts.tmp-$$"

# A later segment's name taken (not the first): the run stops there, the
# file stays as it was.
echo precious >"$T/k9/seg00003.ts"
run 73 seg-split -d 2 -o "$T/k9" --start-seq 2 "$T/in.mp4"
expect_err "seg00003.ts: exists"
expect_eq "$(cat "$T/k9/seg00003.ts")" precious "a file in the way"
no_leftovers "$T/k9"
rm "$T/k9/seg00003.ts" "$T/k9/seg00002.ts"

# The restart recipe of the man page.
run 0 seg-split -d 2 -o "$T/k9" --start-seq 2 "$T/in.mp4"
expect_eq "$(segment_lines | jq -r .seq | tr '\n' ' ')" "2 3 " "numbers after --start-seq 2"
expect_eq "$(md5sum "$T/k9/seg00000.ts" "$T/k9/seg00001.ts")" "$before" "earlier segments after the restart"

# fMP4: the init segment of the earlier run is the same, so it may stay.
run 0 seg-split -d 2 --format fmp4 -o "$T/f" "$T/in.mp4"
run 0 seg-split -d 2 --format fmp4 -o "$T/f" --start-seq 2 "$T/in.mp4"
expect_eq "$(segment_lines | jq -r .seq | tr '\n' ' ')" "2 3 " "fmp4 numbers after --start-seq 2"
no_leftovers "$T/f"

# The playlist goes on across a restart: the earlier segments stay in it,
# a discontinuity marks where the new run starts, one ENDLIST at the end,
# and the whole plays through.
run 0 seg-split -d 2 -o "$T/p" --playlist "$T/p/index.m3u8" "$T/in.mp4"
run 0 seg-split -d 2 -o "$T/p" --playlist "$T/p/index.m3u8" --start-seq 2 "$T/in.mp4"
playlist=$(cat "$T/p/index.m3u8")
expect_eq "$(grep -v '^#' <<<"$playlist" | tr '\n' ' ')" "seg00000.ts seg00001.ts seg00002.ts seg00003.ts " "playlist entries after the restart"
expect_eq "$(grep -x '#EXT-X-MEDIA-SEQUENCE:0' <<<"$playlist")" "#EXT-X-MEDIA-SEQUENCE:0" "media sequence"
expect_eq "$(grep -A2 -x '#EXT-X-DISCONTINUITY' <<<"$playlist" | tail -1)" "seg00002.ts" "discontinuity before the first new segment"
expect_eq "$(grep -c -x '#EXT-X-DISCONTINUITY' <<<"$playlist")" 1 "discontinuities"
expect_eq "$(grep -c -x '#EXT-X-ENDLIST' <<<"$playlist")" 1 "ENDLIST lines"
[ "$(tail -n1 "$T/p/index.m3u8")" = "#EXT-X-ENDLIST" ] || fail "ENDLIST not last"
# (ffprobe prints the stream once per program; no "| head" here: under
# pipefail, ffprobe killed by SIGPIPE would end the test without a word.)
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$T/p/index.m3u8")
frames=${frames%%$'\n'*}
expect_eq "$frames" 200 "video frames played from the continued playlist (2 x 4 s at 25 fps)"

# A playlist that does not end right before --start-seq is not continued:
# a warning, and a new playlist from --start-seq.
run 0 seg-split -d 2 -o "$T/p" --playlist "$T/p/index.m3u8" --start-seq 7 "$T/in.mp4"
expect_err "index.m3u8: not continued \(it must end right before seq 7, with the same init segment\): starting a new playlist"
expect_eq "$(grep -v '^#' "$T/p/index.m3u8" | tr '\n' ' ')" "seg00007.ts seg00008.ts " "entries of the new playlist"
grep -qx '#EXT-X-MEDIA-SEQUENCE:7' "$T/p/index.m3u8" || fail "new playlist's media sequence"
# Nor one whose segments need another init segment (MPEG-TS, then fMP4).
run 0 seg-split -d 2 --format fmp4 -o "$T/p" --playlist "$T/p/index.m3u8" --start-seq 9 "$T/in.mp4"
expect_err "not continued"
grep -qx '#EXT-X-MAP:URI="init.mp4"' "$T/p/index.m3u8" || fail "no EXT-X-MAP in the fMP4 playlist"
expect_eq "$(grep -v '^#' "$T/p/index.m3u8" | tr '\n' ' ')" "seg00009.m4s seg00010.m4s " "entries of the fMP4 playlist"
