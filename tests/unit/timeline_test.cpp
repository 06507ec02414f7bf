#include "hlswarm/media/timeline.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace hlswarm;

namespace {

constexpr std::int64_t frame = 3600;        // 25 fps at 90 kHz
constexpr std::int64_t ten_seconds = 900000; // at 90 kHz
constexpr std::int64_t wrap = std::int64_t{1} << 33;

/// Feeds dts values (pts = dts) and returns the corrected dts values.
std::vector<std::int64_t> corrected(StreamTimeline &timeline,
                                    const std::vector<std::int64_t> &dts) {
  std::vector<std::int64_t> out;
  for (std::int64_t d : dts)
    out.push_back(timeline.correct({d, d, frame}).dts);
  return out;
}

} // namespace

TEST(StreamTimeline, LeavesAContinuousStreamAlone) {
  StreamTimeline timeline(33, ten_seconds);
  EXPECT_EQ(corrected(timeline, {126000, 129600, 133200, 136800}),
            (std::vector<std::int64_t>{126000, 129600, 133200, 136800}));
  EXPECT_FALSE(timeline.last_was_discontinuity());
}

TEST(StreamTimeline, UnwrapsThe33BitWrapAround) {
  StreamTimeline timeline(33, ten_seconds);
  auto out = corrected(timeline, {wrap - 2 * frame, wrap - frame, 0, frame});
  EXPECT_EQ(out, (std::vector<std::int64_t>{wrap - 2 * frame, wrap - frame,
                                            wrap, wrap + frame}));
  EXPECT_FALSE(timeline.last_was_discontinuity());
}

TEST(StreamTimeline, UnwrapsValuesFfmpegAlreadyShiftedByOneWrap) {
  // libavformat adds 2^33 to timestamps after its wrap reference; mixed
  // shifted and unshifted values must still read as one timeline.
  StreamTimeline timeline(33, ten_seconds);
  auto out = corrected(timeline, {wrap - frame, wrap, frame, wrap + 2 * frame});
  EXPECT_EQ(out, (std::vector<std::int64_t>{wrap - frame, wrap, wrap + frame,
                                            wrap + 2 * frame}));
}

TEST(StreamTimeline, KeepsGoingOverManyWraps) {
  StreamTimeline timeline(33, ten_seconds);
  std::int64_t last = 0;
  // One packet a second for four wraps (about 106 hours of stream).
  for (std::int64_t t = 0; t < 4 * wrap; t += 90000) {
    std::int64_t out = timeline.correct({t % wrap, t % wrap, 90000}).dts;
    ASSERT_EQ(out, t);
    last = out;
  }
  EXPECT_GT(last, 3 * wrap);
}

TEST(StreamTimeline, ClosesUpAJumpBackwards) {
  StreamTimeline timeline(33, ten_seconds);
  auto out = corrected(timeline, {900000, 903600, 907200, 1000, 4600});
  EXPECT_EQ(out, (std::vector<std::int64_t>{900000, 903600, 907200, 910800,
                                            914400}));
}

TEST(StreamTimeline, ClosesUpAJumpFarForwards) {
  StreamTimeline timeline(33, ten_seconds);
  timeline.correct({0, 0, frame});
  timeline.correct({frame, frame, frame});
  PacketTimes t = timeline.correct({frame + 100 * ten_seconds,
                                    frame + 100 * ten_seconds, frame});
  EXPECT_TRUE(timeline.last_was_discontinuity());
  EXPECT_EQ(t.dts, 2 * frame);
  EXPECT_EQ(timeline.last_jump(), 100 * ten_seconds - frame);
  EXPECT_EQ(timeline.correct({2 * frame + 100 * ten_seconds,
                              2 * frame + 100 * ten_seconds, frame})
                .dts,
            3 * frame);
}

TEST(StreamTimeline, KeepsAShortGap) {
  StreamTimeline timeline(33, ten_seconds);
  auto out = corrected(timeline, {0, frame, 5 * 90000});
  EXPECT_EQ(out.back(), 5 * 90000);
  EXPECT_FALSE(timeline.last_was_discontinuity());
}

TEST(StreamTimeline, NudgesAnEqualDtsWithoutShiftingTheStream) {
  StreamTimeline timeline(64, ten_seconds);
  auto out = corrected(timeline, {0, frame, frame, 3 * frame});
  EXPECT_EQ(out, (std::vector<std::int64_t>{0, frame, frame + 1, 3 * frame}));
}

TEST(StreamTimeline, KeepsPtsAheadOfDtsAcrossAWrap) {
  StreamTimeline timeline(33, ten_seconds);
  timeline.correct({wrap - 2 * frame, wrap - 3 * frame, frame});
  // B-frame reordering: pts already wrapped, dts not yet.
  PacketTimes t = timeline.correct({frame, wrap - 2 * frame, frame});
  EXPECT_EQ(t.dts, wrap - 2 * frame);
  EXPECT_EQ(t.pts, wrap + frame);
}

