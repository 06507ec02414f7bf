# examples/live-broadcast.sh runs: records announced, the end, and status
# finding every segment held by the origin.
source "$HLSWARM_TESTS/cli/lib.sh"
top=$HLSWARM_TESTS/..
"$top/examples/live-broadcast.sh" 4 >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "live-broadcast.sh failed"; }
expect_out "^announced seq 0 "
expect_out "^end of broadcast at seq 2"
expect_out "^head seq  2"
expect_out "^segments  2"
expect_out "seq     1  1 replicas"
expect_err "viewers join with: hlswarm://[0-9a-f]{64}/live-example\?x\.pe=127\.0\.0\.1:[0-9]+"
