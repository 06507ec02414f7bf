#include "hlswarm/room/viewer_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hlswarm {
namespace {

/// How many of `members` see themselves among the first fetchers of a
/// segment when each ranks against all the others, as every viewer does.
std::size_t first_fetchers(const std::string &info_dict, const std::vector<std::string> &members,
                           std::size_t fetchers) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < members.size(); ++i) {
    std::vector<std::string> others = members;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(i));
    count += viewer_policy::fetches_from_origin_first(info_dict, members[i], others, fetchers)
                 ? 1
                 : 0;
  }
  return count;
}

std::vector<std::string> endpoints(int n) {
  std::vector<std::string> result;
  for (int i = 0; i < n; ++i)
    result.push_back("10.0.0." + std::to_string(i + 1) + ":6881");
  return result;
}

TEST(ViewerPolicy, ExactlyTheFirstFetchersOfAGroupThatKnowsEveryoneGoToTheOrigin) {
  auto members = endpoints(12);
  EXPECT_EQ(first_fetchers("segment-a", members, viewer_policy::origin_first_fetchers),
            viewer_policy::origin_first_fetchers);
  EXPECT_EQ(first_fetchers("segment-b", members, 5), 5u);
  EXPECT_EQ(first_fetchers("segment-c", members, 0), 0u);
  EXPECT_EQ(first_fetchers("segment-d", endpoints(1), 2), 1u); // alone: always
}

TEST(ViewerPolicy, TheDefaultCountIsTheViewersOwn) {
  auto members = endpoints(9);
  std::vector<std::string> others(members.begin() + 1, members.end());
  EXPECT_EQ(viewer_policy::fetches_from_origin_first("segment-e", members[0], others),
            viewer_policy::fetches_from_origin_first("segment-e", members[0], others,
                                                     viewer_policy::origin_first_fetchers));
}

TEST(ViewerPolicy, TheFirstFetchersChangeFromSegmentToSegment) {
  auto members = endpoints(20);
  std::vector<std::string> others(members.begin() + 1, members.end());
  int first = 0;
  for (int seq = 0; seq < 200; ++seq)
    first += viewer_policy::fetches_from_origin_first("segment-" + std::to_string(seq), members[0],
                                                      others)
                 ? 1
                 : 0;
  // 2 of 20: about a tenth of the segments.
  EXPECT_GT(first, 5);
  EXPECT_LT(first, 45);
}

} // namespace
} // namespace hlswarm
