#!/usr/bin/env bash
# store-gc, step by step, on a store of your own (default: a scratch one).
# Run from a build: PATH=build/bin:$PATH examples/store-gc.sh [STORE]
set -euo pipefail
store=${1:-${HLSWARM_STORE:-$HOME/.local/share/hlswarm}}
export HLSWARM_STORE=$store

# 1. What would a 20 GiB quota and a 14 day idle age remove? (changes nothing)
store-gc --max-size 20G --max-idle 14d --dry-run

# 2. The same as JSON lines, e.g. the bytes per room that would go:
store-gc --max-size 20G --max-idle 14d --dry-run --json |
  jq -s 'map(select(.infohash)) | group_by(.room) |
         map({room: .[0].room, segments: length, bytes: (map(.bytes) | add)})'

# 3. Do it. Pinned rooms are never touched; followed creators go last.
store-gc --max-size 20G --max-idle 14d

# 4. Is the store sound? (exit 65 and a list if not; --repair fixes)
store-gc --check || store-gc --repair
