#!/usr/bin/env bash
# Crash safety: SIGKILL a program that adds and removes segments (and now
# and then a store-gc) at random moments, over and over. After every kill
# the store must check clean, or hold only leftovers that --repair removes
# (files without rows, temporary files) and never a row without its file;
# every pinned segment a writer reported added must still be there, whole.
#
# HLSWARM_CRASH_KILLS (default 200) and HLSWARM_CRASH_SECONDS (default 60)
# bound the run; scripts/stress-store runs it longer.
. "$HLSWARM_TESTS/cli/lib.sh"
S=$T/store
kills_wanted=${HLSWARM_CRASH_KILLS:-200}
seconds=${HLSWARM_CRASH_SECONDS:-60}
q() { sqlite3 "$S/store.db" "$@"; }

deadline=$(( $(date +%s) + seconds ))
kills=0 repairs=0 gc_kills=0
: >"$T/log"
while [ "$kills" -lt "$kills_wanted" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  kills=$((kills + 1))
  if [ $((kills % 5)) = 0 ] && [ -e "$S/store.db" ]; then
    store-gc --store "$S" --max-size 200K --max-idle 1h >/dev/null 2>>"$T/gc.err" &
    gc_kills=$((gc_kills + 1))
  else
    store-writer --store "$S" --room crash --seed "$kills" --bytes 2048 \
      >>"$T/log" 2>>"$T/writer.err" &
  fi
  victim=$!
  # The kill lands at a random moment of the victim's life: that is the
  # point of the test, not a wait for something.
  sleep "0.$(printf '%03d' $((RANDOM % 250)))"
  kill -KILL "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true

  [ -e "$S/store.db" ] || continue # killed before it created the store
  code=0
  store-gc --store "$S" --check --json >"$T/check" 2>"$T/check.err" || code=$?
  if [ "$code" = 65 ]; then
    # Only leftovers of an interrupted add may appear, never a lost file.
    bad=$(jq -r 'select(.problem and .problem != "orphan-file" and .problem != "stale-temporary") | .problem + " " + .file' "$T/check")
    [ -z "$bad" ] || { cat "$T/check"; fail "after kill $kills: $bad"; }
    repairs=$((repairs + 1))
    run 0 store-gc --store "$S" --repair
    run 0 store-gc --store "$S" --check
  elif [ "$code" != 0 ]; then
    cat "$T/check" "$T/check.err"
    fail "store-gc --check exited $code after kill $kills"
  fi
  # Every pinned segment reported added is still in the database.
  grep ' pinned$' "$T/log" | cut -d' ' -f2 | sort >"$T/pinned.want" || true
  q "SELECT s.infohash FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned ORDER BY 1" >"$T/pinned.have"
  lost=$(comm -23 "$T/pinned.want" "$T/pinned.have" | head -3)
  [ -z "$lost" ] || fail "after kill $kills: pinned segments lost: $lost"
done

# Whatever a writer reported removed is gone; pinned files are whole.
grep '^removed ' "$T/log" | cut -d' ' -f2 | sort >"$T/removed" || true
q "SELECT infohash FROM segment_files ORDER BY 1" >"$T/all"
back=$(comm -12 "$T/removed" "$T/all" | head -3)
[ -z "$back" ] || fail "removed segments came back: $back"
pinned=0
while read -r infohash file bytes; do
  [ "$(head -c 64 "$S/$file")" = "$infohash" ] || fail "$file does not hold $infohash"
  [ "$(stat -c %s "$S/$file")" = "$bytes" ] || fail "$file is not $bytes bytes"
  pinned=$((pinned + 1))
done < <(q -separator ' ' "SELECT s.infohash, s.file, s.bytes FROM segment_files s JOIN rooms r ON r.id = s.room WHERE r.pinned")
# A writer killed between its commit and its line leaves one more than it
# reported; never fewer.
[ "$pinned" -ge "$(wc -l <"$T/pinned.want")" ] || fail "pinned segments lost"
! grep -i 'locked\|internal error' "$T/writer.err" "$T/gc.err" 2>/dev/null || fail "errors above"
[ "$kills" -ge 50 ] || fail "only $kills kills in ${seconds}s"
note "$kills kills ($gc_kills of store-gc), $repairs needed --repair;" \
     "$(grep -c '^added' "$T/log") segments added, $pinned pinned verified"
