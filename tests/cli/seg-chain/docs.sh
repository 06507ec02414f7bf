# Every option in seg-chain's --help (and its subcommands') is in the man
# page and in the bash, zsh and fish completions.
source "$HLSWARM_TESTS/cli/lib.sh"
top=$(cd "$HLSWARM_TESTS/.." && pwd)

options=$( { seg-chain --help; seg-chain verify --help; seg-chain key --help; } |
  grep -oE -- '--[a-z][a-z-]+' | sort -u)
[ -n "$options" ] || fail "no options found in --help"
for option in $options; do
  [ "$option" = --help ] && continue
  grep -qF -- "${option//-/\\-}" "$top/man/seg-chain.1" || fail "man/seg-chain.1 lacks $option"
  grep -qF -- "$option" "$top/completions/bash/seg-chain" || fail "bash completion lacks $option"
  grep -qF -- "$option" "$top/completions/zsh/_seg-chain" || fail "zsh completion lacks $option"
  grep -qF -- "-l ${option#--}" "$top/completions/fish/seg-chain.fish" || fail "fish completion lacks $option"
done
for section in "EXIT STATUS" EXAMPLES; do
  grep -q "^\.SH $section" "$top/man/seg-chain.1" || fail "man page lacks $section"
done
bash -n "$top/completions/bash/seg-chain"
if command -v zsh >/dev/null; then zsh -n "$top/completions/zsh/_seg-chain"; fi
if command -v fish >/dev/null; then fish -n "$top/completions/fish/seg-chain.fish"; fi
