// The shared configuration file ($XDG_CONFIG_HOME/hlswarm/config.toml): the
// part of TOML that options need, read strictly, so that a mistyped line is
// an error naming the file and line rather than a setting silently lost.
//
//   # comment
//   store = "/srv/hlswarm"
//   max-size = "20G"         # a string, a bare word or number, true/false
//   bootstrap = ["a:6881", "b:6881"]
//   [status]                 # keys for a subcommand
//   timeout = "30s"
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hlswarm {

/// One "key = value" line.
struct ConfigEntry {
  std::string section; ///< "" before any [section] line, else its name
  std::string key;     ///< a long option name without its dashes
  std::vector<std::string> values; ///< one value, or an array's elements
  std::size_t line = 0;            ///< 1-based
};

/// The entries of a configuration file's text, in file order; `source`
/// names it in messages. A line that is not a comment, a [section] or a
/// "key = value" TOML can read, and a key set twice, are Error(usage) with
/// subject "SOURCE line N".
std::vector<ConfigEntry> parse_config(std::string_view text,
                                      std::string_view source);

/// parse_config of a file. Error(no_input) if it cannot be read.
std::vector<ConfigEntry> read_config_file(const std::filesystem::path &path);

/// "SOURCE line N", how messages name a place in a configuration file.
std::string config_line_name(std::string_view source, std::size_t line);

} // namespace hlswarm
