# SIGINT: seg-chain keeps reading until its input ends, so the last segment
# and seg-split's end line still become records; without an end of input it
# gives up after the drain time. Exit 130 either way.
source "$HLSWARM_TESTS/cli/lib.sh"
source "$HLSWARM_TESTS/cli/seg-chain/segments.sh"

make_segments "$T/seg" 8
n=$(wc -l < "$T/seg/lines")

mkfifo "$T/fifo"
seg-chain --store "$T/a.store" --chain "$T/a.chain" room < "$T/fifo" > "$T/a.out" 2> "$T/a.err" &
pid=$!
exec 3> "$T/fifo"
head -1 "$T/seg/lines" >&3
wait_for 10 test -s "$T/a.out"
kill -INT "$pid"
# After the signal: the rest of the segments and the end line still arrive.
tail -n +2 "$T/seg/lines" >&3
end_line "$n" >&3
exec 3>&-
status=0; wait "$pid" || status=$?
expect_eq "$status" 130 "exit after SIGINT"
expect_eq "$(wc -l < "$T/a.chain")" $((n + 1)) "records after SIGINT"
tail -1 "$T/a.chain" | grep -q '"end":true' || fail "no end record"
run 0 seg-chain verify "$T/a.chain" --ended

# The upstream never closes: seg-chain stops after the drain time (5 s).
rm "$T/fifo"; mkfifo "$T/fifo"
seg-chain --store "$T/b.store" --chain "$T/b.chain" room < "$T/fifo" > "$T/b.out" 2> "$T/b.err" &
pid=$!
exec 3> "$T/fifo"
head -1 "$T/seg/lines" >&3
wait_for 10 test -s "$T/b.out"
kill -TERM "$pid"
wait_for 15 sh -c "! kill -0 $pid 2>/dev/null"
status=0; wait "$pid" || status=$?
exec 3>&-
expect_eq "$status" 130 "exit after SIGTERM with no end of input"
grep -q "input did not end within the drain time" "$T/b.err" || fail "$(cat "$T/b.err")"
run 0 seg-chain verify "$T/b.chain"
