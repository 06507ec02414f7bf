# examples/seed-folder.sh runs: a creator's peer-seed imports two videos, a
# distributor told only the creator's key pins both, the creator leaves, a
# viewer fetches a clip from the distributor alone, and the audit verifies
# the distributor's copy of every segment.
source "$HLSWARM_TESTS/cli/lib.sh"
top=$HLSWARM_TESTS/..
"$top/examples/seed-folder.sh" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "seed-folder.sh failed"; }
expect_out "first.mp4: [0-9]+ segments, hlswarm://[0-9a-f]{64}/"
expect_out "second.mp4: [0-9]+ segments"
[ "$(grep -c "pinned hlswarm://" "$T/out")" -eq 2 ] || fail "not two pinned rooms: $(cat "$T/out")"
expect_out "[0-9]+ segments, [0-9]+ bytes, from 127\.0\.0\.2 \("
expect_out "^6 of 6 segments have at least 1 verified replica"
expect_out "clip of 8\.[0-9]+ s"
