# Audio-only input has no keyframes to wait for: it is cut on time, at the
# first audio frame at or after each boundary.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"

ffmpeg -nostdin -loglevel error -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=7" \
  -c:a aac -b:a 64k -f adts "$T/in.aac"
run 0 seg-split -d 2 -o "$T/segs" "$T/in.aac"
expect_eq "$(segment_lines | wc -l)" 4 "segment count"
frame=0.0214 # one AAC frame: 1024 samples at 48 kHz
n=0
for d in $(durations); do
  if [ $n -lt 3 ]; then near "$d" 2 $frame || fail "segment $n lasts $d s"; fi
  n=$((n + 1))
done
total=$(durations | tr ' ' '\n' | awk '{ s += $1 } END { print s }')
frames=$(ffprobe -v error -show_entries packet=pts -of csv=p=0 "$T/in.aac" | grep -c .)
input=$(awk -v f="$frames" 'BEGIN { print f * 1024 / 48000 }')
near "$total" "$input" 0.001 || fail "segments last $total s in all, the input $input s"
while read -r path; do
  packets=$(ffprobe -v error -select_streams a -show_entries packet=pts -of csv=p=0 "$path" | grep -c .)
  [ "$packets" -gt 40 ] || fail "$path: only $packets audio packets"
done < <(segment_lines | jq -r .path)
no_leftovers "$T/segs"
expect_out '"end":true,"segments":4'
