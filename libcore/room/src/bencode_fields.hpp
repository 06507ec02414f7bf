// Private to libcore/room: reading the dictionaries of the room formats
// (channel list and head, offers), whose keys are fixed.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"

namespace hlswarm {

/// The keys of `dict` are exactly `keys`: Error(data) with subject `what`
/// naming `part` and the first unknown or missing key otherwise.
inline void expect_exact_keys(const bencode::Dict &dict,
                              std::initializer_list<std::string_view> keys,
                              std::string_view what, std::string_view part) {
  for (const auto &[key, value] : dict)
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw Error(Exit::data, what, fmt::format("{}: unknown key '{}'", part, key));
  for (auto key : keys)
    if (!dict.contains(key))
      throw Error(Exit::data, what, fmt::format("{}: no '{}'", part, key));
}

} // namespace hlswarm
