# Bad input is refused with a clear message and the right exit code, and
# nothing already in the chain is damaged.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 12
lines="$T/seg/lines"

# A gap in seg-split's seq is an error (65), not skipped; what came before
# the gap stays a valid chain.
sed 2d "$lines" > "$T/gap"
run 65 seg-chain --store "$T/gap.store" --chain "$T/gap.chain" room < "$T/gap"
expect_err "stdin:2: seq 2 after seq 0: segments 1..1 are missing"
expect_eq "$(wc -l < "$T/gap.chain")" 1 "records before the gap"
run 0 seg-chain verify "$T/gap.chain"
# Repeated or not starting at 0.
{ head -1 "$lines"; head -1 "$lines"; } > "$T/again"
run 65 seg-chain --store "$T/again.store" --chain "$T/again.chain" room < "$T/again"
expect_err "seq 0 again after seq 0"
# A run may start at any seq (seg-split --start-seq after a restart into
# the same folder); from there on it must be consecutive.
sed 1d "$lines" > "$T/late"
run 0 seg-chain --store "$T/late.store" --chain "$T/late.chain" room < "$T/late"
expect_eq "$(wc -l < "$T/late.chain")" "$(wc -l < "$T/late")" "records of a run starting at seq 1"
{ sed -n 2p "$lines"; sed -n 3p "$lines" | sed 's/"seq":2/"seq":3/'; } > "$T/late-gap"
run 65 seg-chain --store "$T/late-gap.store" --chain "$T/late-gap.chain" room < "$T/late-gap"
expect_err "stdin:2: seq 3 after seq 1: segments 2..2 are missing"

# Broken lines.
bad_line() { # bad_line CODE REGEX LINE
  printf '%s\n' "$3" > "$T/bad"
  run "$1" seg-chain --store "$T/bad.store" --chain "$T/bad.chain" room < "$T/bad"
  expect_err "$2"
  rm -rf "$T/bad.chain" "$T/bad.store"
}
seg0="$T/seg/seg000.ts"
size0=$(stat -c %s "$seg0")
bad_line 65 "stdin:1: not a JSON object" 'not json'
bad_line 65 "not a seg-split line of version 1" '{"v":2,"seq":0}'
bad_line 65 '"path" is not absolute' '{"v":1,"seq":0,"path":"seg000.ts","start":0,"duration":4,"bytes":1}'
bad_line 65 '"start" is out of range' "{\"v\":1,\"seq\":0,\"path\":\"$seg0\",\"start\":-1,\"duration\":4,\"bytes\":$size0}"
bad_line 65 "the line says 5 bytes, the file has $size0" "{\"v\":1,\"seq\":0,\"path\":\"$seg0\",\"start\":0,\"duration\":4,\"bytes\":5}"
bad_line 66 "seg999.ts: no such file" "{\"v\":1,\"seq\":0,\"path\":\"$T/seg/seg999.ts\",\"start\":0,\"duration\":4,\"bytes\":5}"
bad_line 65 "the end line counts 3 segments, but 0 arrived" '{"v":1,"end":true,"segments":3}'
: > "$T/empty.ts"
bad_line 65 "empty segment" "{\"v\":1,\"seq\":0,\"path\":\"$T/empty.ts\",\"start\":0,\"duration\":4,\"bytes\":0}"
# A path the chain could not hold (a control character in a folder name)
# is refused before anything is written, so the chain stays appendable;
# a path with "." or ".." parts is recorded normalised.
mkdir "$T/ctl$(printf '\001')dir"
cp "$seg0" "$T/ctl$(printf '\001')dir/seg000.ts"
bad_line 65 "path is not UTF-8 without control characters" \
  "{\"v\":1,\"seq\":0,\"path\":\"$T/ctl\\u0001dir/seg000.ts\",\"start\":0,\"duration\":4,\"bytes\":$size0}"
printf '{"v":1,"seq":0,"path":"%s","start":0,"duration":4,"bytes":%d}\n' \
  "$T/seg/./x/../seg000.ts" "$size0" > "$T/dots"
run 0 seg-chain --store "$T/dots.store" --chain "$T/dots.chain" room < "$T/dots"
expect_out "\"path\":\"$T/seg/seg000.ts\""
{ head -1 "$lines"; end_line 1; head -1 "$lines"; } > "$T/after"
run 65 seg-chain --store "$T/after.store" --chain "$T/after.chain" room < "$T/after"
expect_err "stdin:3: a line after the end line"

# Rooms: bad names are usage errors; a URI must name our own key.
run 64 seg-chain "" < /dev/null
run 64 seg-chain "$(printf 'x%.0s' {1..65})" < /dev/null
expect_err "at most 64 bytes"
run 64 seg-chain "$(printf 'tab\there')" < /dev/null
run 64 seg-chain "hlswarm://$(printf 'ab%.0s' {1..32})/room" < /dev/null
expect_err "it belongs to creator abab.*but the key is [0-9a-f]{64}"
run 64 seg-chain "http://example.org/room" < /dev/null
expect_err "must start with hlswarm://"
# A chain file of another room is not appended to.
run 0 seg-chain --store "$T/one.store" --chain "$T/one.chain" one < "$lines"
run 65 seg-chain --store "$T/one.store" --chain "$T/one.chain" two < "$lines"
expect_err "this chain is room hlswarm://[0-9a-f]{64}/one, not hlswarm://[0-9a-f]{64}/two"

# Key files: missing --key is 66; loose permissions, wrong size or damage 65.
run 66 seg-chain --key "$T/none.key" room < /dev/null
expect_err "key file .*none.key"
run 0 seg-chain key --key "$T/k.key"
expect_err "created key file .*k.key"
expect_eq "$(stat -c %a "$T/k.key")" 600 "key mode"
chmod 644 "$T/k.key"
run 65 seg-chain --key "$T/k.key" room < /dev/null
expect_err "group or others may access it \(mode 0644\): run 'chmod 600"
chmod 600 "$T/k.key"
head -c 32 "$T/k.key" > "$T/short.key"; chmod 600 "$T/short.key"
run 65 seg-chain --key "$T/short.key" room < /dev/null
expect_err "not a key file: 32 bytes, expected 64"
cp "$T/k.key" "$T/damaged.key"; flip "$T/damaged.key" 50
run 65 seg-chain --key "$T/damaged.key" room < /dev/null
expect_err "damaged: the public key does not match the seed"
# The key command prints the public key of an existing file unchanged.
run 0 seg-chain key --key "$T/k.key"
expect_out '"public_key":"[0-9a-f]{64}"'
[ ! -s "$T/err" ] || fail "key printed a note for an existing key"

# Only one seg-chain appends to a chain at a time (75: try again later).
mkfifo "$T/fifo"
seg-chain --store "$T/locked.store" --chain "$T/locked.chain" room < "$T/fifo" > "$T/first.out" 2>&1 &
first=$!
exec 3> "$T/fifo"
head -1 "$lines" >&3
wait_for 10 test -s "$T/locked.chain"
run 75 seg-chain --store "$T/locked.store" --chain "$T/locked.chain" room < /dev/null
expect_err "another seg-chain is appending to this chain"
exec 3>&-
wait "$first" || fail "first seg-chain failed: $(cat "$T/first.out")"

run 64 seg-chain --no-such-option room

# A key file named without a folder is made in the current folder.
(cd "$T" && run 0 seg-chain key --key bare.key)
[ -f "$T/bare.key" ] || fail "seg-chain key --key bare.key made no key file"
