# The head is put again on a timer, so it survives churn: a node that joins
# after the first put receives it from the re-put, and still serves it
# after the publisher and every node of the first put are gone.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

run 0 node-probe keygen creator.key; creator=$(jq -r .public "$T/out")
start_bootstrap 127.0.0.70
# HLSWARM_DHT_LOG shows which nodes each put reaches
HLSWARM_DHT_LOG=1 start putter node-probe put --listen 127.0.0.71:0 \
  --bootstrap "$boot" --key creator.key --salt room --value 3:old \
  --republish-s 1 --linger 100
first_line putter 20 >/dev/null

start late node-probe bootstrap --listen 127.0.0.72:0 --bootstrap "$boot"
late=$(field "$(first_line late 20)" listen)
wait_for 30 grep -q "invoking put -> $late" "$T/putter.err"

stop putter
stop bootstrap
run 0 node-probe get --dht-read-only --listen 127.0.0.73:0 --bootstrap "$late" \
  --public "$creator" --salt room --timeout 20
expect_eq "$(jq -r .value "$T/out")" 3:old "value held by the late node"
stop late
