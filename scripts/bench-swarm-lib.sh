# The parts the swarm-against-HTTP benchmarks share (sourced by
# scripts/bench-swarm-*; not a program): a scratch folder, a live creator
# pipeline whose segment closing times are stamped, peer-fetch viewers and
# curl viewers of the same stream from nginx, and the figures computed from
# their timestamps. Results go to benchmarks/results/ (TSV, read by
# scripts/bench-plots); a run prints them too.
#
# Timestamps are Unix milliseconds. A segment "closes" when seg-split prints
# its line (the file is complete on disk: nginx can serve it, seg-chain can
# hash it). A viewer "has" it when peer-fetch verified its last byte (its
# --stats segments[].verified_ms), or when curl finished downloading it.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HLSWARM_BUILD_DIR:-$top/build}
results=${HLSWARM_BENCH_RESULTS:-$top/benchmarks/results}
[ -x "$build/bin/peer-fetch" ] || { echo "bench: error: no build in $build (run scripts/build)" >&2; exit 69; }
export PATH="$build/bin:$PATH"
mkdir -p "$results"

work=$(mktemp -d /tmp/hlswarm-bench.XXXXXX)
export XDG_CONFIG_HOME="$work/config" HLSWARM_STORE="$work/store"
# Loopback swarm: the DHT's protections against many nodes on one host off,
# no UPnP/NAT-PMP.
export HLSWARM_DHT_LOOPBACK=1 HLSWARM_NO_PORT_MAPPING=1
bench_pids=()
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "${HLSWARM_BENCH_KEEP:-}" ]; then
    echo "bench: kept $work" >&2
  else
    # A program's last files may land while the folder goes: twice.
    rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }
  fi
}
trap bench_cleanup EXIT
cd "$work"

now_ms() { date +%s%3N; }

# check_count NAME VALUE MIN: VALUE is a whole number of at least MIN,
# else the script stops with a usage error that says which argument.
check_count() {
  if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt "$3" ]; then
    echo "${0##*/}: error: $1: '$2' is not a whole number of at least $3" >&2
    [ -z "${usage:-}" ] || echo "$usage" >&2
    exit 64
  fi
}

# Where nginx listens, and the first of the addresses curl viewers connect
# from (curl viewer v uses base + v): bench-swarm-throttled gives each its
# own, so that each has its own shaped uplink.
nginx_ip=${HLSWARM_BENCH_NGINX_IP:-127.0.0.1}
curl_ip_base=${HLSWARM_BENCH_CURL_IP_BASE:-}

# stop_timed SIGNAL PID...: signals the programs under these /usr/bin/time
# pids (time itself would die of it without writing the peak RSS).
stop_timed() {
  local signal=$1 pid; shift
  for pid in "$@"; do pkill "-$signal" -P "$pid" 2>/dev/null || true; done
}
load_average() { cut -d' ' -f1 /proc/loadavg; }

