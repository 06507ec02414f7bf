# Every option in peer-seed's --help is in the man page and in the bash,
# zsh and fish completions.
source "$HLSWARM_TESTS/cli/lib.sh"
check_docs peer-seed
