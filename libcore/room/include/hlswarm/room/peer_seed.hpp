// peer-seed's work: the long-running side of every peer. It serves every
// room of the store (the creator's own as their origin, the rest as a
// replica), imports folders of videos as the creator's VOD rooms, fetches
// and pins rooms (by URI, or every finished room of the creators a Super
// Content Distributor is paid by), fetches the videos of followed
// creators, and keeps the store within its quota while it runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hlswarm/base/error.hpp"
#include "hlswarm/net/network_options.hpp"

namespace hlswarm {

/// When a viewer follows a creator: watched at least `min_watches` times,
/// the last time within `within`.
struct FollowPolicy {
  std::int64_t min_watches = 3;
  std::chrono::seconds within = std::chrono::hours(24 * 30);
};

/// Options of `peer-seed`.
struct PeerSeedOptions {
  std::filesystem::path store;
  NetworkOptions network;
  /// The creator key: the store's rooms of this key are served as their
  /// origin, imports are signed with it. Default: the default key file
  /// (created by an import when missing).
  std::optional<std::filesystem::path> key_file;
  /// --for DURATION: stop after it (exit 0); nullopt: until interrupted.
  std::optional<std::chrono::milliseconds> run_for;

  // The store's policy while running (store-gc's).
  std::optional<std::uint64_t> max_size;
  std::optional<std::chrono::seconds> max_idle;
  /// How often the policy is applied.
  std::chrono::milliseconds gc_interval = std::chrono::seconds(60);

  /// --dir DIR: video files to import as VOD rooms.
  std::vector<std::filesystem::path> dirs;
  double segment_seconds = 8;

  std::vector<std::string> pin;   ///< --pin URI
  std::vector<std::string> unpin; ///< --unpin URI
  /// Creators (public keys, 64 hex digits) whose finished rooms are pinned.
  std::vector<std::string> pin_creators;

  /// A Super Content Distributor's offer, published while it runs (see
  /// hlswarm(7), DISTRIBUTOR OFFERS): the price per GB-month, as a
  /// decimal ("2.50"); nullopt: no offer. Needs max_size (the capacity).
  std::optional<std::string> offer_price;
  std::string offer_currency = "EUR";
  std::string offer_contact;

  /// Fetch and keep the videos of creators this user follows.
  bool follow = false;
  FollowPolicy follow_policy;

  /// How often creators' channels are read again (new rooms to pin or to
  /// fetch for a follower).
  std::chrono::milliseconds channel_interval = std::chrono::minutes(10);
  /// How often each room's members are looked up on the DHT.
  std::chrono::milliseconds member_interval = std::chrono::seconds(30);
  /// How long a fetch may see no progress before it is given up (and
  /// tried again on the next channel read).
  std::chrono::milliseconds give_up = std::chrono::seconds(60);
};

/// Runs peer-seed until SIGINT/SIGTERM (interrupted) or the end of --for
/// (Ok). Error(temp_fail) at once when another peer-seed serves the store.
Exit peer_seed(const PeerSeedOptions &options);

} // namespace hlswarm
