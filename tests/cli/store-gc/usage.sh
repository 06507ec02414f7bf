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
# A size without a unit once meant bytes: --max-size 20 emptied a store.
for bare in 20 4096 1.5; do
  run 64 store-gc --max-size "$bare" --store "$T/never"
  expect_err "^store-gc: error: --max-size: '$bare' has no unit: say ${bare}G"
  expect_empty_out
done
run 64 store-gc --max-size 16777216T
expect_err "^store-gc: error: --max-size: '16777216T' is out of range \(at most 16777215T\)$"
for bad in 14x 1h30 -3d ""; do
  run 64 store-gc --max-idle "$bad"
  expect_err "^store-gc: error: --max-idle: '.*' is not a duration"
done
run 64 store-gc --max-idle 106752d
expect_err "^store-gc: error: --max-idle: '106752d' is out of range \(at most 3650d\)$"
run 64 store-gc --no-such-option
expect_err "^store-gc: error: "
run 64 store-gc --check --dry-run
run 64 store-gc --repair --dry-run

# The config file: a bad value is a usage error naming the file, the line
# and the key (not --max-size, which was not given); a line that is not
# TOML too; --help and --version work whatever the file holds.
mkdir -p "$XDG_CONFIG_HOME/hlswarm"
config=$XDG_CONFIG_HOME/hlswarm/config.toml
printf '# quota\nmax-size = "lots"\n' >"$config"
run 64 store-gc
expect_err "^store-gc: error: $config line 2: max-size: 'lots' is not a size"
printf 'max-idle = "14d"\nmax-size = 20   # meant 20G\n' >"$config"
run 64 store-gc --store "$T/never"
expect_err "^store-gc: error: $config line 2: max-size: '20' has no unit: say 20G"
if grep -q -- "--max-size" "$T/err"; then fail "blames --max-size for the config file"; fi
run 0 store-gc --max-size 1G --store "$T/never"   # the command line wins
printf 'max-idle = 1000000d\n' >"$config"
run 64 store-gc
expect_err "^store-gc: error: $config line 1: max-idle: '1000000d' is out of range \(at most 3650d\)$"
printf 'store = "/srv/hlswarm"\nthis line is not toml\n' >"$config"
run 64 store-gc
expect_err "^store-gc: error: $config line 2: not a 'key = value' line$"
run 0 store-gc --help
expect_out "--max-size"
run 0 store-gc --version
expect_out '^store-gc \(hlswarm\) '
run 0 store-gc --max-size lots --help            # help wins over a bad value
expect_out "--max-size"
rm "$config"
HLSWARM_CONFIG=$T/missing.toml run 66 store-gc
expect_err "^store-gc: error: $T/missing.toml: no such config file \(from HLSWARM_CONFIG\)$"
HLSWARM_CONFIG=$T/missing.toml run 0 store-gc --help

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

# Options that cannot go together are refused (64), naming both, before
# anything is read; a standing quota in the config file does not stop a check.
run 0 store-writer --store "$T/s" --adds 2 --remove-every 0 --bytes 100
for verify in --check --repair; do
  for quota in "--max-size 1G" "--max-idle 14d"; do
    run 64 store-gc --store "$T/s" $verify $quota
    expect_err "^store-gc: error: $verify and ${quota% *} cannot go together"
    expect_empty_out
  done
done
run 64 store-gc --store "$T/s" -q --json
expect_err "^store-gc: error: --quiet and --json cannot go together"
run 64 store-gc --store "$T/s" --max-size 1G -q --dry-run
expect_err "^store-gc: error: --quiet and --dry-run cannot go together"
run 64 store-gc --store "$T/s" --deep
expect_err "^store-gc: error: --deep: needs --check or --repair"
echo 'max-size = "1G"' >"$XDG_CONFIG_HOME/hlswarm/config.toml"
run 0 store-gc --store "$T/s" --check
expect_out '^store is consistent: 2 segments, 2 files$'
rm "$XDG_CONFIG_HOME/hlswarm/config.toml"
