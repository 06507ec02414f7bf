// Private to libcore/room: a folder for files a reader fetches only to read
// them (a chain torrent, a channel list), removed on the way out.
#pragma once

#include <cerrno>
#include <filesystem>
#include <stdlib.h>
#include <string>
#include <string_view>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

class ScratchFolder {
public:
  /// A new private folder in the temporary folder, "<prefix>.XXXXXX".
  explicit ScratchFolder(std::string_view prefix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
      throw system_error(Exit::cant_create, pattern, errno);
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder &) = delete;
  ScratchFolder &operator=(const ScratchFolder &) = delete;
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace hlswarm
