// Internal to libcore: the last fMP4 init segment an output wrote, so that
// the same init segment handed over again (each run of a broadcast has
// one, and a restarted run usually repeats it) is written only once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hlswarm {

/// The bytes of the last init segment an output wrote (a few kilobytes).
class InitSegmentMemory {
public:
  /// True when `file` differs from the init segment remembered (or none
  /// is), which it then remembers. Throws as read_whole_file.
  bool is_new(const std::filesystem::path &file);

private:
  std::optional<std::string> last_;
};

} // namespace hlswarm
