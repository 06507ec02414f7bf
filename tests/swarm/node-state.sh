# A node stops within seconds of SIGTERM and saves its DHT routing table;
# a node started from that state finds the swarm without any bootstrap node.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

run 0 node-probe keygen creator.key; creator=$(jq -r .public "$T/out")
start_bootstrap 127.0.0.40
start putter node-probe put --listen 127.0.0.41:0 --bootstrap "$boot" \
  --key creator.key --salt room --value 2:hi --linger 100
first_line putter 20 >/dev/null

start reader node-probe watch --listen 127.0.0.42:0 --bootstrap "$boot" \
  --state reader.state --public "$creator" --salt room --count 1 --linger 100 \
  --timeout 30
wait_for 30 has_lines reader 2
# SIGTERM: the node saves its state and is gone within a few seconds
kill -TERM "${pids[reader]}"
wait_for 5 eval '! kill -0 "${pids[reader]}" 2>/dev/null'
finish reader
[ -s reader.state ] || fail "no DHT state saved"
expect_eq "$(stat -c %a reader.state)" 600 "state file mode"

# no --bootstrap at all: the saved routing table is enough
run 0 node-probe get --dht-read-only --listen 127.0.0.42:0 --state reader.state \
  --public "$creator" --salt room --timeout 20
expect_eq "$(jq -r .value "$T/out")" 2:hi "value read with saved state"

# a damaged state file is ignored with a warning, not fatal
echo garbage >bad.state
run 69 node-probe get --dht-read-only --listen 127.0.0.43:0 --state bad.state \
  --public "$creator" --salt room --timeout 2
expect_err "ignoring saved DHT state"
stop putter
stop bootstrap
