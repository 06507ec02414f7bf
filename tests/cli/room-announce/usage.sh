# room-announce's command line: usage errors (64), --help, create printing
# only the URI, a bad input line (65), a missing key file (66). Network
# runs stay on loopback with an unreachable bootstrap node.
source "$HLSWARM_TESTS/cli/lib.sh"
cd "$T"
net=(--listen 127.0.0.1:0 --bootstrap 127.0.0.1:9 --dht-loopback)

run 0 room-announce --help
expect_out "Usage: room-announce"
expect_out "--linger"
run 0 room-announce status --help
expect_out "--timeout"

run 64 room-announce
expect_err "a ROOM \(name or room URI\) is required"
run 64 room-announce status
expect_err "URI is required"
run 64 room-announce status "not a uri"
run 64 room-announce create ""
run 64 room-announce create "$(printf 'x%.0s' $(seq 65))"
run 64 room-announce r --listen nowhere "${net[@]:2}"
expect_err "listen address"
run 64 room-announce r --linger soon "${net[@]}" </dev/null
expect_err "--linger"
# Durations past 3650d overflowed the clock: --linger 1000000d exited at
# once while saying it served, status --timeout 106752d gave up in 60 ms.
run 64 room-announce r --linger 1000000d "${net[@]}" </dev/null
expect_err "^room-announce: error: --linger: '1000000d' is out of range \(at most 3650d\)$"
expect_empty_out
run 64 room-announce status "hlswarm://$(printf '%064d' 0)/x" --timeout 106752d "${net[@]}"
expect_err "^room-announce: error: --timeout: '106752d' is out of range \(at most 3650d\)$"
# ...also from the config file, where the key of a subcommand's option is
# in its section; the message names the file and line.
mkdir -p "$XDG_CONFIG_HOME/hlswarm"
config=$XDG_CONFIG_HOME/hlswarm/config.toml
printf 'linger = "90s"\n[status]\ntimeout = "106752d"\n' >"$config"
run 64 room-announce status "hlswarm://$(printf '%064d' 0)/x" "${net[@]}"
expect_err "^room-announce: error: $config line 3: timeout: '106752d' is out of range \(at most 3650d\)$"
# A broken config file: every command fails naming it, but not --help.
printf '[status\n' >"$config"
run 64 room-announce create r
expect_err "^room-announce: error: $config line 1: a section needs a '\]' after its name$"
run 0 room-announce status --help
expect_out "--timeout"
run 0 room-announce --version
expect_out '^room-announce \(hlswarm\) '
rm "$config"
run 64 room-announce r --bogus

# create: the URI is the only line on stdout; again is the same room; the
# other mode is refused
run 0 room-announce create "my room"
expect_eq "$(wc -l <"$T/out")" 1 "lines on stdout"
uri=$(cat "$T/out")
[[ $uri =~ ^hlswarm://[0-9a-f]{64}/my%20room$ ]] || fail "create printed '$uri'"
run 0 room-announce create "my room"
expect_eq "$(cat "$T/out")" "$uri" "create again"
run 65 room-announce create --vod "my room"
expect_err "exists already as a live room"
run 0 room-announce create --vod film

# a room URI of another creator
run 64 room-announce "hlswarm://$(printf '%064d' 0)/x" "${net[@]}" </dev/null
expect_err "belongs to creator"

# a line that is not a chain line: 65, nothing passed on
echo 'not json' >bad.line
run 65 room-announce r "${net[@]}" --linger 0 <bad.line
expect_err "stdin:1"
[ ! -s "$T/out" ] || fail "a refused line was passed on"

# no input at all: the room is served until --linger passes
run 0 room-announce r "${net[@]}" --linger 0 </dev/null
expect_err "origin hints for viewers: hlswarm://[0-9a-f]{64}/r\?x\.pe=127\.0\.0\.1:[0-9]+"

run 66 room-announce r --key "$T/missing.key" "${net[@]}" </dev/null
