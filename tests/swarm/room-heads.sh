# Room heads between processes: each record's head readable by another node,
# its seq growing; records of another creator or room, a seq going backwards
# or skipping ahead are refused with 65 and nothing published (the head's
# seq unchanged); a restart republishes what the store holds; a forged head
# is ignored; a late viewer whose only contact is the creator (x.pe) fetches
# the chain torrent, verifies every record and gets every segment.
source "$HLSWARM_TESTS/swarm/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 16
[ "$(wc -l <seg/lines)" -ge 4 ] || fail "need 4 segments"
seg-chain --store maker r1 <seg/lines >a.lines                       # seq 0..3
head -1 seg/lines | seg-chain --store maker r2 >other-room.line
seg-chain key --key "$T/other.key" >/dev/null
head -1 seg/lines | seg-chain --store other --key "$T/other.key" r1 >other-key.line
sed -n 3p seg/lines | jq -c '.seq = 0' | seg-chain --store fork r1 >fork.line
key=$(seg-chain key | jq -r .public_key)
uri=$(room-announce create r1)

start_bootstrap 127.0.0.40
head_room=r1 head_reader=127.0.0.41:0 # for read_head

# head_is SEQ: the head another node reads now has record seq SEQ.
head_is() {
  node-probe head --dht-read-only --listen 127.0.0.41:0 --bootstrap "$boot" \
    --public "$key" --room r1 --timeout 5 >"$T/head.json" 2>/dev/null &&
    [ "$(jq -r .seq "$T/head.json")" = "$1" ]
}

# announce NAME: room-announce reading the fifo "feed" (opened read-write
# here as fd 3). Every run after the first listens on the first one's port:
# with the node id it keeps in the store, a restarted creator is the same
# DHT node, not a dead one that lookups would wait 15 s for.
port=0
announce() {
  rm -f feed; mkfifo feed
  exec 3<>feed
  start_reading "$1" feed room-announce r1 --listen "127.0.0.42:$port" --bootstrap "$boot" \
    --linger 0 3>&-
  wait_for 60 grep -qs "origin hints" "$T/$1.err"
  port=$(grep -o 'x\.pe=[0-9.:]*' "$T/$1.err" | head -1 | cut -d: -f2)
}

announce a1
sed -n 1p a.lines >&3
wait_for 20 has_lines a1 1
h0=$(read_head)
expect_eq "$(field "$h0" seq)" 0 "head seq after record 0"
expect_eq "$(field "$h0" state)" live "state"
expect_eq "$(field "$h0" has_record)" true "record in the head"
sed -n 2p a.lines >&3
wait_for 20 has_lines a1 2
h1=$(read_head $(( $(field "$h0" item_seq) + 1 )))
expect_eq "$(field "$h1" seq)" 1 "head seq after record 1"
[ "$(field "$h1" item_seq)" -gt "$(field "$h0" item_seq)" ] || fail "item seq did not grow"

# refused: another room; then (after a restart from the store) another
# creator, a seq going backwards, a seq skipping ahead
cat other-room.line >&3
finish a1 65
grep -q "record of room .*/r2, not .*/r1: nothing published" "$T/a1.err" || fail "$(cat "$T/a1.err")"
exec 3>&-
n=2
for refused in other-key.line fork.line gap; do
  announce a$n
  grep -q "republishing 2 records" "$T/a$n.err" || fail "no republish: $(cat "$T/a$n.err")"
  if [ $refused = gap ]; then sed -n 4p a.lines >&3; else cat $refused >&3; fi
  finish a$n 65
  exec 3>&-
  n=$((n + 1))
done
grep -q "signed by creator [0-9a-f]*, not by this creator" "$T/a2.err" || fail "$(cat "$T/a2.err")"
grep -q "seq 0 goes backwards" "$T/a3.err" || fail "$(cat "$T/a3.err")"
grep -q "seq 3 after seq 1: records 2..2 are missing" "$T/a4.err" || fail "$(cat "$T/a4.err")"
expect_eq "$(field "$(read_head)" seq)" 1 "head seq after refusals"

# the next record after a restart is taken; the head moves on
announce a5
sed -n 3p a.lines >&3
wait_for 20 has_lines a5 1
wait_for 45 head_is 2
h2=$(cat "$T/head.json")
[ "$(field "$h2" item_seq)" -gt "$(field "$h1" item_seq)" ] || fail "item seq did not grow"
cmp <(sed -n 3p a.lines) "$T/a5.out" || fail "line not passed through"

# a forged head (another key's signature, higher seq) is stored nowhere;
# readers keep the creator's
node-probe keygen forger.json >/dev/null
run 0 node-probe forge --dht-read-only --listen 127.0.0.43:0 --bootstrap "$boot" \
  --public "$key" --key forger.json --salt r1 --seq $(( $(field "$h2" item_seq) + 1000 )) \
  --value 'd5:state5:ended1:ti0e1:vi1ee' --timeout 40
expect_eq "$(jq -r .stored_on "$T/out")" 0 "nodes that stored the forgery"
h3=$(read_head)
expect_eq "$(field "$h3" seq)" 2 "head seq after forgery"
expect_eq "$(field "$h3" state)" live "state after forgery"

# a late viewer, the creator its only contact: chain torrent, every record
# verified, every segment intact
origin=$(grep -o 'x\.pe=[0-9.:]*' "$T/a5.err" | head -1 | cut -d= -f2)
start late node-probe follow --listen 127.0.0.44:0 --origin "$origin" \
  --public "$key" --room r1 --out late --all --count 3 --timeout 40 3>&-
finish late
jq -s -e '.[1].chain_records == 3 and .[1].verified' "$T/late.out" >/dev/null ||
  fail "late viewer's chain: $(cat "$T/late.out")"
for i in 0 1 2; do
  f=$(sed -n "$((i + 1))p" seg/lines | jq -r .path)
  cmp "$f" "late/$(basename "$f")" || fail "late viewer: seq $i differs"
done

# status with the creator as the only bootstrap node
run 0 room-announce status "$uri?x.pe=$origin" --bootstrap "$origin" \
  --listen 127.0.0.45:0 --json --timeout 20
jq -e '.head_seq == 2 and .segments == 3 and .state == "live" and .chain_fetched' \
  "$T/out" >/dev/null || fail "status: $(cat "$T/out")"
exec 3>&-
finish a5
stop bootstrap

# no head at all: 69 at the timeout
run 69 room-announce status "hlswarm://$(printf '%064d' 0)/nobody" \
  --bootstrap 127.0.0.46:9 --listen 127.0.0.46:0 --timeout 2
expect_err "no room head found"
