#include "hlswarm/room/viewer_policy.hpp"

#include "hlswarm/base/sha256.hpp"

namespace hlswarm::viewer_policy {

bool fetches_from_origin_first(std::string_view info_dict, const std::string &self,
                               const std::vector<std::string> &others,
                               std::size_t fetchers) {
  auto rank = [&](const std::string &endpoint) {
    return sha256(std::string(info_dict) + endpoint);
  };
  auto mine = rank(self);
  std::size_t before = 0;
  for (const auto &peer : others)
    before += rank(peer) < mine ? 1 : 0;
  return before < fetchers;
}

} // namespace hlswarm::viewer_policy
