#!/usr/bin/env bash
# store-gc --check and --repair: a good store, missing and stray files,
# a damaged database.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store
q() { sqlite3 "$S/store.db" "$@"; }

run 0 store-writer --store "$S" --adds 20 --pinned-every 2 --remove-every 0 --bytes 500
run 0 store-gc --store "$S" --check
expect_out '^store is consistent: 20 segments, 20 files$'
run 0 store-gc --store "$S" --check --json
tail -n1 "$T/out" | jq -e '.v == 1 and .end and .consistent and .problems == 0 and .segments == 20' >/dev/null ||
  fail "bad check summary"

# A segment file deleted by hand, a stray file, a stale temporary file.
pinned=$(q "SELECT s.file FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned LIMIT 1")
rm "$S/$pinned"
stray=$S/segments/ee/$(printf 'e%.0s' $(seq 64)).ts
mkdir -p "$(dirname "$stray")"; echo stray >"$stray"
echo half >"$S/segments/ee/.x.ts.tmp-999999999"
before=$(cd "$S" && find . -type f ! -name 'store.db-*' | sort | xargs sha256sum)

run 65 store-gc --store "$S" --check
expect_out "^missing-file: $pinned: the file is missing$"
expect_out '^orphan-file: segments/ee/e{64}\.ts: 6 bytes, no row refers to it$'
expect_out '^stale-temporary: segments/ee/\.x\.ts\.tmp-999999999: '
expect_out '^checked 20 segments, 21 files: 3 problems, 0 repaired$'
expect_err 'store-gc: error: .*: the store is broken \(try --repair\)'
expect_eq "$(cd "$S" && find . -type f ! -name 'store.db-*' | sort | xargs sha256sum)" "$before" "store after --check"

run 65 store-gc --store "$S" --check --json
expect_eq "$(jq -c 'select(.problem) | [.problem, .pinned, .repaired]' "$T/out" | sort | tr '\n' ' ')" \
  '["missing-file",true,false] ["orphan-file",false,false] ["stale-temporary",false,false] ' "problems"
jq -e -s 'all(.v == 1)' "$T/out" >/dev/null || fail "a line without v"

run 0 store-gc --store "$S" --repair
expect_out "^missing-file: $pinned: the file is missing; row dropped \(pinned data lost\)$"
expect_out '3 problems, 3 repaired'
[ ! -e "$stray" ] || fail "stray file not removed"
run 0 store-gc --store "$S" --check
expect_out '^store is consistent: 19 segments, 19 files$'

# A damaged segment (wrong size) is dropped, its file removed.
file=$(q "SELECT file FROM segment_files LIMIT 1")
echo "extra" >>"$S/$file"
run 65 store-gc --store "$S" --check
expect_out "^size-mismatch: $file: "
run 0 store-gc --store "$S" --repair --json
jq -e -s '[.[] | select(.problem)] | length == 1 and all(.repaired)' "$T/out" >/dev/null || fail "not repaired"
[ ! -e "$S/$file" ] || fail "damaged file kept"
run 0 store-gc --store "$S" --check

# A damaged database: bytes overwritten in the middle of the file.
pages=$(q "PRAGMA page_count")
[ "$pages" -ge 4 ] || fail "database too small to damage: $pages pages"
printf 'garbage%.0s' $(seq 300) | dd of="$S/store.db" bs=4096 seek=$((pages - 2)) conv=notrunc status=none
run 65 store-gc --store "$S" --check
expect_err '^store-gc: error: '
run 65 store-gc --store "$S" --repair
