// Media timestamps made usable for cutting: one continuous, increasing
// timeline per stream (MPEG-TS wrap-around and discontinuities removed), and
// the schedule that says where segments end on it.
#pragma once

#include <cstdint>
#include <optional>

namespace hlswarm {

/// Marks a timestamp the input did not carry (FFmpeg's AV_NOPTS_VALUE).
inline constexpr std::int64_t no_timestamp = INT64_MIN;

/// One packet's timestamps on a stream's own time base.
struct PacketTimes {
  std::int64_t pts = no_timestamp;
  std::int64_t dts = no_timestamp;
  std::int64_t duration = 0; ///< 0 when unknown
};

/// Turns one stream's raw timestamps into a timeline that only goes forward
/// at the pace of the packets themselves:
/// - wrap-around of `wrap_bits`-bit timestamps (33 in MPEG-TS, about every
///   26.5 hours at 90 kHz) is unwrapped, so time keeps growing;
/// - a discontinuity (a jump backwards, or forwards by more than
///   `jump_limit` ticks, as when streams are spliced or an encoder restarts)
///   is closed up: the stream continues where its previous packet ended, so
///   no segment gets a negative or giant duration;
/// - a missing dts (Matroska leaves it out on the first packets) is derived
///   from pts conservatively: `reorder_window` below it, the most a decode
///   time can precede a presentation time, so that the real dts of the
///   packets that follow never looks like a jump backwards;
/// - missing timestamps are filled in from the previous packet.
/// Decode timestamps come out strictly increasing, as muxers require; pts
/// are kept as they come (on the corrected timeline) unless below the dts.
class StreamTimeline {
public:
  /// `wrap_bits` >= 63 means the timestamps never wrap (e.g. MP4).
  /// `reorder_window`: how far dts may lie below pts (B-frames), in ticks;
  /// 0 for streams without reordering.
  StreamTimeline(int wrap_bits, std::int64_t jump_limit,
                 std::int64_t reorder_window = 0);

  /// The corrected times of the next packet, in decode order.
  PacketTimes correct(const PacketTimes &raw);

  /// True when the last call to correct() closed up a discontinuity.
  bool last_was_discontinuity() const { return discontinuity_; }
  /// How far (in ticks) the last discontinuity jumped on the raw timeline.
  std::int64_t last_jump() const { return jump_; }

private:
  std::int64_t unwrap(std::int64_t raw, std::int64_t reference) const;

  int wrap_bits_;
  std::int64_t jump_limit_;
  std::int64_t reorder_window_;
  bool last_dts_guessed_ = false; ///< the previous dts was derived from pts
  std::optional<std::int64_t> last_unwrapped_; ///< raw dts, unwrapped
  std::int64_t offset_ = 0;    ///< added to unwrapped times
  std::int64_t last_dts_ = 0;  ///< corrected dts of the previous packet
  std::int64_t last_duration_ = 1;
  bool discontinuity_ = false;
  std::int64_t jump_ = 0;
};

/// Where segments end: at the first cut point (a keyframe of the reference
/// stream, or any packet of audio-only input) at or after the next target
/// boundary. Boundaries lie at origin + k * target on the stream's own
/// timeline, as in FFmpeg's HLS muxer, so segment ends never drift however
/// long the stream runs. When a long GOP carries a cut past several
/// boundaries, the next boundary is the first one after the cut, so no
/// segment is cut short just to catch up. All times in microseconds.
class CutSchedule {
public:
  explicit CutSchedule(std::int64_t target_us);

  /// Offers the next candidate on the reference stream. The first cut point
  /// offered starts the first segment (returns true). Later ones return true
  /// when a new segment starts at `time_us`.
  bool offer(std::int64_t time_us, bool is_cut_point);

  bool started() const { return origin_.has_value(); }
  /// The time of the first segment's start (the timeline's zero).
  std::int64_t origin() const { return origin_.value_or(0); }
  /// The boundary the current segment waits for.
  std::int64_t next_boundary() const { return next_boundary_; }

private:
  std::int64_t target_us_;
  std::optional<std::int64_t> origin_;
  std::int64_t next_boundary_ = 0;
};

} // namespace hlswarm
