#!/usr/bin/env bash
# -q (the README's cron line): nothing on stdout unless something failed,
# so cron mails nothing on a good run.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store

run 0 store-writer --store "$S" --adds 10 --pinned-every 0 --remove-every 0 --bytes 1000
run 0 store-gc --store "$S" --max-size 9K --max-idle 14d -q
expect_empty_out
[ ! -s "$T/err" ] || { cat "$T/err"; fail "stderr not empty"; }
run 0 store-gc --store "$S" --max-size 7K
expect_out '^removed '
run 0 store-gc --store "$S" --check -q
expect_empty_out
# A broken store is a failure: then the problems and the summary print.
rm "$(find "$S/segments" -type f -name '*.ts' | head -1)"
run 65 store-gc --store "$S" --check -q
expect_out '^missing-file: '
expect_out '1 problem, 0 repaired$'
expect_err 'the store is broken'
# A repair that fixed everything succeeded: quiet again.
run 0 store-gc --store "$S" --repair -q
expect_empty_out
