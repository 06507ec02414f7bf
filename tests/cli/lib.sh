# Shared helpers for CLI tests (sourced). Each test runs the real programs
# from $HLSWARM_BIN in a clean environment, in a fresh temporary folder that
# is removed on exit, and fails loudly with what it expected and what it got.
set -euo pipefail

: "${HLSWARM_BIN:?run CLI tests through ctest (HLSWARM_BIN unset)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-test.XXXXXX")
trap 'status=$?; kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $status' EXIT

# A clean environment: only our programs and the system on PATH, a private
# HOME so no user key, config or store is ever touched.
mkdir -p "$T/home"
export PATH="$HLSWARM_BIN:/usr/local/bin:/usr/bin:/bin"
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local/share"
export LC_ALL=C.UTF-8 TERM=dumb
unset HLSWARM_STORE HLSWARM_CONFIG HLSWARM_BOOTSTRAP NO_COLOR || true
# Tests touch only 127.0.0.0/8: no UPnP or NAT-PMP from a node on 0.0.0.0.
export HLSWARM_NO_PORT_MAPPING=1

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

# run CODE CMD...: runs CMD, stdout to $T/out, stderr to $T/err; fails unless
# it exits with CODE.
run() {
  local want=$1; shift
  local got=0
  "$@" >"$T/out" 2>"$T/err" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; head -c 2000 "$T/out"; echo "--- stderr"; head -c 2000 "$T/err"
    fail "'$*' exited $got, expected $want"
  fi
}

# expect_err REGEX: stderr of the last run matches REGEX (grep -E).
expect_err() { grep -Eq -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks /$1/"; }; }
# expect_out REGEX: stdout of the last run matches REGEX.
expect_out() { grep -Eq -- "$1" "$T/out" || { head -c 2000 "$T/out"; fail "stdout lacks /$1/"; }; }
expect_empty_out() { [ ! -s "$T/out" ] || { head -c 500 "$T/out"; fail "stdout not empty"; }; }
expect_eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }

# make_video OUT SECONDS GOP_SECONDS [extra ffmpeg output options]: a test
# pattern with a tone, H.264 + AAC, a keyframe exactly every GOP_SECONDS.
make_video() {
  local out=$1 seconds=$2 gop=$3; shift 3
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=320x240:rate=25:duration=$seconds" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
    -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p \
    -g $((gop * 25)) -keyint_min $((gop * 25)) -sc_threshold 0 \
    -c:a aac -b:a 64k "$@" "$out"
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds; fails
# the test when SECONDS pass. Every wait in a test has a bound.
poll_interval=0.05
wait_for() {
  local limit=$1; shift
  local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
  until "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for: $*"
    sleep "$poll_interval"   # between checks of the condition, not instead of one
  done
}

# check_docs TOOL [SUBCOMMAND...]: every option in TOOL's --help (and each
# subcommand's) is in man/TOOL.1 and in the bash, zsh and fish completions;
# the man page has EXAMPLES and EXIT STATUS; the completions parse.
check_docs() {
  local tool=$1; shift
  local top options option section sub
  top=$(cd "$HLSWARM_TESTS/.." && pwd)
  options=$( { "$tool" --help; for sub in "$@"; do "$tool" "$sub" --help; done; } |
    grep -oE -- '--[a-z][a-z-]+' | sort -u)
  [ -n "$options" ] || fail "no options found in --help"
  for option in $options; do
    [ "$option" = --help ] && continue
    grep -qF -- "${option//-/\\-}" "$top/man/$tool.1" || fail "man/$tool.1 lacks $option"
    grep -qF -- "$option" "$top/completions/bash/$tool" || fail "bash completion lacks $option"
    grep -qF -- "$option" "$top/completions/zsh/_$tool" || fail "zsh completion lacks $option"
    grep -qF -- "-l ${option#--}" "$top/completions/fish/$tool.fish" || fail "fish completion lacks $option"
  done
  for section in "EXIT STATUS" EXAMPLES; do
    grep -q "^\.SH $section" "$top/man/$tool.1" || fail "man page lacks $section"
  done
  bash -n "$top/completions/bash/$tool"
  if command -v zsh >/dev/null; then zsh -n "$top/completions/zsh/_$tool"; fi
  if command -v fish >/dev/null; then fish -n "$top/completions/fish/$tool.fish"; fi
}
