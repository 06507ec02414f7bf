# Room membership on the DHT: members announce themselves under the room's
# target and find each other (and not the members of another room); a
# creator that is its viewer's only bootstrap node and that viewer find
# each other too.
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

run 0 node-probe keygen creator.key; creator=$(jq -r .public "$T/out")
start_bootstrap 127.0.0.30

for n in 31 32 33; do
  start m$n node-probe member --listen 127.0.0.$n:0 --bootstrap "$boot" \
    --public "$creator" --room r1 --find 2 --timeout 30 --linger 100
done
start other node-probe member --listen 127.0.0.36:0 --bootstrap "$boot" \
  --public "$creator" --room r-other --linger 100
for n in 31 32 33; do first_line m$n 20 >/dev/null; done
for n in 31 32 33; do
  wait_for 40 has_lines m$n 2
  found=$(sed -n 2p "$T/m$n.out" | jq -r '.peers | sort | join(" ")')
  want=$(for m in 31 32 33; do [ $m = $n ] || grep -o "127.0.0.$m:[0-9]*" "$T/m$m.out" | head -n 1; done | sort | tr '\n' ' ')
  expect_eq "$found " "$want" "members found by 127.0.0.$n"
done
for n in m31 m32 m33 other; do stop $n; done
stop bootstrap

# two nodes, the creator being the viewer's only bootstrap node
start solo node-probe member --listen 127.0.0.37:0 --public "$creator" \
  --room r2 --find 1 --timeout 30 --linger 100
solo_at=$(field "$(first_line solo 20)" listen)
start viewer node-probe member --listen 127.0.0.38:0 --bootstrap "$solo_at" \
  --public "$creator" --room r2 --find 1 --timeout 30 --linger 100
wait_for 40 has_lines viewer 2
expect_eq "$(sed -n 2p "$T/viewer.out" | jq -r '.peers[0]')" "$solo_at" "viewer found the creator"
wait_for 40 has_lines solo 2
expect_eq "$(sed -n 2p "$T/solo.out" | jq -r '.peers[0]' | cut -d: -f1)" 127.0.0.38 "creator found the viewer"
stop viewer
stop solo
