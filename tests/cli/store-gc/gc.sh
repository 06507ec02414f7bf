#!/usr/bin/env bash
# store-gc pruning: --dry-run changes nothing, --json lines, quota and idle
# order, pins, the human summary, defaults from the config file.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store

# 40 segments of 1000-1999 bytes; every 4th in a pinned room.
run 0 store-writer --store "$S" --adds 40 --pinned-every 4 --remove-every 0 --bytes 1000
expect_eq "$(grep -c '^added' "$T/out")" 40 "segments added"
db=$S/store.db
q() { sqlite3 "$db" "$@"; }
# Make the order plain: older seq = less recently used, never requested.
q "UPDATE segments SET added = 1000000 + (SELECT seq FROM segment_uses WHERE segment = segments.id) % 1000000, last_requested = NULL"
pinned_bytes=$(q "SELECT sum(s.bytes) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned")
total=$(q "SELECT sum(bytes) FROM segments")
quota=$(( pinned_bytes + (total - pinned_bytes) / 2 ))

fingerprint() { (cd "$S" && find . -type f ! -name 'store.db-*' -print0 | sort -z | xargs -0 sha256sum); }
before=$(fingerprint)

# --dry-run lists, changes nothing (database and files byte-identical).
run 0 store-gc --store "$S" --max-size "${quota}B" --dry-run --json
expect_eq "$(fingerprint)" "$before" "store after --dry-run"
tail -n1 "$T/out" | jq -e '.v == 1 and .end == true and .dry_run == true' >/dev/null ||
  fail "no dry-run summary line"
listed=$(grep -c '"infohash"' "$T/out" || true)
[ "$listed" -gt 0 ] || fail "dry run listed nothing"
jq -r 'select(.infohash) | .infohash' "$T/out" >"$T/dry"
run 0 store-gc --store "$S" --max-size "${quota}B" --dry-run
expect_out '^would remove [0-9a-f]{64} '
expect_out "^would remove $listed segments"
expect_eq "$(fingerprint)" "$before" "store after a human --dry-run"

# The real run removes exactly what the dry run listed.
run 0 store-gc --store "$S" --max-size "${quota}B" --json
jq -e -s '[.[] | select(.infohash)] | length > 0 and all(.v == 1 and (.bytes | type) == "number" and .reason == "size" and .dry_run == false and (.room | type) == "string")' "$T/out" >/dev/null ||
  fail "bad JSON eviction lines"
jq -r 'select(.infohash) | .infohash' "$T/out" >"$T/real"
cmp -s "$T/dry" "$T/real" || fail "the real run removed other segments than the dry run listed"
summary=$(tail -n1 "$T/out")
echo "$summary" | jq -e --argjson n "$listed" '.end and .removed == $n and .pinned == 10 and .over_quota == false' >/dev/null ||
  fail "bad summary: $summary"
expect_eq "$(echo "$summary" | jq .bytes_kept)" "$(q 'SELECT sum(bytes) FROM segments')" "bytes_kept"
[ "$(q 'SELECT sum(bytes) FROM segments')" -le "$quota" ] || fail "still over quota"
# Least recently used first: every removed seq is older than every kept
# unpinned seq.
oldest_kept=$(q "SELECT min(s.seq) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE NOT r.pinned")
for h in $(cat "$T/real"); do
  [ ! -e "$S/segments/${h:0:2}/$h.ts" ] || fail "file of evicted $h still there"
done
newest_removed=$(jq -s '[.[] | select(.infohash) | .seq] | max' "$T/out")
[ "$newest_removed" -lt "$oldest_kept" ] || fail "evicted seq $newest_removed but kept older $oldest_kept"
expect_eq "$(q 'SELECT count(*) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned')" 10 "pinned left"
run 0 store-gc --store "$S" --check

# Idle age: half of what is left was asked for 30 days ago, half just now.
now=$(date +%s)
q "UPDATE segments SET last_requested = CASE WHEN (SELECT seq FROM segment_uses WHERE segment = segments.id) % 2 = 0 THEN $now - 30*86400 ELSE $now END"
idle=$(q "SELECT count(*) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE NOT r.pinned AND s.seq % 2 = 0")
run 0 store-gc --store "$S" --max-idle 14d
expect_out "^removed $idle segments? \([0-9.]+ (B|KiB)\); kept [0-9]+ segments \(.*\), of which 10 segments \(.*\) pinned"
expect_eq "$(q "SELECT count(*) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE NOT r.pinned AND s.seq % 2 = 0")" 0 "idle left"

# Defaults come from the shared config file; pinned data alone over the
# quota is a warning, not a failure.
mkdir -p "$XDG_CONFIG_HOME/hlswarm"
printf 'max-size = "1K"\nunrelated-key = 3\n' >"$XDG_CONFIG_HOME/hlswarm/config.toml"
run 0 store-gc --store "$S" --json
tail -n1 "$T/out" | jq -e '.over_quota == true and .kept == .pinned and .pinned == 10' >/dev/null ||
  fail "config max-size not applied: $(tail -n1 "$T/out")"
expect_err "warning: pinned segments alone .* exceed --max-size 1.0 KiB"
# The command line wins over the config file.
HLSWARM_STORE=$S run 0 store-gc --max-size 1G --json
tail -n1 "$T/out" | jq -e '.over_quota == false' >/dev/null || fail "--max-size did not override the config"
run 0 store-gc --store "$S" --check
