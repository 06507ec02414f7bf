# room-announce torrents: the .torrent files and magnet links of a room's
# segments, from the store alone (no network): one JSON line per torrent
# with the record's infohash, a file per segment and the chain torrent;
# --magnets prints magnet links one per line, with the URI's x.pe hints; a
# room the store does not hold, a store that is not there and a missing -o
# are errors that say so.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"
cd "$T"

make_segments "$T/seg" 12
n=$(wc -l <seg/lines)
{ cat seg/lines; end_line "$n"; } | seg-chain film >chain.lines
key=$(seg-chain key | jq -r .public_key)

run 0 room-announce torrents film -o out-dir
expect_eq "$(wc -l <"$T/out")" $((n + 1)) "lines (segments and the chain)"
jq -c 'select(.kind == "segment")' "$T/out" >segments.lines
expect_eq "$(jq -r .infohash segments.lines)" "$(jq -r 'select(.infohash) | .infohash' chain.lines)" \
  "infohashes, in seq order"
expect_eq "$(jq -r .seq segments.lines | tr '\n' ' ')" "$(seq -s ' ' 0 $((n - 1))) " "seqs"
jq -s -e --arg room "hlswarm://$key/film" 'all(.[]; .v == 1 and .room == $room and .held
    and (.file | endswith(".torrent"))
    and .magnet == "magnet:?xt=urn:btmh:1220" + .infohash + "&dn=" + .name)' \
  segments.lines >/dev/null || fail "segment lines: $(head -n 1 "$T/out")"
expect_eq "$(ls out-dir | tr '\n' ' ')" "$(printf '%06d.torrent ' $(seq 0 $((n - 1))))chain.torrent " \
  "files written"
expect_eq "$(jq -r 'select(.kind == "chain") | .name' "$T/out")" chain.records \
  "chain torrent's file name"
# A .torrent file is the record's info dict, plus the piece layers made
# from the stored bytes.
grep -qF "d4:infod9:file tree" out-dir/000000.torrent || fail "000000.torrent has no info dict"
grep -qF "12:piece layers" out-dir/000000.torrent || fail "000000.torrent has no piece layers"

# Magnets only: one per line, x.pe hints from the URI.
run 0 room-announce torrents "hlswarm://$key/film?x.pe=192.0.2.7:6881" --magnets
expect_eq "$(wc -l <"$T/out")" $((n + 1)) "magnet lines"
expect_eq "$(grep -c '^magnet:?xt=urn:btmh:1220[0-9a-f]\{64\}&dn=[^&]*&x\.pe=192\.0\.2\.7:6881$' "$T/out")" \
  $((n + 1)) "magnet links with the hint"

# A segment the store no longer holds: its torrent is the info dict alone.
store=$XDG_DATA_HOME/hlswarm
gone=$(jq -r 'select(.seq == 1) | .infohash' chain.lines)
rm "$(find "$store/segments" -name "$gone.*")"
run 0 store-gc --repair
run 0 room-announce torrents film -o again
expect_eq "$(jq -r 'select(.seq == 1) | .held' "$T/out")" false "seq 1 held"
grep -qF "12:piece layers" again/000001.torrent && fail "seq 1's torrent has piece layers"
cmp -s out-dir/000001.torrent again/000001.torrent && fail "seq 1's torrent did not change"
expect_eq "$(jq -r 'select(.seq == 1) | .infohash' "$T/out")" "$gone" "infohash without the bytes"

# Errors.
run 64 room-announce torrents film
expect_err "^room-announce: error: room-announce torrents: -o DIR \(write the \.torrent files\) or --magnets is required$"
run 66 room-announce torrents other --magnets
expect_err "^room-announce: error: hlswarm://$key/other: not in the store "
run 66 room-announce torrents film --magnets --store "$T/nowhere"
expect_err "nowhere"
touch file
run 73 room-announce torrents film -o file/dir
expect_err "file/dir"
rm -f "$XDG_CONFIG_HOME/hlswarm/identity.key"
run 64 room-announce torrents film --magnets
expect_err "no creator key .*: give the room's URI$"
