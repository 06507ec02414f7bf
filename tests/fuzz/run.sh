#!/usr/bin/env bash
# run.sh FUZZER SECONDS: runs a libFuzzer target for a bounded time from a
# seed corpus made at test time (a real chain made by seg-chain), so the
# fuzzer starts from valid records and lines rather than from nothing.
set -euo pipefail
fuzzer=$1 seconds=$2
: "${HLSWARM_BIN:?run through ctest}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local/share"

mkdir -p "$T/seg" "$T/corpus"
for i in 0 1 2; do
  head -c $((1000 + i * 70000)) /dev/urandom > "$T/seg/seg$i.ts"
  printf '{"v":1,"seq":%d,"path":"%s","start":%d.5,"duration":4.25,"bytes":%d}\n' \
    "$i" "$T/seg/seg$i.ts" "$((i * 4))" "$(stat -c %s "$T/seg/seg$i.ts")"
done > "$T/lines"
echo '{"v":1,"end":true,"segments":3}' >> "$T/lines"
"$HLSWARM_BIN/seg-chain" -q --chain "$T/seed.chain" "fuzz room" < "$T/lines" > /dev/null
# and an fMP4 chain: an init record, then segments that name it (version 2).
head -c 1342 /dev/urandom > "$T/seg/init.mp4"
jq -c --arg init "$T/seg/init.mp4" 'if .end then . else .init = $init end' "$T/lines" |
  "$HLSWARM_BIN/seg-chain" -q --store "$T/fmp4.store" --chain "$T/fmp4.chain" "fuzz room" > /dev/null

# The fuzzers of room heads, chain torrents, URIs, channels and offers write their own seeds
# (seeds.hpp) into the corpus when they start.
export HLSWARM_FUZZ_SEEDS="$T/corpus"
case $(basename "$fuzzer") in
  room_head_fuzz* | chain_records_fuzz* | room_uri_fuzz* | channel_fuzz* | offer_fuzz*) ;;
  record_fuzz*)
    i=0
    while read -r line; do
      jq -r .record <<<"$line" | base64 -d > "$T/corpus/record$i"
      i=$((i + 1))
    done < <(cat "$T/seed.chain" "$T/fmp4.chain") ;;
  *)
    cp "$T/seed.chain" "$T/corpus/chain"
    cp "$T/fmp4.chain" "$T/corpus/fmp4-chain"
    i=0
    while read -r line; do
      printf '%s' "$line" > "$T/corpus/line$i"
      i=$((i + 1))
    done < <(cat "$T/seed.chain" "$T/fmp4.chain") ;;
esac

"$fuzzer" -max_total_time="$seconds" -max_len=12000 -timeout=10 \
  -artifact_prefix="$T/" -print_final_stats=1 "$T/corpus" 2>&1 | tail -15 || {
  status=$?
  for crash in "$T"/crash-* "$T"/timeout-* "$T"/leak-*; do
    [ -e "$crash" ] && { echo "input: $(base64 -w0 "$crash")"; cp "$crash" "${TMPDIR:-/tmp}/"; }
  done
  exit "$status"
}
