# Every option in room-announce's --help (and its subcommands') is in the
# man page and in the bash, zsh and fish completions.
source "$HLSWARM_TESTS/cli/lib.sh"
check_docs room-announce create status channel pinners torrents
