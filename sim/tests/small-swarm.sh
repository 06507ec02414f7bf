#!/usr/bin/env bash
# swarm-sim on a small room: 50 viewers on home connections, a minute of a
# 2 Mbit/s stream, 20% of the viewers leaving and as many joining a
# minute. Every viewer that stays to the end gets every segment from its
# first on, the creator uploads less than 4 copies of the stream (its
# uplink could send 5), and DHT lookups stay O(1) a minute (not one per
# segment). With super-seeding the creator sends fewer copies.
source "$(dirname "$0")/../../tests/cli/lib.sh"

run 0 swarm-sim --viewers 50 --seconds 64 --churn 0.2 --seed 7 -o "$T/run"
summary=$(head -n 1 "$T/out")
complete=$(jq -r .viewers_complete <<<"$summary")
[ "${complete%/*}" = "${complete#*/}" ] || fail "viewers complete: $complete"
[ "${complete#*/}" -ge 40 ] || fail "too few viewers stayed: $complete"
jq -e '.segments == 8' <<<"$summary" >/dev/null || fail "segments: $summary"
jq -e '.upload_x < 4' <<<"$summary" >/dev/null || fail "creator upload: $summary"
jq -e '.dht_lookups_per_viewer_minute < 4' <<<"$summary" >/dev/null || fail "lookups: $summary"
jq -e '.viewers_total > 50' <<<"$summary" >/dev/null || fail "no viewer joined: $summary"
# room-announce's limit, 4 a segment (peak_origin_connections counts all
# segments: two overlap while one ends).
jq -e '.peak_origin_connections <= 8' <<<"$summary" >/dev/null ||
  fail "the creator served more viewers at once than room-announce's limit: $summary"
default_upload=$(jq .upload_x <<<"$summary")
run 0 swarm-sim --viewers 50 --seconds 64 --churn 0.2 --seed 7 --origin-connections 0 -o "$T/unlimited"
jq -e ".upload_x > $default_upload and .peak_origin_connections > 8" <<<"$(head -n 1 "$T/out")" >/dev/null ||
  fail "without the origin's limit: $(head -n 1 "$T/out"), with it: $default_upload"
run 0 swarm-sim --viewers 50 --seconds 64 --churn 0.2 --seed 7 --origin-super-seed -o "$T/super"
jq -e ".upload_x < $default_upload" <<<"$(head -n 1 "$T/out")" >/dev/null ||
  fail "super-seeding: $(head -n 1 "$T/out"), without: $default_upload"
for file in summary.json deliveries.tsv viewers.tsv creator.tsv; do
  [ -s "$T/run/$file" ] || fail "$file not written"
done

# Usage errors: sysexits 64 with the tool's message.
run 64 swarm-sim --viewers 0 -o "$T/bad"
expect_err '^swarm-sim: error: '
run 64 swarm-sim --seconds 5 -o "$T/bad"
expect_err '^swarm-sim: error: --seconds: shorter than one segment'
