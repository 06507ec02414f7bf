// room-announce channel and room-announce pinners: what a creator's channel
// lists, and which distributors offer to keep rooms, read from the network
// as anybody would read them.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/net/network_options.hpp"

namespace hlswarm {

/// A creator named on the command line: 64 hex digits, a channel URI
/// hlswarm://KEY[/][?x.pe=...], or any room URI of theirs (its name is
/// ignored). Error(usage) otherwise.
struct CreatorArgument {
  PublicKey creator{};
  std::vector<std::string> origin_hints; ///< x.pe values
};
CreatorArgument parse_creator_argument(std::string_view text);

/// Options of `room-announce channel KEY|URI`.
struct ChannelOptions {
  std::string creator; ///< as parse_creator_argument reads it
  NetworkOptions network; ///< listen default: any_free_port
  std::chrono::milliseconds timeout = std::chrono::seconds(20);
  bool json = false;
};

/// Reads the creator's channel and prints its rooms (text, or one JSON
/// object). Error(unavailable) when it cannot be read within the timeout.
Exit show_channel(const ChannelOptions &options, std::FILE *out);

/// Options of `room-announce pinners`.
struct PinnersOptions {
  NetworkOptions network; ///< listen default: any_free_port
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  bool json = false;
};

/// Finds the distributors' offers and prints them cheapest first (text,
/// or one JSON object). Error(unavailable) when none is found.
Exit show_pinners(const PinnersOptions &options, std::FILE *out);

} // namespace hlswarm
