// store-gc's work: evict segments to a quota and an idle age, or check and
// repair a store, and report it on stdout (human lines or JSON lines).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

/// What store-gc was asked to do.
struct StoreGcOptions {
  std::filesystem::path store;
  std::optional<std::uint64_t> max_size;
  std::optional<std::chrono::seconds> max_idle;
  bool dry_run = false; ///< list what would go, change nothing
  bool json = false;    ///< JSON lines on stdout instead of a summary
  bool check = false;   ///< verify the store instead of evicting
  bool repair = false;  ///< verify and fix
  bool deep = false;    ///< with check or repair: hash every file too
  /// Nothing on stdout unless the run fails (a cron job mails only then).
  bool quiet = false;
};

/// Runs store-gc. Ok, or data when --check finds a fault it did not repair;
/// store errors propagate as Error. Progress goes to diag::progress (shown
/// when --progress or a terminal says so).
Exit store_gc(const StoreGcOptions &options);

struct Eviction;

/// store-gc --json's line for one evicted segment (no newline).
std::string eviction_json_line(const Eviction &e, bool dry_run);

/// "1.5 GiB", "512 B": sizes for people.
std::string human_size(std::uint64_t bytes);

} // namespace hlswarm
