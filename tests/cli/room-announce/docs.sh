# Every option in room-announce's --help (and its subcommands') is in the man
# page and in the bash, zsh and fish completions.
source "$HLSWARM_TESTS/cli/lib.sh"
top=$(cd "$HLSWARM_TESTS/.." && pwd)

options=$( { room-announce --help; room-announce create --help; room-announce status --help; } |
  grep -oE -- '--[a-z][a-z-]+' | sort -u)
[ -n "$options" ] || fail "no options found in --help"
for option in $options; do
  [ "$option" = --help ] && continue
  grep -qF -- "${option//-/\\-}" "$top/man/room-announce.1" || fail "man/room-announce.1 lacks $option"
  grep -qF -- "$option" "$top/completions/bash/room-announce" || fail "bash completion lacks $option"
  grep -qF -- "$option" "$top/completions/zsh/_room-announce" || fail "zsh completion lacks $option"
  grep -qF -- "-l ${option#--}" "$top/completions/fish/room-announce.fish" || fail "fish completion lacks $option"
done
for section in "EXIT STATUS" EXAMPLES; do
  grep -q "^\.SH $section" "$top/man/room-announce.1" || fail "man page lacks $section"
done
bash -n "$top/completions/bash/room-announce"
if command -v zsh >/dev/null; then zsh -n "$top/completions/zsh/_room-announce"; fi
if command -v fish >/dev/null; then fish -n "$top/completions/fish/room-announce.fish"; fi
