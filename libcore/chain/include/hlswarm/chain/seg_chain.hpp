// seg-chain's work: turn seg-split's segment lines into signed, linked
// records appended to the chain file; verify a chain file; show the key.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"

namespace hlswarm {

/// Options of `seg-chain ROOM`.
struct ChainOptions {
  std::string room; ///< a room name, or a room URI whose key must be ours
  std::optional<std::filesystem::path> key_file; ///< default: created if missing
  std::optional<std::filesystem::path> chain_file; ///< default: in the store
  std::filesystem::path store;
  std::chrono::milliseconds drain = std::chrono::seconds(5);
};

/// The room `text` names for this creator: a room name, or a room URI
/// whose key must be `identity`'s. Error(usage) otherwise.
Room room_from_argument(const std::string &text, const Identity &identity);

/// The default chain file of `room`:
///   <store>/chains/<creator key hex>/<percent-encoded name>.chain
std::filesystem::path default_chain_path(const std::filesystem::path &store,
                                         const Room &room);

/// Reads seg-split lines from `input_fd` and for each segment hashes the
/// file, signs and appends its record, then prints the chain line on `out`.
/// seg-split's seq must run 0, 1, 2... in this run (a gap is Error(data));
/// the chain's own seq continues from the chain file's last record, and the
/// media timeline with it (start = end of the last segment + seg-split's
/// start; the first segment after a restart is marked discontinuity).
/// A line with "init" (fMP4) gets init_seq, the seq of the chain's newest
/// init record when that holds the same bytes, else of an init record
/// appended (and printed) just before the segment's.
/// seg-split's end line appends the end record; end of input without it
/// leaves the chain open. Returns interrupted after SIGINT/SIGTERM.
Exit chain_segments(const ChainOptions &options, int input_fd, std::FILE *out);

/// Options of `seg-chain verify CHAIN`.
struct VerifyOptions {
  std::filesystem::path chain;
  std::optional<std::filesystem::path> segments; ///< folder of segment files
  /// The room it must be: a room URI, or a room name of `key_file`'s
  /// creator.
  std::optional<std::string> room;
  /// The key file whose creator a room name means (default: the default
  /// key file); read only for a room name, never created.
  std::optional<std::filesystem::path> key_file;
  bool require_end = false; ///< must have its end record
};

/// Checks every line, signature and link of a chain file (and with
/// `segments` every segment and init segment file's v2 hash); prints a
/// summary line.
/// Error(data) names the first broken line and seq and why; Error(usage)
/// for a bad room, Error(no_input) for a missing chain, segments folder or
/// (with a room name) key file.
Exit verify_chain(const VerifyOptions &options, std::FILE *out);

/// Prints the public key of the key file (creating it if missing).
Exit show_key(const std::optional<std::filesystem::path> &key_file,
              std::FILE *out);

} // namespace hlswarm