# wait_until SECONDS CMD...: polls CMD every 0.1 s; fails after SECONDS.
wait_until() {
  local limit=$1; shift
  local deadline=$(( $(date +%s) + limit ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: error: timed out: $*" >&2; exit 75; }
    sleep 0.1
  done
}

# timed NAME CMD...: runs CMD in the background under /usr/bin/time (peak
# RSS in kB, user and system CPU seconds to NAME.rss), stdin from $timed_input (default /dev/null),
# stdout to NAME.out, stderr to NAME.err; the pid in $timed_pid.
timed() {
  local name=$1 input=${timed_input:-/dev/null}; shift
  now_ms >"$name.start"
  /usr/bin/time -f '%M %U %S' -o "$name.rss" "$@" <"$input" >"$name.out" 2>"$name.err" &
  timed_pid=$!
  bench_pids+=("$timed_pid")
}

# wait_or_stop SECONDS PID...: waits for these timed programs to exit,
# and stops (SIGTERM) those still running after SECONDS; fails if any of
# those that exited on their own failed.
wait_or_stop() {
  local limit=$1 pid failed=0; shift
  local deadline=$(( $(date +%s) + limit ))
  local -A stopped=()
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      stop_timed TERM "$pid"
      stopped[$pid]=1
    fi
  done
  # A program stopped at the deadline exits non-zero by design: it is
  # counted as incomplete by the tables, not as failed here.
  for pid in "$@"; do
    wait "$pid" 2>/dev/null || [ -n "${stopped[$pid]:-}" ] || failed=$((failed + 1))
  done
  return "$failed"
}

# start_nginx DIR: Debian's nginx as a foreground single process with its
# own prefix under the current folder, serving DIR on $nginx_ip (a free
# port); sets
# $nginx_url and $nginx_pid. Its access log (nginx.log) has one line per
# request: body bytes sent, URI.
start_nginx() {
  local root=$1 port here=$PWD
  # A port nothing listens on (ss, from iproute2), below the kernel's
  # ephemeral range (32768 up), where a client's socket could take it
  # between the check and nginx's bind.
  port=$((20000 + RANDOM % 12000))
  while ss -Htan "sport = :$port" | grep -q .; do port=$((20000 + RANDOM % 12000)); done
  mkdir -p nginx/tmp
  cat >nginx/nginx.conf <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $here/nginx/error.log;
pid $here/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  log_format bytes '\$body_bytes_sent \$bytes_sent \$uri';
  access_log $here/nginx.log bytes;
  client_body_temp_path $here/nginx/tmp;
  proxy_temp_path $here/nginx/tmp;
  fastcgi_temp_path $here/nginx/tmp;
  uwsgi_temp_path $here/nginx/tmp;
  scgi_temp_path $here/nginx/tmp;
  sendfile on;
  keepalive_timeout 30;
  server {
    listen $nginx_ip:$port;
    root $root;
    location ~ \.m3u8\$ { add_header Cache-Control no-cache; }
  }
}
EOF
  timed nginx nginx -p "$here/nginx" -c "$here/nginx/nginx.conf"
  nginx_pid=$timed_pid
  nginx_url=http://$nginx_ip:$port
  wait_until 10 curl -so /dev/null "$nginx_url/"
}

# start_live_creator ROOM SECONDS KBITS: a live broadcast of SECONDS of
# test video at KBITS kbit/s in 8 s segments: ffmpeg -re | seg-split
# (folder seg/, playlist seg/live.m3u8) | stamp | seg-chain |
# room-announce on 127.0.0.1. closed.tsv gets "seq closed_ms start_us
# duration_us" per segment. Sets $uri (with the origin hint), $pipeline
# and $creator_pid.
start_live_creator() {
  local room=$1 seconds=$2 kbits=$3
  room-announce create "$room" >/dev/null 2>&1
  mkdir -p seg
  mkfifo lines
  timed_input=lines timed creator room-announce "$room" --listen 127.0.0.1:0 --no-bootstrap \
    --stats creator.json
  creator_pid=$timed_pid
  # CBR (nal-hrd) so that the stream has the rate asked for; keyframes
  # every 2 s, so segments are 8 s.
  {
    ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc2=size=640x360:rate=25 \
      -f lavfi -i sine -t "$seconds" -c:v libx264 -preset ultrafast -g 50 \
      -b:v "$((kbits - 96))k" -minrate "$((kbits - 96))k" -maxrate "$((kbits - 96))k" \
      -bufsize "$((kbits / 2))k" -x264-params nal-hrd=cbr -c:a aac -b:a 96k -f mpegts - |
      /usr/bin/time -f %M -o seg-split.rss seg-split -d 8 -o seg --playlist seg/live.m3u8 2>split.err |
      while IFS= read -r line; do
        stamp=$(now_ms)
        printf '%s\n' "$line"
        jq -r --arg t "$stamp" 'select(.seq != null and (.end | not)) |
          "\(.seq) \($t) \(.start * 1e6 | floor) \(.duration * 1e6 | floor)"' <<<"$line" >>closed.tsv
      done |
      /usr/bin/time -f %M -o seg-chain.rss seg-chain "$room" 2>chain.err >lines
  } &
  pipeline=$!
  bench_pids+=("$pipeline")
  wait_until 30 grep -qs 'x\.pe=' creator.err
  uri=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' creator.err | head -1)
}

# start_peer_viewer NAME IP [ARGS...]: peer-fetch of $uri on IP, its
# stream to NAME.out, stats to NAME.json. --no-bootstrap: a private swarm
# joined through the origin hint alone (by default peer-fetch would also
# resolve and contact the public DHT routers).
start_peer_viewer() {
  local name=$1 ip=$2; shift 2
  timed "$name" peer-fetch "$uri" --no-bootstrap --listen "$ip:0" --store "$work/store-$name" \
    --stats "$name.json" -q "$@"
}

# http_viewer URL NAME DEADLINE_MS [SOURCE_IP]: what an HLS player does
# with a live playlist, with curl: poll the playlist every second (hls.js
# waits up to a target duration, 8 s: this favours HTTP), start at the
# segment before the newest (as peer-fetch does), download each new
# segment once, until the playlist ends or DEADLINE_MS passes. NAME.got
# gets "seq got_ms" per segment. Bash builtins only, besides curl and
# sleep: 32 of these must not load the machine more than the viewers.
http_viewer() {
  local url=$1 name=$2 deadline=$3 next=-1 seq last file line ended now curl=(curl -fs)
  local -a files
  [ -z "${4:-}" ] || curl+=(--interface "$4")
  : >"$name.got"
  while now=${EPOCHREALTIME/./}; [ "${now:0:-3}" -lt "$deadline" ]; do
    ended=0 files=()
    while IFS= read -r line; do
      case $line in
        '#EXT-X-ENDLIST'*) ended=1 ;;
        '#'* | '') ;;
        *) files+=("$line") ;;
      esac
    done < <("${curl[@]}" --max-time 5 "$url/live.m3u8" || true)
    if [ "${#files[@]}" -gt 0 ]; then
      last=${files[-1]//[!0-9]/}
      last=$((10#$last))
      [ "$next" -ge 0 ] || next=$((last > 0 ? last - 1 : 0))
      for file in "${files[@]}"; do
        seq=${file//[!0-9]/}
        seq=$((10#$seq))
        [ "$seq" -ge "$next" ] || continue
        now=${EPOCHREALTIME/./}
        "${curl[@]}" --max-time $(( (deadline - ${now:0:-3}) / 1000 + 1 )) "$url/$file" \
          >"$name.part" || break
        now=${EPOCHREALTIME/./}
        echo "$seq ${now:0:-3}" >>"$name.got"
        cat "$name.part" >>"$name.out"
        next=$((seq + 1))
      done
      # Ended, and everything up to its last segment downloaded.
      [ "$ended" = 0 ] || [ "$next" -le "$last" ] || break
    fi
    sleep 1
  done
}

# start_http_viewer NAME V DEADLINE_MS: http_viewer number V of
# $nginx_url under /usr/bin/time.
start_http_viewer() {
  local source=
  [ -z "$curl_ip_base" ] || source=127.0.0.$((curl_ip_base + $2))
  timed "$1" bash -c "set -u; $(declare -f http_viewer); http_viewer '$nginx_url' '$1' '$3' '$source'"
}

# peer_got NAME: NAME.json's segments as "seq verified_ms" (NAME.got).
peer_got() {
  jq -r '(.segments // [])[] | "\(.seq) \(.verified_ms)"' "$1.json" >"$1.got"
}

# timeline NAME...: "name seq closed_ms got_ms delay_ms stall_ms live" per
# segment each viewer got, to stdout; live is 0 for a segment that closed
# before the viewer started (its delay is the viewer's joining, not the
# swarm's: the figures leave it out). A player that starts at the viewer's first
# segment the moment it has it, and plays on in media time, needs segment
# s at first_got + (start(s) - start(first)) + the stalls so far; a
# segment got later than that stalls the player for the difference.
timeline() {
  local name
  for name in "$@"; do
    awk -v name="$name" -v started="$(cat "$name.start")" '
      FNR == NR { closed[$1] = $2; start[$1] = $3 / 1000; next }
      !($1 in closed) { next }
      {
        if (first == "") { first = $1; base = $2; stalled = 0 }
        need = base + start[$1] - start[first] + stalled
        stall = $2 > need ? $2 - need : 0
        stalled += stall
        print name, $1, closed[$1], $2, $2 - closed[$1], stall, (closed[$1] >= started ? 1 : 0)
      }' closed.tsv "$name.got"
  done
}

# summary TIMELINE: "median p99 max stalls longest_stall_ms viewers" of a
# timeline file (delays of every segment at every viewer).
summary() {
  awk '$7 { print $5 }' "$1" | sort -n | awk -v stalls="$(awk '$6 > 0' "$1" | wc -l)" \
    -v longest="$(awk 'BEGIN { m = 0 } $6 > m { m = $6 } END { print m }' "$1")" \
    -v viewers="$(awk '{ print $1 }' "$1" | sort -u | wc -l)" '
    { d[NR] = $1 }
    END {
      if (NR == 0) { print "- - - - - 0"; exit }
      p99 = int(NR * 0.99 + 0.999); if (p99 > NR) p99 = NR
      print d[int((NR + 1) / 2)], d[p99], d[NR], stalls, longest, viewers }'
}

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{ d[NR] = $1 } END { print d[int((NR + 1) / 2)] }'; }

# max_rss_mb FILE...: the largest peak RSS of these programs, in MB.
max_rss_mb() {
  cat "$@" 2>/dev/null | grep -E '^[0-9]+ ' | sort -n | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'
}

# mean_cpu_s FILE...: the mean CPU time (user + system, s) of these programs.
mean_cpu_s() {
  cat "$@" 2>/dev/null | grep -E '^[0-9]+ ' | awk '{ s += $2 + $3; n++ } END { printf "%.1f", n ? s / n : 0 }'
}

# stream_bytes: the bytes of every segment the creator made.
stream_bytes() { cat seg/*.ts | wc -c; }

# check_stream NAME: NAME.out is the creator's segments from the viewer's
# first one on, byte for byte; prints ok or what differs.
check_stream() {
  local first
  first=$(head -1 "$1.got" | cut -d' ' -f1)
  if [ -z "$first" ]; then echo "nothing"; return; fi
  if cmp -s <(ls seg/*.ts | sort | tail -n +"$((first + 1))" | xargs cat 2>/dev/null) "$1.out"; then
    echo ok
  else
    echo "differs"
  fi
}

# The columns of a results table (live.tsv, throttled.tsv, churn.tsv).
table_header="bench	viewers	kind	load	stream_bytes	segments	upload_bytes	upload_x	peer_share	delay_median_ms	delay_p99_ms	delay_max_ms	stalls	longest_stall_ms	viewers_complete	rss_server_mb	rss_viewer_mb	cpu_server_s	cpu_viewer_s"

# report_row BENCH N KIND LOAD NAME...: one results line for the viewers
# NAME... (peer-fetch ones when KIND starts with swarm, curl ones
# otherwise): upload of their server (room-announce, or nginx's body
# bytes), share from peers, delays, stalls, how many got a complete,
# byte-identical stream from their first segment on, peak RSS. Their
# timelines are added to $timelines.
report_row() {
  local bench=$1 n=$2 kind=$3 load=$4; shift 4
  local name stream segs up share=0.0 complete=0 server_rss server_cpu
  stream=$(stream_bytes)
  segs=$(wc -l <closed.tsv)
  if [[ $kind == swarm* ]]; then
    for name in "$@"; do peer_got "$name"; done
    up=$(jq .uploaded_bytes creator.json)
    share=$(jq -s 'map((.segments // [])[]) | (map(.peer_bytes) | add // 0) as $p |
      (map(.origin_bytes) | add // 0) as $o | if $p + $o > 0 then $p * 100 / ($p + $o) else 0 end' \
      $(printf '%s.json ' "$@") | xargs printf %.1f)
    server_rss=$(max_rss_mb creator.rss)
    server_cpu=$(mean_cpu_s creator.rss)
  else
    up=$(awk '{ s += $1 } END { print s + 0 }' nginx.log)
    server_rss=$(max_rss_mb nginx.rss)
    server_cpu=$(mean_cpu_s nginx.rss)
  fi
  timeline "$@" >"$kind.timeline"
  awk -v kind="$kind" '{ print kind, $0 }' "$kind.timeline" | sed 's/ /\t/g' >>"$timelines"
  for name in "$@"; do [ "$(check_stream "$name")" = ok ] && complete=$((complete + 1)); done
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$bench" "$n" "$kind" "$load" \
    "$stream" "$segs" "$up" "$(awk -v u="$up" -v s="$stream" 'BEGIN { printf "%.2f", u / s }')" \
    "$share" "$(summary "$kind.timeline" | awk '{ OFS = "\t"; print $1, $2, $3, $4, $5 }')" \
    "$complete/$#" "$server_rss" "$(max_rss_mb $(printf '%s.rss ' "$@"))" \
    "$server_cpu" "$(mean_cpu_s $(printf '%s.rss ' "$@"))"
}

# start_vod_origin MINUTES KBITS: a prepared video of MINUTES of test
# video at KBITS kbit/s (generated once into $HLSWARM_BENCH_CACHE, default
# build/bench), cut into 8 s segments in vod/ (served by nginx as
# vod/SEGMENT), chained as a VOD room and served by room-announce on
# 127.0.0.1 until the benchmark ends. Sets $uri (with the origin hint),
# $creator_pid; vod.lines has seg-split's lines.
start_vod_origin() {
  local minutes=$1 kbits=$2 cache=${HLSWARM_BENCH_CACHE:-$build/bench} input
  mkdir -p "$cache"
  input=$cache/vod-${minutes}min-${kbits}k.ts
  if [ ! -s "$input" ]; then
    echo "bench: generating a $minutes-minute test video (once) into $input" >&2
    ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=25" \
      -f lavfi -i sine -t "$((minutes * 60))" -c:v libx264 -preset ultrafast -g 50 \
      -b:v "$((kbits - 96))k" -minrate "$((kbits - 96))k" -maxrate "$((kbits - 96))k" \
      -bufsize "$((kbits / 2))k" -x264-params nal-hrd=cbr -c:a aac -b:a 96k \
      -f mpegts "$input.part"
    mv "$input.part" "$input"
  fi
  seg-split -q -d 8 -o vod "$input" >vod.lines
  room-announce create --vod film >/dev/null 2>&1
  seg-chain -q film <vod.lines >film.chain
  timed_input=film.chain timed creator room-announce film --listen 127.0.0.1:0 --no-bootstrap \
    --stats creator.json
  creator_pid=$timed_pid
  wait_until 60 grep -qs 'x\.pe=' creator.err
  uri=$(grep -o 'hlswarm://[^ )]*x\.pe=[0-9.:]*' creator.err | head -1)
  # Every record announced (one line each, the end record too).
  wait_until 120 test "$(wc -l <creator.out)" -ge "$(wc -l <film.chain)"
  # Warm: the segments in the page cache, as a seeder's would be.
  cat vod/*.ts >/dev/null
}
