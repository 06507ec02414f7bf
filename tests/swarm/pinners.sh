# Distributor offers: two distributors publish signed offers; a creator
# who knows neither finds both on the DHT with room-announce pinners,
# cheapest first. (offer-publisher stands in for peer-seed.)
source "$HLSWARM_TESTS/swarm/lib.sh"
cd "$T"

start_bootstrap 127.0.0.70
start dear offer-publisher --key dear.key --price 4 --currency EUR --free 2T \
  --contact "https://dear.example.org" --listen 127.0.0.71:0 --bootstrap "$boot"
start cheap offer-publisher --key cheap.key --price 1.25 --currency EUR --free 500G \
  --contact "mailto:cheap@example.org" --listen 127.0.0.72:0 --bootstrap "$boot"
dear=$(first_line dear 20 | jq -r .key)
cheap=$(first_line cheap 20 | jq -r .key)

run 0 room-announce pinners --json --listen 127.0.0.73:0 --bootstrap "$boot" --timeout 10
o=$(cat "$T/out")
expect_eq "$(jq -r '.offers | length' <<<"$o")" 2 "offers found"
expect_eq "$(jq -r '.offers[0].key' <<<"$o")" "$cheap" "cheapest first"
expect_eq "$(jq -r '.offers[1].key' <<<"$o")" "$dear" "dearest last"
expect_eq "$(jq -r '.offers[0].price + " " + .offers[0].currency' <<<"$o")" "1.25 EUR" "price"
expect_eq "$(jq -r '.offers[0].price_micros' <<<"$o")" 1250000 "price in millionths"
expect_eq "$(jq -r '.offers[1].free_bytes' <<<"$o")" $((2 << 40)) "free capacity"
expect_eq "$(jq -r '.offers[0].contact' <<<"$o")" "mailto:cheap@example.org" "contact"
expect_eq "$(jq -r '.offers[1].where' <<<"$o")" "$(jq -r .listen "$T/dear.out")" "where"

run 0 room-announce pinners --listen 127.0.0.74:0 --bootstrap "$boot" --timeout 10
expect_eq "$(sed -n 2p "$T/out" | awk '{ print $1, $2, $3, $4, $5, $6 }')" \
  "1.25 EUR 500.0 GiB mailto:cheap@example.org $cheap" "first line"
expect_eq "$(sed -n 3p "$T/out" | awk '{ print $1, $2, $6 }')" "4.00 EUR $dear" "second line"

# With every distributor gone, nobody offers anything.
stop cheap
stop dear
run 69 room-announce pinners --listen 127.0.0.75:0 --bootstrap "$boot" --timeout 4
expect_err "no distributor offer found"
stop bootstrap
