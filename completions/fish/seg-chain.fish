# fish completion for seg-chain
set -l commands verify key
complete -c seg-chain -f
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -a verify -d 'Check a chain file'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -a key -d 'Print the creator public key'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l key -r -F -d 'Creator key file'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l chain -r -F -d 'Chain file to append to'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l store -r -a '(__fish_complete_directories)' -d 'Store folder'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -s q -l quiet -d 'Print only warnings and errors'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l progress -d 'Force progress lines on'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l no-progress -d 'Force progress lines off'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l config -r -F -d 'Read options from this TOML file'
complete -c seg-chain -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print the version'
complete -c seg-chain -s h -l help -d 'Print the options'
complete -c seg-chain -n "__fish_seen_subcommand_from verify" -F
complete -c seg-chain -n "__fish_seen_subcommand_from verify" -l segments -r -a '(__fish_complete_directories)' -d 'Hash each segment file in DIR'
complete -c seg-chain -n "__fish_seen_subcommand_from verify" -l room -r -d 'Require this room (name or URI)'
complete -c seg-chain -n "__fish_seen_subcommand_from verify" -l ended -d 'Require the end record'
complete -c seg-chain -n "__fish_seen_subcommand_from key" -l key -r -F -d 'Key file'
