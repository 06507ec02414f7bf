// The viewer's policy: how many peers a segment is fetched from, when the
// origin is asked, how long a segment waits before the DHT is read, what
// stays seeded. One place for these numbers and decisions, read by the
// viewer (room_viewer.cpp) and by anything that models it (the simulation
// in sim/), so a model cannot drift from the program.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hlswarm::viewer_policy {

/// At most this many peers feed one segment at once (peer-fetch --max-peers).
inline constexpr int default_max_peers = 8;

/// How long a deadline the next segment's pieces get: the player needs it
/// now, so every piece is time-critical; later segments get the ordinary
/// picker (rarest first), which spreads pieces over the swarm.
inline constexpr std::chrono::milliseconds next_segment_deadline{500};

/// Torrents of segments already handed over stay seeded for this many
/// segments (others fetch them a little behind us), then the store keeps
/// them: peer-seed serves them, and so does peer-fetch while it lingers.
inline constexpr std::size_t segments_kept_seeding = 32;

/// Waiting for a record: ask the members again this often.
inline constexpr std::chrono::milliseconds want_interval{2000};

/// Joining with origin hints: a member's extension handshake carries the
/// room's head, in a round trip or two; it is waited for this long before
/// the (slower) DHT lookup.
inline constexpr std::chrono::milliseconds head_from_members_wait{1000};

/// Nothing new on the channel for this many segment durations: read the
/// room head on the DHT once (the slow fallback).
inline constexpr int head_fallback_segments = 3;

/// For each segment, the origin_first_fetchers members (this node
/// included) whose SHA-256(info dict, listen endpoint) is lowest fetch it
/// from the origin at once; every member ranks the same way from the
/// members connected to its room channel, with no message exchanged. The
/// others add the origin only when no member has sent them anything for
/// origin_wait. So the first
/// viewers of a segment fetch it from the origin and the rest from them,
/// and the origin uploads each segment a little more than once. One, not
/// two: measured on loopback (bench-swarm-live, 80 s of 2 Mbit/s), two
/// first fetchers made the origin send 1.33x the stream at 8 viewers and
/// 2.06x at 16 (the two fetch the same pieces from it at once), one sent
/// 1.07x and 1.50x, at the same delay at 8 viewers (median 320 against
/// 340 ms, 99th percentile 783 against 760 ms).
inline constexpr std::size_t origin_first_fetchers = 1;
inline constexpr std::chrono::milliseconds origin_wait{300};

/// The origin's side of it: the creator serves each new segment of a live
/// room to at most this many viewers at once. Viewers past the limit are
/// turned away (libtorrent keeps the highest BEP 40 ranks) and fetch from
/// those it serves. Without it, every viewer that waited origin_wait for
/// a member joins the origin, and a home uplink is split among all of
/// them. Simulated on home connections (sim/, BENCHMARKS.md; 200 viewers,
/// 20% churn a minute, 64 s; creator's upload in copies of the stream,
/// delay median / 99th percentile): no limit 3.55x, 18.8 / 22.4 s; 8:
/// 3.54x, 5.0 / 6.7 s; 4: 3.24x, 4.5 / 5.7 s; 2: 2.74x, 5.3 / 6.8 s. At
/// 1,000 viewers without a limit no segment reached anyone while live;
/// with 4, 1,012 of 1,014 viewers got every segment (4.13x, 6.3 / 8.0 s).
/// Super-seeding as well would give 2.89x, 3.6 / 4.1 s at 200, but
/// libtorrent 2.0.8's leaves a downloader of a v2 torrent one piece short
/// (a 4-piece segment stalled in every one of 14 tries): not used.
inline constexpr int origin_max_connections = 4;

/// Whether the member listening at `self` is among the first fetchers of
/// the segment whose info dict is `info_dict`, given the other members'
/// endpoints ("ip:port"). `fetchers` other than origin_first_fetchers is
/// for models that measure another count (sim/).
bool fetches_from_origin_first(std::string_view info_dict, const std::string &self,
                               const std::vector<std::string> &others,
                               std::size_t fetchers = origin_first_fetchers);

} // namespace hlswarm::viewer_policy
