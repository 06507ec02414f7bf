#include "hlswarm/media/interleaver.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace hlswarm;

namespace {

/// Everything that may go out now, in order.
std::vector<std::string> ready(Interleaver<std::string> &interleaver,
                               bool draining = false) {
  std::vector<std::string> out;
  while (auto payload = interleaver.pop(draining))
    out.push_back(*payload);
  return out;
}

using Names = std::vector<std::string>;

} // namespace

TEST(Interleaver, PutsStreamsReadInFileOrderInTimeOrder) {
  // Video read ahead of audio, as an MPEG-TS muxer lays them out.
  Interleaver<std::string> interleaver(2, 10'000);
  interleaver.push(0, 0, "v0");
  interleaver.push(0, 40, "v40");
  interleaver.push(0, 80, "v80");
  EXPECT_EQ(ready(interleaver), Names{}) << "audio could still come first";
  interleaver.push(1, 10, "a10");
  EXPECT_EQ(ready(interleaver), (Names{"v0", "a10"}));
  interleaver.push(1, 31, "a31");
  interleaver.push(1, 52, "a52");
  EXPECT_EQ(ready(interleaver), (Names{"a31", "v40", "a52"}));
  EXPECT_EQ(ready(interleaver, true), Names{"v80"});
  EXPECT_EQ(ready(interleaver, true), Names{});
}

TEST(Interleaver, OfEqualTimesTheLowerStreamGoesFirst) {
  Interleaver<std::string> interleaver(2, 10'000);
  interleaver.push(1, 40, "a40");
  interleaver.push(0, 40, "v40");
  interleaver.push(0, 80, "v80");
  interleaver.push(1, 80, "a80");
  EXPECT_EQ(ready(interleaver, true), (Names{"v40", "a40", "v80", "a80"}));
}

TEST(Interleaver, DoesNotWaitForeverForAQuietStream) {
  Interleaver<std::string> interleaver(2, 100);
  interleaver.push(0, 0, "v0");
  interleaver.push(0, 100, "v100");
  EXPECT_EQ(ready(interleaver), Names{});
  interleaver.push(0, 101, "v101");
  EXPECT_EQ(ready(interleaver), Names{"v0"});
  interleaver.push(0, 250, "v250");
  EXPECT_EQ(ready(interleaver), (Names{"v100", "v101"}));
}

TEST(Interleaver, KeepsEachStreamInItsOwnOrder) {
  Interleaver<std::string> interleaver(2, 10'000);
  interleaver.push(0, 50, "v50");
  interleaver.push(0, 20, "v20-late"); // raised to 50, stays after v50
  interleaver.push(1, 30, "a30");
  interleaver.push(1, 60, "a60");
  EXPECT_EQ(ready(interleaver, true), (Names{"a30", "v50", "v20-late", "a60"}));
}
