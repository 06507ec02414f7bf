#!/usr/bin/env bash
# Chain a video's segments into a signed room, then check the chain.
#   examples/chain.sh [VIDEO] [ROOM]
# Without a VIDEO it makes a 24-second test pattern with ffmpeg. Uses a
# private key, store and output folder under a temporary folder unless
# KEEP=1, so it never touches your own identity. Programs come from PATH,
# else from build/bin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$PATH:$top/build/bin"
room=${2:-example room}
work=$(mktemp -d "${TMPDIR:-/tmp}/hlswarm-example.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/segments"

video=${1:-}
if [ -z "$video" ]; then
  video=$work/test.mp4
  ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=640x360:rate=25:duration=24 \
    -f lavfi -i sine=frequency=440:duration=24 -c:v libx264 -preset ultrafast \
    -g 50 -c:a aac "$video"
fi

# A key of its own for the example (your default is
# ~/.config/hlswarm/identity.key, created on first use).
seg-chain key --key "$work/creator.key"

# seg-split cuts; seg-chain hashes, signs, appends and prints each record.
seg-split -o "$work/segments" "$video" |
  seg-chain --key "$work/creator.key" --store "$work/store" "$room" |
  tee "$work/records" | jq -r '[.seq, .start, .duration, .infohash // "end"] | @tsv'

uri=$(jq -r .room "$work/records" | head -1)
chain=$(find "$work/store/chains" -name '*.chain')
echo "room:  $uri"
echo "chain: $chain"
# A viewer checks the chain against the room it expects, and the files.
seg-chain verify "$chain" --room "$uri" --segments "$work/segments" --ended
