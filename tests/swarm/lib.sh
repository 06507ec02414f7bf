# Shared helpers for swarm tests (sourced): everything in tests/cli/lib.sh,
# plus real processes on loopback, one 127.0.0.x address each, talking
# through a private DHT bootstrap node. Every process runs under timeout(1)
# and every wait has a deadline.
source "$HLSWARM_TESTS/cli/lib.sh"

# The DHT's protections against one host posing as many nodes would reject
# all but one node of a swarm on 127.0.0.x; lifted for tests only.
export HLSWARM_DHT_LOOPBACK=1
# ... and no UPnP or NAT-PMP, even from a node on 0.0.0.0 (cli/lib.sh sets
# it too; said again here so no swarm test ever depends on the order).
export HLSWARM_NO_PORT_MAPPING=1

# Longest life of any process a test starts (seconds).
process_limit=${HLSWARM_PROCESS_LIMIT:-120}
declare -A pids=()

# start NAME CMD...: runs CMD in the background under timeout(1), stdout to
# $T/NAME.out, stderr to $T/NAME.err.
start() {
  local name=$1; shift
  timeout "$process_limit" "$@" >"$T/$name.out" 2>"$T/$name.err" &
  pids[$name]=$!
}

# start_reading NAME INPUT CMD...: like start, with stdin from INPUT (a
# background command's stdin would otherwise be /dev/null).
start_reading() {
  local name=$1 input=$2; shift 2
  timeout "$process_limit" "$@" <"$input" >"$T/$name.out" 2>"$T/$name.err" &
  pids[$name]=$!
}

# first_line NAME SECONDS: waits for the process's first line of stdout and
# prints it; fails (showing its stderr) if it exits or SECONDS pass first.
first_line() {
  local name=$1 limit=$2
  local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
  until [ -s "$T/$name.out" ] && [ "$(wc -l <"$T/$name.out")" -ge 1 ]; do
    if ! kill -0 "${pids[$name]}" 2>/dev/null; then
      cat "$T/$name.err" >&2; fail "$name exited before printing a line"
    fi
    [ "$(date +%s%N)" -lt "$deadline" ] || { cat "$T/$name.err" >&2; fail "$name printed nothing in ${limit}s"; }
    sleep "$poll_interval"
  done
  head -n 1 "$T/$name.out"
}

# finish NAME [CODE]: waits for the process to exit (it runs under timeout)
# and fails unless it exits with CODE (default 0).
finish() {
  local name=$1 want=${2:-0} got=0
  wait "${pids[$name]}" || got=$?
  if [ "$got" != "$want" ]; then
    echo "--- $name stdout"; head -c 2000 "$T/$name.out"
    echo "--- $name stderr"; head -c 2000 "$T/$name.err"
    fail "$name exited $got, expected $want"
  fi
}

# stop NAME: SIGTERM, then waits for a clean exit (status 0).
stop() {
  kill -TERM "${pids[$1]}" 2>/dev/null || true
  finish "$1"
}

# start_bootstrap IP: a bootstrap-only DHT node; sets $boot to its IP:PORT.
start_bootstrap() {
  start bootstrap node-probe bootstrap --listen "$1:0"
  boot=$(first_line bootstrap 10 | jq -r .listen)
}

# read_head [MIN_ITEM_SEQ]: the head of room $head_room of creator $key
# as another node (listening on $head_reader, IP:PORT) reads it, as one
# JSON line; with MIN_ITEM_SEQ, waits for an item at least that new.
read_head() {
  run 0 node-probe head --dht-read-only --listen "$head_reader" --bootstrap "$boot" \
    --public "$key" --room "$head_room" --min-seq "${1:-0}" --timeout 20
  cat "$T/out"
}

# field JSON NAME: one field of a JSON object.
field() { jq -r ".$2" <<<"$1"; }

# has_lines NAME N: the process has printed at least N lines (for wait_for).
has_lines() { [ "$(wc -l <"$T/$1.out")" -ge "$2" ]; }

# has_json_line FILE FILTER [JQ ARGS...]: some JSON line of FILE matches
# the jq FILTER (for wait_for; jq -e alone succeeds on an empty file).
has_json_line() {
  local file=$1 filter=$2; shift 2
  [ -n "$(jq -c "$@" "select($filter)" "$file" 2>/dev/null)" ]
}

# start_creator_channel IP: a creator whose peer-seed --dir imports two
# short videos (first, second) and serves them, listening on IP, with the
# bootstrap node $boot; sets $first and $second (their room URIs) and $key
# (the creator's key) once the channel listing both is published.
start_creator_channel() {
  mkdir -p "$T/videos"
  make_video "$T/videos/first.mp4" 20 2
  make_video "$T/videos/second.mp4" 20 2 -vf hflip
  start creator peer-seed --dir "$T/videos" -d 4 --listen "$1:0" --bootstrap "$boot"
  wait_for 60 has_lines creator 2
  first=$(jq -r 'select(.path | endswith("first.mp4")) | .room' "$T/creator.out")
  second=$(jq -r 'select(.path | endswith("second.mp4")) | .room' "$T/creator.out")
  key=${first#hlswarm://}; key=${key%%/*}
  wait_for 30 grep -qs "channel of 2 rooms published" "$T/creator.err"
}
