#!/usr/bin/env bash
# Two writers and store-gc (pruning and checking in turns) on one store at
# once: no "database is locked", no fault reported while they run, and
# nothing lost: the store ends up holding exactly what was added, minus
# what the writers removed and what store-gc reported evicting.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store
q() { sqlite3 "$S/store.db" "$@"; }

# Create the store first so the gc loop has something to open.
run 0 store-writer --store "$S" --room zero --seed 9 --adds 5 --remove-every 0
cp "$T/out" "$T/w0"

store-writer --store "$S" --room one --seed 1 --adds 400 --remove-every 3 >"$T/w1" 2>"$T/w1.err" &
w1=$!
store-writer --store "$S" --room two --seed 2 --adds 400 --remove-every 3 >"$T/w2" 2>"$T/w2.err" &
w2=$!

rounds=0 checks=0
: >"$T/gc"
deadline=$(( $(date +%s) + 240 ))
while kill -0 "$w1" 2>/dev/null || kill -0 "$w2" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "writers still running after 240s"
  rounds=$((rounds + 1))
  store-gc --store "$S" --max-size 150K --json >>"$T/gc" 2>>"$T/gc.err" ||
    { cat "$T/gc.err"; fail "store-gc failed in round $rounds"; }
  code=0
  store-gc --store "$S" --check >"$T/check" 2>"$T/check.err" || code=$?
  [ "$code" = 0 ] || { cat "$T/check" "$T/check.err"; fail "--check failed while writers ran (round $rounds)"; }
  checks=$((checks + 1))
done
code1=0; wait "$w1" || code1=$?
code2=0; wait "$w2" || code2=$?
[ "$code1" = 0 ] && [ "$code2" = 0 ] || { cat "$T/w1.err" "$T/w2.err"; fail "writers exited $code1 and $code2"; }
! grep -i 'locked\|busy' "$T/w1.err" "$T/w2.err" "$T/gc.err" || fail "lock errors above"

# Nothing lost, nothing extra.
cat "$T/w0" "$T/w1" "$T/w2" | awk '$1 == "added" { print $2 }' | sort >"$T/added"
cat "$T/w0" "$T/w1" "$T/w2" | awk '$1 == "removed" { print $2 }' | sort >"$T/removed"
jq -r 'select(.infohash) | .infohash' "$T/gc" | sort >"$T/evicted"
expect_eq "$(wc -l <"$T/added")" 805 "segments added"
[ -s "$T/evicted" ] || fail "store-gc evicted nothing: the test did not test"
sort -m "$T/removed" "$T/evicted" | sort >"$T/gone"
dups=$(uniq -d "$T/gone" | head -3)
[ -z "$dups" ] || fail "removed twice: $dups"
comm -23 "$T/added" "$T/gone" >"$T/expected"
q "SELECT infohash FROM segment_files ORDER BY 1" >"$T/have"
diff "$T/expected" "$T/have" >"$T/diff" || { head "$T/diff"; fail "store differs from what was added, removed and evicted"; }
pinned=$(grep -c ' pinned$' "$T/w0" "$T/w1" "$T/w2" | awk -F: '{ s += $2 } END { print s }')
expect_eq "$(q 'SELECT count(*) FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned')" "$pinned" "pinned"
run 0 store-gc --store "$S" --check
note "$rounds gc rounds and $checks checks beside two writers;" \
     "$(wc -l <"$T/evicted") evicted, $(wc -l <"$T/removed") removed, $(wc -l <"$T/have") kept"
