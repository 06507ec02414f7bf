# examples/watch.sh --demo runs: a broadcast on loopback watched by one
# viewer into an HLS folder (no display here): the playlist ends, and every
# segment was verified.
source "$HLSWARM_TESTS/cli/lib.sh"
top=$HLSWARM_TESTS/..
DISPLAY= WAYLAND_DISPLAY= "$top/examples/watch.sh" --demo 8 >"$T/out" 2>"$T/err" ||
  { cat "$T/err"; fail "watch.sh --demo failed"; }
expect_out "^#EXT-X-ENDLIST"
expect_out "^seq [0-9]+: [0-9]+ bytes"
expect_err "watching hlswarm://[0-9a-f]{64}/watch-example\?x\.pe=127\.0\.0\.1:[0-9]+"
