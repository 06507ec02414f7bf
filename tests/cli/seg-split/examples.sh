# The examples run and make what they say.
. "$(dirname "$0")/../lib.sh"

top=$HLSWARM_TESTS/..
make_video "$T/in.mp4" 6 2
"$top/examples/split-file.sh" "$T/in.mp4" "$T/file" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "split-file.sh failed"; }
expect_eq "$(grep -c '"seq"' "$T/out")" 2 "segments of split-file.sh"
grep -qx '#EXT-X-ENDLIST' "$T/file/index.m3u8" || fail "split-file.sh made no complete playlist"

"$top/examples/split-live.sh" 3 "$T/live" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "split-live.sh failed"; }
expect_out '"end":true,"segments":2'
grep -qx '#EXT-X-ENDLIST' "$T/live/live.m3u8" || fail "split-live.sh made no complete playlist"
