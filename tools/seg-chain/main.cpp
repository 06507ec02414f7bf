// seg-chain: every segment becomes a signed record linked to the one before.
//
//   seg-split -o SEGDIR in.ts | seg-chain ROOM | room-announce ROOM
//   seg-chain verify CHAIN [--segments DIR]
//   seg-chain key
#include <unistd.h>

#include "hlswarm/chain/seg_chain.hpp"
#include "hlswarm/base/tool.hpp"

#include <fmt/format.h>

int main(int argc, char **argv) {
  hlswarm::Tool tool("seg-chain",
                     "Hash each segment from seg-split as a BitTorrent v2 "
                     "torrent, sign its record, append it to the room's "
                     "chain file and print it");
  CLI::App &app = tool.app();
  tool.add_store_option();

  hlswarm::ChainOptions chain;
  std::string key_file, chain_file;
  app.add_option("ROOM", chain.room,
                 "Room name, or room URI hlswarm://KEY/NAME whose KEY is "
                 "this creator's");
  app.add_option("--key", key_file,
                 "Creator key file (default: $XDG_CONFIG_HOME/hlswarm/"
                 "identity.key, created on first use)")
      ->type_name("FILE");
  app.add_option("--chain", chain_file,
                 "Chain file to append to (default: STORE/chains/KEY/"
                 "NAME.chain)")
      ->type_name("FILE");

  hlswarm::VerifyOptions verify;
  std::string segments;
  CLI::App *verify_command = app.add_subcommand(
      "verify", "Check a chain file: signatures, links, seq order and "
                "readable fields, optionally the segment files");
  verify_command
      ->add_option("CHAIN", verify.chain,
                   "Chain file to check, or - for standard input")
      ->required();
  verify_command
      ->add_option("--segments", segments,
                   "Also hash each segment file found in DIR by its name "
                   "and compare it with its record")
      ->type_name("DIR");
  verify_command
      ->add_option("--room", verify.room,
                   "Require the chain to be this room: a room URI, or a room "
                   "name of this creator (--key)")
      ->type_name("ROOM");
  verify_command->add_flag("--ended", verify.require_end,
                           "Require the end record (a finished broadcast "
                           "cut short fails)");

  CLI::App *key_command = app.add_subcommand(
      "key", "Print the creator public key (creating the key file if missing)");
  key_command->add_option("--key", key_file, "Key file (default as above)")
      ->type_name("FILE");
  app.require_subcommand(0, 1);
  // -q, --config... also after "verify" or "key".
  verify_command->fallthrough();
  key_command->fallthrough();

  return tool.run(argc, argv, [&]() -> hlswarm::Exit {
    std::optional<std::filesystem::path> key;
    if (!key_file.empty())
      key = key_file;
    // Fallthrough (for -q and --config after a subcommand) also hands a
    // stray word to ROOM: refuse it rather than ignore it.
    if ((*verify_command || *key_command) && !chain.room.empty())
      throw hlswarm::Error(hlswarm::Exit::usage,
                           fmt::format("unexpected argument '{}'", chain.room));
    if (*verify_command) {
      if (!segments.empty())
        verify.segments = segments;
      verify.key_file = key;
      return hlswarm::verify_chain(verify, stdout);
    }
    if (*key_command)
      return hlswarm::show_key(key, stdout);
    if (chain.room.empty())
      throw hlswarm::Error(hlswarm::Exit::usage,
                           "a ROOM (name or room URI) is required; see "
                           "'seg-chain --help'");
    chain.key_file = key;
    if (!chain_file.empty())
      chain.chain_file = std::filesystem::path(chain_file);
    chain.store = tool.common().store;
    return hlswarm::chain_segments(chain, STDIN_FILENO, stdout);
  });
}
