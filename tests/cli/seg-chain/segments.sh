# Helpers for seg-chain's CLI tests (sourced after ../lib.sh). seg-split is
# written in parallel, so its output lines are made here from segments cut
# by ffmpeg's own segmenter; the line format is the shared one.

# make_segments DIR SECONDS: a test video cut into ~4 s MPEG-TS segments in
# DIR, and DIR/lines: seg-split lines (seq from 0, no end line).
make_segments() {
  local dir=$1 seconds=$2
  mkdir -p "$dir"
  make_video "$dir/in.mp4" "$seconds" 2
  ffmpeg -nostdin -loglevel error -y -i "$dir/in.mp4" -c copy -f segment \
    -segment_time 4 -segment_list "$dir/list.csv" -segment_list_type csv \
    "$dir/seg%03d.ts"
  rm "$dir/in.mp4"
  split_lines "$dir" < "$dir/list.csv" > "$dir/lines"
}

# split_lines DIR < CSV: seg-split lines for ffmpeg's "name,start,end" list.
split_lines() {
  local dir=$1 seq=0 name start end
  while IFS=, read -r name start end; do
    printf '{"v":1,"seq":%d,"path":"%s","start":%s,"duration":%s,"bytes":%d,"format":"mpegts"}\n' \
      "$seq" "$dir/$name" "$start" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')" \
      "$(stat -c %s "$dir/$name")"
    seq=$((seq + 1))
  done
}

# end_line N: seg-split's last line after N segments.
end_line() { printf '{"v":1,"end":true,"segments":%d}\n' "$1"; }

# chain_of ROOM: the default chain file of ROOM for the default key.
chain_of() {
  local key
  key=$(seg-chain key | jq -r .public_key)
  echo "$XDG_DATA_HOME/hlswarm/chains/$key/$1.chain"
}

# flip FILE OFFSET: flips the lowest bit of the byte at OFFSET.
flip() {
  local file=$1 at=$2 byte
  byte=$(od -An -tu1 -j "$at" -N1 "$file" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 1)))" |
    dd of="$file" bs=1 seek="$at" conv=notrunc status=none
}
