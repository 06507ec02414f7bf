# BEP 44 room heads between processes: put in one, get in another; seq only
# grows; a forged item is refused; a creator that is its viewer's only
# bootstrap node still serves its head.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

run 0 node-probe keygen creator.key; creator=$(jq -r .public "$T/out")
run 0 node-probe keygen forger.key

start_bootstrap 127.0.0.10
note "bootstrap node at $boot"

# put in one process (which stays up), get in another
start putter node-probe put --listen 127.0.0.11:0 --bootstrap "$boot" \
  --key creator.key --salt room1 --value d5:state4:livee --linger 100
put1=$(first_line putter 20)
seq1=$(field "$put1" seq)
[ "$(field "$put1" stored_on)" -ge 1 ] || fail "first put stored nowhere: $put1"

run 0 node-probe get --dht-read-only --listen 127.0.0.12:0 --bootstrap "$boot" \
  --public "$creator" --salt room1 --timeout 20
expect_eq "$(jq -r .value "$T/out")" d5:state4:livee "value read back"
expect_eq "$(jq -r .seq "$T/out")" "$seq1" "seq read back"

# another salt under the same key is another item: nothing there
run 69 node-probe get --dht-read-only --listen 127.0.0.12:0 --bootstrap "$boot" \
  --public "$creator" --salt room2 --timeout 5

# several puts from a new process: each seq above the one before. It stays
# up: a node that put is in other nodes' routing tables, and a dead one
# there makes every lookup wait for libtorrent's 15 s timeout.
start putter2 node-probe put --listen 127.0.0.13:0 --bootstrap "$boot" \
  --key creator.key --salt room1 --value 4:next --count 3 --linger 100
wait_for 30 has_lines putter2 3
mapfile -t seqs < <(jq -r .seq "$T/putter2.out")
expect_eq "${#seqs[@]}" 3 "number of puts"
prev=$seq1
for s in "${seqs[@]}"; do
  [ "$s" -gt "$prev" ] || fail "seq did not grow: $s after $prev"
  prev=$s
done
last=$prev
run 0 node-probe get --dht-read-only --listen 127.0.0.14:0 --bootstrap "$boot" \
  --public "$creator" --salt room1 --min-seq "$last" --timeout 20
expect_eq "$(jq -r .seq "$T/out")" "$last" "newest seq"
expect_eq "$(jq -r .value "$T/out")" l4:nexti2ee "newest value"

# a forged item under the creator's key, signed by another key and with a
# higher seq: no DHT node stores it, readers still get the creator's
run 0 node-probe forge --dht-read-only --listen 127.0.0.15:0 --bootstrap "$boot" \
  --public "$creator" --key forger.key --salt room1 --value 6:forged \
  --seq $((last + 1000)) --timeout 20
expect_eq "$(jq -r .stored_on "$T/out")" 0 "nodes that stored the forgery"
run 0 node-probe get --dht-read-only --listen 127.0.0.16:0 --bootstrap "$boot" \
  --public "$creator" --salt room1 --timeout 20
expect_eq "$(jq -r .value "$T/out")" l4:nexti2ee "value after forgery"
expect_eq "$(jq -r .seq "$T/out")" "$last" "seq after forgery"

# nothing is signed for a key that is not the seed's
{ head -c 32 forger.key; tail -c 32 creator.key; } >mixed.key
chmod 600 mixed.key
run 65 node-probe put --listen 127.0.0.16:0 --bootstrap "$boot" \
  --key mixed.key --salt room1 --value 1:x
expect_err "the public key does not match the seed"

# a value over 1000 bytes is refused before anything is sent
big="1001:$(head -c 1001 /dev/zero | tr '\0' x)"
run 65 node-probe put --listen 127.0.0.16:0 --bootstrap "$boot" \
  --key creator.key --salt room1 --value "$big"
expect_err "more than the 1000"

stop putter
stop putter2
stop bootstrap

# a creator and a single viewer, the creator being the only bootstrap node:
# the head is served from the creator's own DHT storage
start creator node-probe put --listen 127.0.0.17:0 --key creator.key \
  --salt solo --value 4:solo --linger 100
solo=$(first_line creator 20)
creator_at=$(jq -r '.listen // empty' <<<"$solo")
[ -n "$creator_at" ] || fail "creator did not say where it listens: $solo"
run 0 node-probe get --dht-read-only --listen 127.0.0.18:0 --bootstrap "$creator_at" \
  --public "$creator" --salt solo --timeout 20
expect_eq "$(jq -r .value "$T/out")" 4:solo "value from a lone creator"
expect_eq "$(jq -r .seq "$T/out")" "$(field "$solo" seq)" "seq from a lone creator"
stop creator
