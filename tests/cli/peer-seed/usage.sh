# peer-seed's command line: --help, usage errors (64) naming what is wrong,
# and one peer-seed per store: a second one on the same store exits 75 at
# once, naming the first, while the first goes on; --for ends a run with 0.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

run 0 peer-seed --help
expect_out "Usage: peer-seed"
expect_out "--pin-creator"
run 0 peer-seed --version
expect_out '^peer-seed \(hlswarm\) '

run 64 peer-seed --pin "not a uri" --no-bootstrap --listen 127.0.0.1:0
expect_err "not a room URI"
run 64 peer-seed --pin-creator abc --no-bootstrap --listen 127.0.0.1:0
expect_err "abc: not a public key"
run 64 peer-seed --max-size 20 --no-bootstrap --listen 127.0.0.1:0
expect_err "--max-size"
run 64 peer-seed --for soon --no-bootstrap --listen 127.0.0.1:0
expect_err "--for"
expect_empty_out

# One per store.
start first peer-seed --store "$T/store" --no-bootstrap --listen 127.0.0.1:0 --for 60
wait_for 20 grep -qs "serving 0 rooms" "$T/first.err"
started=$(date +%s%N)
run 75 peer-seed --store "$T/store" --no-bootstrap --listen 127.0.0.1:0 --for 60
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
[ "$elapsed" -lt 3000 ] || fail "the second peer-seed took $elapsed ms to give up"
expect_err "^peer-seed: error: $T/store: another peer-seed \\(pid [0-9]+\\) serves this store$"
# The pid named is the first peer-seed's (timeout(1)'s child), still running.
holder=$(grep -o 'pid [0-9]*' "$T/err" | cut -d' ' -f2)
[ "$(cat "/proc/$holder/comm" 2>/dev/null)" = peer-seed ] || fail "pid $holder is not a running peer-seed"
stop_started=$(date +%s%N)
kill -TERM "${pids[first]}"
finish first 130
elapsed=$(( ($(date +%s%N) - stop_started) / 1000000 ))
[ "$elapsed" -lt 5000 ] || fail "SIGTERM took $elapsed ms"

# --for: exit 0 when it is over; the lock is free again.
run 0 peer-seed --store "$T/store" --no-bootstrap --listen 127.0.0.1:0 --for 1
expect_err "--for is over"
