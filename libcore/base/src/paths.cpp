#include "hlswarm/base/paths.hpp"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace hlswarm {
namespace {

std::filesystem::path home_folder() {
  if (const char *home = std::getenv("HOME"); home && *home)
    return home;
  if (const passwd *entry = getpwuid(getuid()); entry && entry->pw_dir)
    return entry->pw_dir;
  return std::filesystem::current_path();
}

std::filesystem::path xdg(const char *variable, const char *fallback) {
  // XDG says a relative value is invalid and must be ignored.
  if (const char *value = std::getenv(variable); value && value[0] == '/')
    return value;
  return home_folder() / fallback;
}

} // namespace

std::filesystem::path config_home() {
  return xdg("XDG_CONFIG_HOME", ".config") / "hlswarm";
}

std::filesystem::path data_home() {
  return xdg("XDG_DATA_HOME", ".local/share") / "hlswarm";
}

std::filesystem::path absolute_path(const std::filesystem::path &path) {
  std::error_code ignored;
  auto result = std::filesystem::absolute(path, ignored);
  return result.empty() ? path : result.lexically_normal();
}

} // namespace hlswarm
