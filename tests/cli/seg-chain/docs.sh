# Every option in seg-chain's --help (and its subcommands') is in the man
# page and in the bash, zsh and fish completions.
source "$HLSWARM_TESTS/cli/lib.sh"
check_docs seg-chain verify key
