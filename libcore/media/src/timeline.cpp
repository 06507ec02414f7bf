#include "hlswarm/media/timeline.hpp"

#include <algorithm>

namespace hlswarm {

StreamTimeline::StreamTimeline(int wrap_bits, std::int64_t jump_limit,
                               std::int64_t reorder_window)
    : wrap_bits_(wrap_bits), jump_limit_(std::max<std::int64_t>(jump_limit, 1)),
      reorder_window_(std::max<std::int64_t>(reorder_window, 0)) {}

std::int64_t StreamTimeline::unwrap(std::int64_t raw,
                                    std::int64_t reference) const {
  if (wrap_bits_ >= 63)
    return raw;
  // The raw value is only known modulo 2^bits (FFmpeg may or may not have
  // added one wrap itself), so take the step from the reference modulo 2^bits
  // and read it as the smallest signed step.
  const std::int64_t range = std::int64_t{1} << wrap_bits_;
  std::int64_t step = (raw - reference) % range;
  if (step < 0)
    step += range;
  if (step >= range / 2)
    step -= range;
  return reference + step;
}

PacketTimes StreamTimeline::correct(const PacketTimes &raw) {
  discontinuity_ = false;
  jump_ = 0;
  const bool first = !last_unwrapped_.has_value();
  const std::int64_t expected = last_dts_ + last_duration_;

  PacketTimes out;
  bool nudged = false;
  const bool guessed = raw.dts == no_timestamp && raw.pts != no_timestamp;
  // A guessed dts lies at or below the true one: a later real dts is then
  // never behind it by more than the window, and pts stay as they are.
  std::int64_t raw_dts = guessed ? raw.pts - reorder_window_ : raw.dts;
  if (raw_dts == no_timestamp) {
    // Nothing to go by: the packet follows the previous one.
    out.dts = first ? 0 : expected;
    out.pts = out.dts;
    if (first)
      last_unwrapped_ = 0;
    else
      *last_unwrapped_ += last_duration_;
  } else {
    std::int64_t unwrapped =
        first ? raw_dts : unwrap(raw_dts, *last_unwrapped_);
    last_unwrapped_ = unwrapped;
    std::int64_t dts = unwrapped + offset_;
    if (!first) {
      const bool backwards = dts <= last_dts_;
      // Within a frame (jitter, rounding) a step back is no discontinuity;
      // next to a guessed dts, within the reorder window neither: the
      // guess may have been a little high.
      const std::int64_t tolerance =
          last_duration_ +
          (guessed || last_dts_guessed_ ? reorder_window_ : 0);
      const bool slightly_backwards =
          backwards && last_dts_ - dts < tolerance;
      if (slightly_backwards) {
        // Jitter of less than a frame (equal dts, rounding): nudge this one
        // packet forward rather than shift the whole stream.
        dts = last_dts_ + 1;
        nudged = true;
      } else if (backwards || dts - expected > jump_limit_) {
        jump_ = dts - expected;
        offset_ -= jump_;
        dts = expected;
        discontinuity_ = true;
      }
    }
    std::int64_t pts = dts;
    if (raw.pts != no_timestamp) {
      // pts is unwrapped against this packet's own dts: the two are close.
      pts = unwrap(raw.pts, unwrapped) + offset_;
      pts = std::max(pts, dts);
    }
    out.dts = dts;
    out.pts = pts;
  }

  std::int64_t step = out.dts - last_dts_;
  if (raw.duration > 0)
    last_duration_ = raw.duration;
  else if (!first && step > 0 && !discontinuity_ && !nudged)
    last_duration_ = step;
  out.duration = raw.duration > 0 ? raw.duration : last_duration_;
  last_dts_ = out.dts;
  last_dts_guessed_ = guessed;
  return out;
}

CutSchedule::CutSchedule(std::int64_t target_us)
    : target_us_(std::max<std::int64_t>(target_us, 1)) {}

bool CutSchedule::offer(std::int64_t time_us, bool is_cut_point) {
  if (!is_cut_point)
    return false;
  if (!origin_) {
    origin_ = time_us;
    next_boundary_ = time_us + target_us_;
    return true;
  }
  if (time_us < next_boundary_)
    return false;
  // The first boundary strictly after this cut: origin + k * target, never
  // an accumulated sum, so rounding cannot drift.
  std::int64_t k = (time_us - *origin_) / target_us_ + 1;
  next_boundary_ = *origin_ + k * target_us_;
  return true;
}

} // namespace hlswarm
