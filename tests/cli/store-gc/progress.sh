#!/usr/bin/env bash
# --progress shows progress on stderr (even when it is not a terminal),
# never on stdout; without it, stderr that is not a terminal gets none.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store

run 0 store-synth --store "$S" --segments 20000 --rooms 20 --creators 4 \
  --pinned-percent 0 --followed-percent 0

run 0 store-gc --store "$S" --check --progress
expect_err '^store-gc: checking rows: [0-9]+/20000$'
expect_err '^store-gc: checking files: [0-9]+$'
expect_out '^store is consistent: 20000 segments, 20000 files$'
run 0 store-gc --store "$S" --check
if grep -q 'checking' "$T/err"; then fail "progress without --progress on a pipe"; fi

run 0 store-gc --store "$S" --max-size 10G --progress
expect_err '^store-gc: removed [0-9]+ segments? \([0-9.]+ [KMG]?i?B\)$'
expect_eq "$(grep -c '^removed ' "$T/out")" 1 "summary lines on stdout"
if grep -q 'store-gc: removed' "$T/out"; then fail "progress on stdout"; fi
run 0 store-gc --store "$S" --max-size 5G --no-progress
[ ! -s "$T/err" ] || { cat "$T/err"; fail "progress despite --no-progress"; }

# The deep check counts what it hashes (synthetic rows have no records:
# nothing can be hashed, and it says so).
run 0 store-gc --store "$S" --check --deep --progress
expect_err '^store-gc: hashing: [0-9]+/[0-9]+ segments'
expect_err 'warning: [0-9]+ segments could not be hashed: no record of theirs is stored'
