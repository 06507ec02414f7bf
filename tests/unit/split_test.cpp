#include "hlswarm/base/error.hpp"
#include "hlswarm/media/split.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "temp_folder.hpp"

using namespace hlswarm;

TEST(EndLine, CountsSegments) {
  EXPECT_EQ(end_line({5, false}).dump(), R"({"end":true,"segments":5,"v":1})");
}

TEST(SplitOptions, DurationIsAPositiveNumberOfSecondsUpToADay) {
  EXPECT_DOUBLE_EQ(parse_segment_duration("8"), 8.0);
  EXPECT_DOUBLE_EQ(parse_segment_duration("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(parse_segment_duration("86400"), max_segment_duration);
  for (const char *bad : {"", "0", "0.0", "-1", "1e3", "inf", "nan", "8s",
                          "86400.5", "1..2"}) {
    try {
      parse_segment_duration(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
      EXPECT_EQ(e.subject(), "--duration");
    }
  }
}

TEST(SplitOptions, StartSeqIsAWholeNumberUpToATrillion) {
  EXPECT_EQ(parse_start_seq("0"), 0);
  EXPECT_EQ(parse_start_seq("0007"), 7);
  EXPECT_EQ(parse_start_seq("1000000000000"), max_start_seq);
  for (const char *bad : {"", "-1", "+1", "1.5", "1000000000001",
                          "99999999999999999999999"}) {
    try {
      parse_start_seq(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
      EXPECT_EQ(e.subject(), "--start-seq");
    }
  }
}

class SplitOutputNames : public test::TempFolderTest {
protected:
  /// The exit code and subject of split() with `options`, which must throw
  /// before it reads the input (there is none) or writes anything.
  std::pair<Exit, std::string> refusal(SplitOptions options) {
    options.input = (folder_ / "in.ts").string();
    try {
      split(options, [](const Segment &) { ADD_FAILURE() << "a segment"; });
    } catch (const Error &e) {
      return {e.code(), e.subject()};
    }
    ADD_FAILURE() << "split() accepted the options";
    return {Exit::ok, ""};
  }
  SplitOptions in_folder() {
    SplitOptions options;
    options.out_dir = folder_ / "out";
    return options;
  }
};

TEST_F(SplitOutputNames, RefusesOutputsThatAreOneFile) {
  SplitOptions options = in_folder();
  options.playlist = folder_ / "out" / "seg00003.ts";
  EXPECT_EQ(refusal(options), std::pair(Exit::usage, std::string("--playlist")));

  options = in_folder();
  options.format = SegmentFormat::fmp4;
  options.playlist = folder_ / "out" / "." / "init.mp4";
  EXPECT_EQ(refusal(options), std::pair(Exit::usage, std::string("--playlist")));

  options = in_folder();
  options.format = SegmentFormat::fmp4;
  options.init_name = "seg00000.m4s";
  EXPECT_EQ(refusal(options), std::pair(Exit::usage, std::string("--init-name")));
  // MPEG-TS has no init segment: its name cannot collide.
  options.format = SegmentFormat::mpegts;
  options.init_name = "seg00000.ts";
  EXPECT_EQ(refusal(options).first, Exit::no_input);
}

TEST_F(SplitOutputNames, RefusesToWriteOverTheInput) {
  std::ofstream(folder_ / "in.ts") << "not much";
  SplitOptions options = in_folder();
  options.playlist = folder_ / "in.ts";
  EXPECT_EQ(refusal(options), std::pair(Exit::usage, std::string("--playlist")));

  options = in_folder();
  options.format = SegmentFormat::fmp4;
  options.init_name = "in.ts";
  options.out_dir = folder_.path();
  EXPECT_EQ(refusal(options), std::pair(Exit::usage, std::string("--init-name")));

  options = in_folder();
  options.out_dir = folder_.path();
  options.name_pattern = "in%d.ts";
  std::filesystem::rename(folder_ / "in.ts", folder_ / "in0.ts");
  std::filesystem::create_symlink(folder_ / "in0.ts", folder_ / "in.ts");
  auto [code, subject] = refusal(options);
  EXPECT_EQ(code, Exit::usage);
  EXPECT_EQ(subject, (folder_ / "in.ts").string());
  EXPECT_EQ(std::filesystem::file_size(folder_ / "in0.ts"), 8u);
}

TEST_F(SplitOutputNames, NeverReplacesAFileThatIsNotAnEarlierPlaylist) {
  std::ofstream(folder_ / "talk.mp4") << "a video";
  SplitOptions options = in_folder();
  options.playlist = folder_ / "talk.mp4";
  EXPECT_EQ(refusal(options).first, Exit::cant_create);
  EXPECT_FALSE(std::filesystem::exists(folder_ / "out"));
  std::ifstream video(folder_ / "talk.mp4");
  std::string text((std::istreambuf_iterator<char>(video)), {});
  EXPECT_EQ(text, "a video");
}
