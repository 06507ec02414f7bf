# The command line: --help and --version succeed, mistakes exit 64.
. "$(dirname "$0")/../lib.sh"

run 0 seg-split --help
# Plain type names, no validator names glued to them.
expect_out -- "-d,--duration SECONDS  "
expect_out -- "--start-seq N  "
if grep -Eq ":(POSITIVE|NONNEGATIVE)" "$T/out"; then fail "validator names in --help"; fi
for option in --out --duration --name --format --init-name --playlist --start-seq \
              --quiet --progress --config --version; do
  expect_out -- "$option"
done
run 0 seg-split --version
expect_out '^seg-split \(hlswarm\) [0-9]+\.[0-9]+\.[0-9]+$'

run 64 seg-split --frobnicate
expect_err "^seg-split: error: .*frobnicate"
run 64 seg-split --format avi
expect_err "format"
run 64 seg-split --name 'seg.ts' -
expect_err "^seg-split: error: --name: 'seg.ts': no %d"
run 64 seg-split --name 'a/%d.ts' -
expect_err "not a path"
run 64 seg-split -d 0 -
expect_err "^seg-split: error: --duration: must be a positive number of seconds, got '0'$"
run 64 seg-split -d soon -
expect_err "^seg-split: error: --duration: must be a positive number of seconds, got 'soon'$"
run 64 seg-split -d 1e999 -
expect_err "positive number of seconds"
run 64 seg-split -d 100000 -
expect_err "^seg-split: error: --duration: 100000: out of range"
run 64 seg-split --start-seq -1 -
expect_err "^seg-split: error: --start-seq: must be a whole number from 0 to 1000000000000, got '-1'$"
run 64 seg-split --start-seq 99999999999999999999 -
expect_err "^seg-split: error: --start-seq: 99999999999999999999: out of range \(0 to 1000000000000\)$"
run 64 seg-split --start-seq 1000000000001 -
expect_err "out of range"
if grep -q "1797693" "$T/err"; then fail "DBL_MAX in a message"; fi
expect_empty_out
run 64 seg-split a.ts b.ts
expect_empty_out
run 64 seg-split --format fmp4 --init-name a/init.mp4 -
expect_err "^seg-split: error: --init-name: 'a/init.mp4': a file name"
expect_empty_out

# Options from the shared config file.
make_video "$T/in.mp4" 4 1
printf 'duration = 2\nname = "c%%d.ts"\n' >"$T/config.toml"
HLSWARM_CONFIG=$T/config.toml run 0 seg-split -o "$T/segs" "$T/in.mp4"
expect_eq "$(grep -c '"seq"' "$T/out")" 2 "segments with duration = 2 from the config"
[ -f "$T/segs/c1.ts" ] || fail "name from the config not used"
# A value from the config file that its option refuses names the file and
# line, not --duration; a broken file does not stop --help or --version.
printf 'name = "c%%d.ts"\nduration = 0\n' >"$T/config.toml"
HLSWARM_CONFIG=$T/config.toml run 64 seg-split -o "$T/segs" "$T/in.mp4"
expect_err "^seg-split: error: $T/config.toml line 2: duration: must be a positive number of seconds, got '0'$"
HLSWARM_CONFIG=$T/config.toml run 0 seg-split -d 2 -o "$T/segs2" "$T/in.mp4"
printf 'duration 2\n' >"$T/config.toml"
HLSWARM_CONFIG=$T/config.toml run 64 seg-split -o "$T/segs" "$T/in.mp4"
expect_err "^seg-split: error: $T/config.toml line 1: not a 'key = value' line$"
HLSWARM_CONFIG=$T/config.toml run 0 seg-split --help
expect_out "--duration"
HLSWARM_CONFIG=$T/config.toml run 0 seg-split --version
expect_out '^seg-split \(hlswarm\) '

# A reader that goes away is an error (exit 74), not a silent loss; like a
# program killed by SIGPIPE, seg-split says nothing about it, since the
# reader that failed reports its own error.
# stdout is a pipe whose reader is gone before the first line is written.
mkfifo "$T/lines"
exec 5<>"$T/lines"
seg-split -d 1 -o "$T/gone" "$T/in.mp4" >"$T/lines" 2>"$T/err" 5<&- &
splitter=$!
opened() { [ "$(readlink "/proc/$splitter/fd/1" 2>/dev/null)" = "$T/lines" ]; }
wait_for 10 opened
exec 5<&-
status=0
wait "$splitter" || status=$?
expect_eq "$status" 74 "exit status when stdout closes"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "a message about the closed pipe"; }

# The highest --start-seq makes the highest number, and segments count on.
make_video "$T/in2.mp4" 2 1
run 0 seg-split -d 1 -o "$T/high" --start-seq 1000000000000 "$T/in2.mp4"
expect_eq "$(jq -r 'select(.seq != null) | .seq' "$T/out" | tr '\n' ' ')" "1000000000000 1000000000001 " "numbers from the highest --start-seq"
[ -f "$T/high/seg1000000000001.ts" ] || fail "no seg1000000000001.ts"
