// The shared command-line front of every hlswarm program: CLI11 set up one
// way (common options, config file, --version, exit codes), diagnostics
// configured from it, and errors turned into messages and sysexits codes.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

/// Options every program has (or may add with Tool::add_store_option).
struct CommonOptions {
  std::filesystem::path store; ///< resolved store folder, if the tool has one
  bool quiet = false;
  int progress = -1; ///< -1 auto (stderr is a terminal), 0 off, 1 on
};

/// A program's command line and its top-level error handling.
///
///   int main(int argc, char **argv) {
///     hlswarm::Tool tool("seg-split", "cut media into HLS segments");
///     SplitOptions options;
///     tool.app().add_option("-o,--out", options.out_dir, "...");
///     return tool.run(argc, argv, [&] { return split(options); });
///   }
class Tool {
public:
  Tool(std::string name, std::string description);

  CLI::App &app() { return app_; }
  const CommonOptions &common() const { return common_; }
  const std::string &name() const { return name_; }

  /// Adds --store DIR (env HLSWARM_STORE, default $XDG_DATA_HOME/hlswarm).
  void add_store_option();

  /// Parses the command line and runs `body`. Returns the process exit code:
  /// body's on success, 64 for a usage error, the Error's code when body
  /// throws one, 70 for anything unexpected. Never a CLI11 code.
  int run(int argc, char **argv, const std::function<Exit()> &body);

private:
  std::string name_;
  CLI::App app_;
  CommonOptions common_;
  std::string store_option_;
  bool has_store_ = false;
};

/// The config file read by default: $HLSWARM_CONFIG, else
/// $XDG_CONFIG_HOME/hlswarm/config.toml (~/.config/...).
std::filesystem::path default_config_path();

/// Parses a size such as "500M", "20G", "1.5T", "4096" (bytes; K/M/G/T are
/// powers of 1024). Throws Error(usage) naming `what` on a bad value.
std::uint64_t parse_size(const std::string &text, std::string_view what);

/// Parses a duration such as "90s", "15m", "36h", "14d", "1h30m" or a bare
/// number of seconds. Throws Error(usage) naming `what` on a bad value.
std::chrono::seconds parse_duration(const std::string &text,
                                    std::string_view what);

} // namespace hlswarm