TEST(StreamTimeline, FillsInMissingTimestamps) {
  StreamTimeline timeline(33, ten_seconds);
  timeline.correct({1000, 1000, frame});
  PacketTimes t = timeline.correct({no_timestamp, no_timestamp, 0});
  EXPECT_EQ(t.dts, 1000 + frame);
  EXPECT_EQ(t.pts, 1000 + frame);
  EXPECT_EQ(t.duration, frame);
  // Only pts: dts follows it.
  t = timeline.correct({1000 + 2 * frame, no_timestamp, frame});
  EXPECT_EQ(t.dts, 1000 + 2 * frame);
}

TEST(StreamTimeline, NeverGoesBackwardsWhateverComesIn) {
  StreamTimeline timeline(33, ten_seconds);
  std::int64_t last = INT64_MIN;
  std::uint64_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::int64_t raw = static_cast<std::int64_t>(state >> 31) % wrap;
    PacketTimes t = timeline.correct({raw, raw, frame});
    ASSERT_GT(t.dts, last);
    ASSERT_LE(t.dts - (last == INT64_MIN ? t.dts : last), ten_seconds + frame);
    last = t.dts;
  }
}

TEST(CutSchedule, CutsOnEveryBoundaryWithARegularGop) {
  CutSchedule schedule(8'000'000);
  std::vector<std::int64_t> cuts;
  for (std::int64_t t = 1'400'000; t < 31'400'000; t += 2'000'000)
    if (schedule.offer(t, true))
      cuts.push_back(t);
  EXPECT_EQ(cuts, (std::vector<std::int64_t>{1'400'000, 9'400'000, 17'400'000,
                                             25'400'000}));
  EXPECT_EQ(schedule.origin(), 1'400'000);
}

TEST(CutSchedule, CutsAtTheFirstKeyframeAfterTheBoundaryWithoutDrift) {
  // Keyframes every 3 s, target 8 s: cuts at 9, 18, 24 (boundaries 8, 16,
  // 24), not at 9, 18, 27 as a "cut + 8 s" rule would drift to.
  CutSchedule schedule(8'000'000);
  std::vector<std::int64_t> cuts;
  for (std::int64_t t = 0; t <= 30'000'000; t += 3'000'000)
    if (schedule.offer(t, true))
      cuts.push_back(t);
  EXPECT_EQ(cuts, (std::vector<std::int64_t>{0, 9'000'000, 18'000'000,
                                             24'000'000}));
}

TEST(CutSchedule, NeverCutsOnANonKeyframe) {
  CutSchedule schedule(2'000'000);
  EXPECT_FALSE(schedule.offer(0, false)); // not started before a keyframe
  EXPECT_FALSE(schedule.started());
  EXPECT_TRUE(schedule.offer(40'000, true));
  EXPECT_FALSE(schedule.offer(2'040'000, false));
  EXPECT_FALSE(schedule.offer(5'000'000, false));
  EXPECT_TRUE(schedule.offer(5'040'000, true));
}

TEST(CutSchedule, ALongGopDoesNotLeaveShortSegmentsBehind) {
  // A keyframe only at 17 s carries past boundaries 8 and 16; the next
  // cut waits for 24, not for 16 again.
  CutSchedule schedule(8'000'000);
  schedule.offer(0, true);
  EXPECT_TRUE(schedule.offer(17'000'000, true));
  EXPECT_EQ(schedule.next_boundary(), 24'000'000);
  EXPECT_FALSE(schedule.offer(18'000'000, true));
  EXPECT_TRUE(schedule.offer(24'000'000, true));
}

TEST(StreamTimeline, DerivesAMissingDtsBelowTheRealOnesThatFollow) {
  // Matroska with B-frames (2 frames of reorder delay): the first packets
  // have pts only, then dts appear, starting at the first pts.
  StreamTimeline timeline(64, 10'000, 80);
  struct In {
    std::int64_t pts, dts;
  };
  const std::vector<In> in = {{21, no_timestamp}, {101, no_timestamp},
                              {61, 21},           {181, 61},
                              {141, 101},         {261, 141}};
  std::int64_t last_dts = INT64_MIN;
  for (const In &packet : in) {
    PacketTimes t = timeline.correct({packet.pts, packet.dts, 40});
    EXPECT_FALSE(timeline.last_was_discontinuity()) << "pts " << packet.pts;
    EXPECT_EQ(t.pts, packet.pts);
    EXPECT_GT(t.dts, last_dts);
    EXPECT_LE(t.dts, t.pts);
    last_dts = t.dts;
  }
}
