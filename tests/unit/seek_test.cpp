#include "hlswarm/media/seek.hpp"

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"

using namespace hlswarm;

namespace {

/// A video of `count` segments of `duration` seconds from seq `first_seq`,
/// starting at `start` on the creator's timeline.
std::vector<SegmentTime> video(int count, double duration,
                               std::int64_t first_seq = 0, double start = 0) {
  std::vector<SegmentTime> segments;
  for (int i = 0; i < count; ++i)
    segments.push_back({first_seq + i, start + i * duration, duration});
  return segments;
}

/// The Error seek_span throws, with its subject and reason.
std::string seek_error(const std::vector<SegmentTime> &segments,
                       std::optional<double> from, std::optional<double> to) {
  try {
    seek_span(segments, from, to);
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::usage);
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(SeekSpan, TakesTheSegmentsHoldingTheSpan) {
  auto two_minutes = video(15, 8.0); // 0:00-2:00
  auto span = seek_span(two_minutes, 30, 45);
  EXPECT_EQ(span.first_seq, 3); // 0:24-0:32 holds 0:30
  EXPECT_EQ(span.last_seq, 5);  // 0:40-0:48 holds 0:45
  // [from, to): a span ending on a boundary needs nothing after it.
  span = seek_span(two_minutes, 30, 48);
  EXPECT_EQ(span.last_seq, 5);
  span = seek_span(two_minutes, 32, 48.5);
  EXPECT_EQ(span.first_seq, 4);
  EXPECT_EQ(span.last_seq, 6);
}

TEST(SeekSpan, RunsToTheEndWithoutTo) {
  auto two_minutes = video(15, 8.0);
  auto span = seek_span(two_minutes, std::nullopt, std::nullopt);
  EXPECT_EQ(span.first_seq, 0);
  EXPECT_EQ(span.last_seq, 14);
  span = seek_span(two_minutes, 119.9, std::nullopt);
  EXPECT_EQ(span.first_seq, 14);
  EXPECT_EQ(span.last_seq, 14);
  span = seek_span(two_minutes, std::nullopt, 500);
  EXPECT_EQ(span.last_seq, 14) << "--to past the end is the end";
  span = seek_span(two_minutes, std::nullopt, 10);
  EXPECT_EQ(span.first_seq, 0);
  EXPECT_EQ(span.last_seq, 1);
}

TEST(SeekSpan, CountsFromTheFirstSegmentsStart) {
  // An ended broadcast whose first kept segment is seq 100 at 800 s.
  auto span = seek_span(video(10, 8.0, 100, 800.0), 30, std::nullopt);
  EXPECT_EQ(span.first_seq, 103);
  EXPECT_EQ(span.last_seq, 109);
}

TEST(SeekSpan, StartsAfterAGap) {
  std::vector<SegmentTime> gap{{0, 0, 8}, {1, 20, 8}};
  EXPECT_EQ(seek_span(gap, 10, std::nullopt).first_seq, 1);
  EXPECT_NE(seek_error(gap, 10, 12).find("holds no media"), std::string::npos);
}

TEST(SeekSpan, NamesTheVideosLengthWhenFromIsPastTheEnd) {
  auto two_minutes = video(15, 8.0);
  EXPECT_EQ(seek_error(two_minutes, 120, std::nullopt),
            "--from: 2:00 is past the end of the video (2:00 long)");
  EXPECT_EQ(seek_error(two_minutes, 3600, std::nullopt),
            "--from: 1:00:00 is past the end of the video (2:00 long)");
  EXPECT_EQ(seek_error(two_minutes, 30, 30),
            "--to: 0:30 is not after the start of the span (0:30)");
  EXPECT_EQ(seek_error(two_minutes, std::nullopt, 0),
            "--to: 0:00 is not after the start of the span (0:00)");
}

TEST(SeekSpan, AVideoWithoutSegmentsIsAnEmptySpan) {
  auto span = seek_span({}, std::nullopt, std::nullopt);
  EXPECT_LT(span.last_seq, span.first_seq);
  EXPECT_NE(seek_error({}, 0, std::nullopt).find("0:00 long"), std::string::npos);
  EXPECT_NE(seek_error({}, std::nullopt, 5).find("--to"), std::string::npos);
}

TEST(ParseMediaTime, ReadsSecondsAndClockTimes) {
  EXPECT_DOUBLE_EQ(parse_media_time("90"), 90);
  EXPECT_DOUBLE_EQ(parse_media_time("0"), 0);
  EXPECT_DOUBLE_EQ(parse_media_time("90.5"), 90.5);
  EXPECT_DOUBLE_EQ(parse_media_time("1:30"), 90);
  EXPECT_DOUBLE_EQ(parse_media_time("0:05"), 5);
  EXPECT_DOUBLE_EQ(parse_media_time("1:30.25"), 90.25);
  EXPECT_DOUBLE_EQ(parse_media_time("1:02:03.5"), 3723.5);
  EXPECT_DOUBLE_EQ(parse_media_time("00:00:07"), 7);
  EXPECT_DOUBLE_EQ(parse_media_time("75:00"), 4500) << "minutes first";
}

TEST(ParseMediaTime, RefusesAnythingElse) {
  for (const char *bad : {"", "1:", ":30", "1:60", "1:2:3:4", "-1", "+1", "1e3",
                          "1.", ".5", "1.5.1", "1:30.5.1", "1.5:30", "abc",
                          " 90", "90s", "1h30m", "inf", "nan", "0x10",
                          "99999999999999999999"}) {
    try {
      parse_media_time(bad);
      ADD_FAILURE() << "'" << bad << "' accepted";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage);
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(FormatMediaTime, ReadsAsAViewerTypesIt) {
  EXPECT_EQ(format_media_time(0), "0:00");
  EXPECT_EQ(format_media_time(45), "0:45");
  EXPECT_EQ(format_media_time(90), "1:30");
  EXPECT_EQ(format_media_time(3723.5), "1:02:03.5");
  EXPECT_EQ(format_media_time(119.96), "2:00");
  EXPECT_EQ(parse_media_time(format_media_time(3723.5)), 3723.5);
}
