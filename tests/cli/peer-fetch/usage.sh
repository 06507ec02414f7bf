# peer-fetch's command line: --help, usage errors (64) naming what is
# wrong, a room nobody serves (69 within --timeout), --from on a live room
# (64). The only network is loopback: a bootstrap node that knows nothing,
# and a creator reached through its x.pe hint.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"
key=$(printf '%064d' 0)

run 0 peer-fetch --help
expect_out "Usage: peer-fetch"
expect_out "--from"
run 0 peer-fetch --version
expect_out '^peer-fetch \(hlswarm\) '

run 64 peer-fetch
expect_err "URI is required"
run 64 peer-fetch "not a uri" --no-bootstrap --listen 127.0.0.1:0
expect_err "^peer-fetch: error: room 'not a uri': not a room URI"
run 64 peer-fetch "hlswarm://abc/film" --no-bootstrap --listen 127.0.0.1:0
expect_err "^peer-fetch: error: room 'hlswarm://abc/film': the creator key must be 64 hex digits"
run 64 peer-fetch "hlswarm://$key/film?x.pe=nowhere" --no-bootstrap --listen 127.0.0.1:0
expect_err "x.pe"
run 64 peer-fetch "hlswarm://$key/film" --from soon --no-bootstrap --listen 127.0.0.1:0
expect_err "soon"
run 64 peer-fetch "hlswarm://$key/film" --from 20 --to 10 --no-bootstrap --listen 127.0.0.1:0
expect_err "^peer-fetch: error: --to: must be later than --from"
run 64 peer-fetch "hlswarm://$key/film" --http 8080 --no-bootstrap --listen 127.0.0.1:0
expect_err "^peer-fetch: error: --http '8080': expected HOST:PORT"
# --http on a port another program holds: 69, before any room is looked for.
start holder python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)'
port=$(first_line holder 10)
run 69 peer-fetch "hlswarm://$key/film" --http ":$port" --no-bootstrap --listen 127.0.0.1:0
expect_err "^peer-fetch: error: --http 127.0.0.1:$port: cannot listen there"
kill "${pids[holder]}"
wait "${pids[holder]}" || true
run 64 peer-fetch "hlswarm://$key/film" --max-peers 0 --no-bootstrap
expect_err "--max-peers"
run 64 peer-fetch "hlswarm://$key/film" --give-up later --no-bootstrap
expect_err "--give-up"
expect_empty_out

# Nobody serves the room: 69 within a few seconds of --timeout 2s, saying so.
start_bootstrap 127.0.0.60
started=$(date +%s%N)
run 69 peer-fetch "hlswarm://$key/film" --timeout 2s --listen 127.0.0.61:0 \
  --bootstrap "$boot" -q
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
[ "$elapsed" -lt 6000 ] || fail "--timeout 2s took $elapsed ms"
expect_err "^peer-fetch: error: hlswarm://$key/film: room not found within 2 s$"
expect_empty_out
# The same without any bootstrap node at all.
run 69 peer-fetch "hlswarm://$key/film" --timeout 1s --listen 127.0.0.61:0 --no-bootstrap
expect_err "room not found within 1 s"

# --from on a live room is a usage error (use --behind), not ignored: the
# creator's live room, which has not begun, is found through its x.pe hint.
uri=$(room-announce create show)
mkfifo feed
exec 3<>feed
start_reading announce feed room-announce show --listen 127.0.0.62:0 --no-bootstrap 3>&-
wait_for 30 grep -qs "origin hints" "$T/announce.err"
hint=$(grep -o 'x\.pe=[0-9.:]*' "$T/announce.err" | head -1)
started=$(date +%s%N)
run 64 peer-fetch "$uri?$hint" --from 0:30 --timeout 10s --listen 127.0.0.63:0 --no-bootstrap -q
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
expect_err "^peer-fetch: error: --from/--to: the room is live"
expect_empty_out
[ "$elapsed" -lt 10000 ] || fail "--from on a live room took $elapsed ms"
exec 3>&-
kill -TERM "${pids[announce]}"
finish announce 130
stop bootstrap
