#!/usr/bin/env bash
# Every option of store-gc --help is in its man page and its completions.
. "$HLSWARM_TESTS/cli/lib.sh"
src=$HLSWARM_TESTS/..

run 0 store-gc --help
options=$(grep -oE -- '--[a-z][a-z-]+' "$T/out" | sort -u)
[ -n "$options" ] || fail "no options in --help"
for option in $options; do
  grep -q -- "$(printf '%s' "$option" | sed 's/-/\\\\-/g')" "$src/man/store-gc.1" ||
    fail "$option missing from man/store-gc.1"
  grep -q -- "$option" "$src/completions/bash/store-gc" || fail "$option missing from bash completion"
  grep -q -- "$option" "$src/completions/zsh/_store-gc" || fail "$option missing from zsh completion"
  grep -q -- "-l ${option#--}\b" "$src/completions/fish/store-gc.fish" || fail "$option missing from fish completion"
done
for section in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' EXAMPLES; do
  grep -q "^\.SH $section" "$src/man/store-gc.1" || fail "man page lacks $section"
done
man -l "$src/man/store-gc.1" >/dev/null 2>&1 || note "man not usable here; page not rendered"
bash -n "$src/completions/bash/store-gc"
