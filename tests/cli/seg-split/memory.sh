# Memory stays flat however long the stream runs: the peak resident size
# for 8 minutes of input is no more than for 2 minutes (plus 10%). The
# input is made on the fly, faster than real time, into a pipe.
. "$(dirname "$0")/../lib.sh"

# Under AddressSanitizer, freed memory waits in a quarantine (256 MB by
# default) before reuse, which would read as growth; keep it small.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1

peak_rss_kb() {
  local seconds=$1
  ffmpeg -nostdin -loglevel error \
    -f lavfi -i "testsrc2=size=160x120:rate=25:duration=$seconds" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
    -c:v libx264 -preset ultrafast -g 50 -c:a aac -b:a 64k -f mpegts - |
    /usr/bin/time -f %M -o "$T/rss" seg-split -q -d 2 -o "$T/segs-$seconds" >"$T/out-$seconds"
  grep -q "\"segments\":$((seconds / 2))," "$T/out-$seconds" || fail "$seconds s of input: $(tail -n 1 "$T/out-$seconds")"
  cat "$T/rss"
}

short=$(peak_rss_kb 120)
long=$(peak_rss_kb 480)
note "peak RSS: $short KB for 2 min, $long KB for 8 min"
[ "$long" -le $((short + short / 10)) ] || fail "memory grows with the stream: $short KB after 2 min, $long KB after 8 min"
