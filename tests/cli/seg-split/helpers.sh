# Checks shared by the seg-split tests (sourced after ../lib.sh).

# video_packets FILE: "pts_time flags" of each video packet, in file order.
video_packets() {
  ffprobe -v error -select_streams v -show_entries packet=pts_time,flags \
    -of csv=p=0 "$1" | grep . | cut -d, -f1,2 | tr , ' '
}

# segment_lines: the segment lines of the last run's stdout (not the end line).
segment_lines() { jq -c 'select(.seq != null)' "$T/out"; }

# check_segments FPS [INIT]: every segment reported on stdout exists with the
# reported size, starts with a video keyframe, plays on its own (with INIT
# in front for fMP4) and holds exactly duration * FPS video frames; starts
# follow each other; the end line counts them; nothing else is in the folder.
check_segments() {
  local fps=$1 init=${2:-} n=0 expected_start=0 line path bytes duration start
  local last_end frames first probe="$T/probe.mp4"
  last_end=$(tail -n 1 "$T/out")
  while read -r line; do
    path=$(jq -r .path <<<"$line")
    bytes=$(jq -r .bytes <<<"$line")
    duration=$(jq -r .duration <<<"$line")
    start=$(jq -r .start <<<"$line")
    [ "$(jq -r .seq <<<"$line")" = "$n" ] || fail "seq of line $n: $line"
    [ "$(jq -r .v <<<"$line")" = 1 ] || fail "no format version: $line"
    case $path in /*) ;; *) fail "path not absolute: $path" ;; esac
    [ -f "$path" ] || fail "segment $path missing"
    expect_eq "$(stat -c %s "$path")" "$bytes" "size of $path"
    awk -v a="$start" -v b="$expected_start" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }' ||
      fail "segment $n starts at $start, previous one ended at $expected_start"
    if [ -n "$init" ]; then cat "$init" "$path" >"$probe"; else cp "$path" "$probe"; fi
    video_packets "$probe" >"$T/packets"
    first=$(head -n 1 "$T/packets" | cut -d' ' -f2)
    case $first in K*) ;; *) fail "segment $n does not start with a keyframe (flags '$first')" ;; esac
    frames=$(wc -l <"$T/packets")
    awk -v d="$duration" -v f="$frames" -v fps="$fps" 'BEGIN { x = d * fps - f; exit !(x < 0.01 && x > -0.01) }' ||
      fail "segment $n: duration $duration but $frames frames at $fps fps"
    expected_start=$(awk -v a="$start" -v b="$duration" 'BEGIN { printf "%.6f", a + b }')
    n=$((n + 1))
  done < <(segment_lines)
  [ "$n" -gt 0 ] || fail "no segment lines"
  expect_eq "$last_end" "{\"end\":true,\"segments\":$n,\"v\":1}" "end line"
  total_duration=$expected_start
  segment_count=$n
  no_leftovers "$(dirname "$(segment_lines | head -n 1 | jq -r .path)")"
}

# no_leftovers DIR: no temporary file was left behind in DIR.
no_leftovers() {
  local left
  left=$(find "$1" -name '.*.tmp-*' | head -n 3)
  [ -z "$left" ] || fail "temporary files left: $left"
}

# durations: the reported durations, space separated.
durations() { segment_lines | jq -r .duration | tr '\n' ' ' | sed 's/ $//'; }

# near A B TOLERANCE: |A - B| <= TOLERANCE.
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
