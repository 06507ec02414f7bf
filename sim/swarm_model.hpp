// One live room played on SimGrid: a creator publishing a segment every
// few seconds, viewers arriving and leaving, each viewer running the
// viewer's policy (hlswarm/room/viewer_policy.hpp and RoomViewer's
// defaults, read from the same headers as peer-fetch). What the simulator
// cannot run as is, libtorrent's piece picker and choker and the DHT, is
// modelled; sim/README.md lists every simplification.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "platform.hpp"

namespace hlswarm::sim {

/// A run: the room, the audience and the network.
struct RunOptions {
  int viewers = 50;              ///< at the start
  double stream_seconds = 60;    ///< segments published for this long
  double stream_bps = 2e6;       ///< the stream's bitrate
  double segment_seconds = 8;
  double churn_per_minute = 0;   ///< share of viewers leaving (and as many joining) a minute
  double join_spread = 1;        ///< the first viewers join over this many seconds
  PlatformSpec platform;
  std::uint64_t seed = 1;
  std::uint64_t chunk_bytes = 64 * 1024; ///< the model's unit of transfer (main.cpp sets it)
  /// The creator's pipeline from a segment closing to its record leaving
  /// room-announce (seg-chain's hashing and signing): measured, not modelled.
  double record_delay = 0.061;
  /// A node's own delay before a new torrent's first connection
  /// (libtorrent's tick, adding the torrent): measured on loopback.
  double torrent_start = 0.02;
  double dht_lookup = 1.5;       ///< a DHT lookup (head read), seconds
  double drain_seconds = 20;     ///< simulated after the last segment
  // Policy experiments (defaults: the viewer's own numbers).
  int max_peers = -1;            ///< -1: viewer_policy::default_max_peers
  int origin_first = -1;         ///< -1: viewer_policy::origin_first_fetchers
  double origin_wait = -1;       ///< seconds; -1: viewer_policy::origin_wait
  bool origin_super_seed = false; ///< the creator sends every piece once before any twice
  /// The creator's connections per segment torrent (libtorrent's
  /// max_connections, with its rank replacement); 0: unlimited; -1:
  /// viewer_policy::origin_max_connections.
  int origin_connections = -1;
  /// A viewer ranks itself for the origin only once a member lookup has
  /// answered (peer-fetch ranks from the start, against an empty channel
  /// when it has just joined).
  bool rank_after_lookup = false;
};

/// One segment at one viewer.
struct Delivery {
  int viewer = 0;
  int seq = 0;
  double closed = 0;     ///< the segment closed at the creator
  double known = 0;      ///< its record reached the viewer
  double verified = 0;   ///< handed over (in seq order)
  double stall = 0;      ///< a player starting at the viewer's first segment
  bool live = false;     ///< closed after the viewer joined
  std::uint64_t origin_bytes = 0;
};

/// One viewer over the run.
struct ViewerReport {
  int viewer = 0;
  std::string region;
  double up_bps = 0, down_bps = 0;
  double joined = 0, left = -1; ///< left: -1 stayed to the end
  std::uint64_t uploaded = 0, downloaded = 0;
  int segments = 0, missing = 0; ///< handed over; not handed over while there
  int dht_lookups = 0;
  int head_fallbacks = 0;
};

/// What a run produced.
struct RunResult {
  int segments = 0;
  std::uint64_t segment_bytes = 0;
  std::uint64_t creator_uploaded = 0;
  std::vector<std::uint64_t> creator_by_segment;
  std::vector<Delivery> deliveries;
  std::vector<ViewerReport> viewers;
  int peak_origin_connections = 0; ///< segment torrents' connections to the creator, at once
  /// Fetches that went to the origin at once (origin-first), all segments.
  int first_fetchers = 0;
  double simulated_seconds = 0;
  double wall_seconds = 0;
};

/// Runs the simulation (SimGrid's engine lives for this call; `engine_args`
/// are its --cfg options). Not reentrant: one run per process.
RunResult run_swarm(const RunOptions &options, const std::vector<std::string> &engine_args);

} // namespace hlswarm::sim
