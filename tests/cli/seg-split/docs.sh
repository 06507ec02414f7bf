# Every option in --help is in the man page and in the bash, zsh and fish
# completions; bash completes options and --format values.
. "$(dirname "$0")/../lib.sh"

top=$HLSWARM_TESTS/..
run 0 seg-split --help
options=$(grep -oE -- '--[a-z][a-z-]+' "$T/out" | sort -u)
[ -n "$options" ] || fail "no options in --help"
for option in $options; do
  escaped=$(sed 's/-/\\\\-/g' <<<"$option")
  grep -q -- "$escaped" "$top/man/seg-split.1" || fail "$option not in man/seg-split.1"
  grep -q -- "$option" "$top/completions/bash/seg-split" || fail "$option not in the bash completion"
  grep -q -- "$option" "$top/completions/zsh/_seg-split" || fail "$option not in the zsh completion"
  grep -q -- "-l ${option#--}\b" "$top/completions/fish/seg-split.fish" || fail "$option not in the fish completion"
done
for section in EXAMPLES 'EXIT STATUS'; do
  grep -q "^\.SH $section" "$top/man/seg-split.1" || fail "man page lacks $section"
done

# bash: complete "seg-split --fo" and "seg-split --format ".
complete_words() {
  bash -c '
    . /usr/share/bash-completion/bash_completion
    . "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _seg_split seg-split "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$top/completions/bash/seg-split" "$@"
}
expect_eq "$(complete_words seg-split --fo)" "--format" "completion of --fo"
expect_eq "$(complete_words seg-split --format '' | sort | tr '\n' ' ')" "fmp4 mpegts " "completion of --format"
