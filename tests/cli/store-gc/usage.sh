#!/usr/bin/env bash
# store-gc: --help, bad option values, absent stores.
. "$HLSWARM_TESTS/cli/lib.sh"

run 0 store-gc --help
for option in --store --max-size --max-idle --dry-run --json --check --repair \
              --config --quiet --version; do
  expect_out "$option"
done

run 0 store-gc --version
expect_out '^store-gc \(hlswarm\) [0-9]+\.[0-9]+\.[0-9]+'

for bad in 12X -5M G 1e30T ""; do
  run 64 store-gc --max-size "$bad"
  expect_err "^store-gc: error: --max-size: '.*' is not a size"
  expect_empty_out
done
for bad in 14x 1h30 -3d ""; do
  run 64 store-gc --max-idle "$bad"
  expect_err "^store-gc: error: --max-idle: '.*' is not a duration"
done
run 64 store-gc --no-such-option
expect_err "^store-gc: error: "
run 64 store-gc --check --dry-run
run 64 store-gc --repair --dry-run

# A bad value in the config file is a usage error too.
mkdir -p "$XDG_CONFIG_HOME/hlswarm"
echo 'max-size = "lots"' >"$XDG_CONFIG_HOME/hlswarm/config.toml"
run 64 store-gc
expect_err "--max-size: 'lots' is not a size"
rm "$XDG_CONFIG_HOME/hlswarm/config.toml"

# No store yet: nothing to prune (cron must not fail), but nothing to check.
run 0 store-gc --max-size 1G
expect_out '^removed 0 segments'
expect_err 'no store here: nothing to do'
[ ! -e "$XDG_DATA_HOME/hlswarm" ] || fail "store-gc created a store"
run 66 store-gc --check
expect_err "^store-gc: error: .*/hlswarm: no store here"
run 66 store-gc --check --store "$T/nowhere"
HLSWARM_STORE="$T/nowhere" run 66 store-gc --repair
expect_err "$T/nowhere: no store here"
