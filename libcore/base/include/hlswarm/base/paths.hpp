// Where hlswarm keeps things by default (XDG base directories).
#pragma once

#include <filesystem>

namespace hlswarm {

/// $XDG_CONFIG_HOME/hlswarm, else ~/.config/hlswarm: keys and config.
std::filesystem::path config_home();

/// $XDG_DATA_HOME/hlswarm, else ~/.local/share/hlswarm: the default store.
std::filesystem::path data_home();

/// `path` made absolute against the current folder, without touching disk.
std::filesystem::path absolute_path(const std::filesystem::path &path);

} // namespace hlswarm
