// The shared command-line front of every hlswarm program: CLI11 set up one
// way (common options, config file, --version, exit codes), diagnostics
// configured from it, and errors turned into messages and sysexits codes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

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

  /// Parses the command line, then the config file (see config_file.hpp)
  /// for the options the command line left unset, and runs `body`.
  /// Returns the process exit code: 0 after --help or --version (even with
  /// a broken config file or a bad value beside them), body's on success,
  /// 64 for a usage error, the Error's code when body throws one, 70 for
  /// anything unexpected. Never a CLI11 code.
  int run(int argc, char **argv, const std::function<Exit()> &body);

private:
  std::optional<int> parse_command_line(int argc, char **argv);
  std::optional<int> show_help_or_version(int argc, char **argv);
  std::optional<std::filesystem::path> config_file() const;
  void apply_config_file();

  std::string name_;
  std::string version_;
  CLI::App app_;
  CommonOptions common_;
  std::string config_option_;
  CLI::Option *config_ = nullptr;
  std::string store_option_;
  bool has_store_ = false;
};

/// The config file read when neither --config nor $HLSWARM_CONFIG names
/// one: $XDG_CONFIG_HOME/hlswarm/config.toml (~/.config/...), if it exists.
std::filesystem::path default_config_path();

/// Adds an option taking a SIZE (parse_size) to `app` (a program or one of
/// its subcommands), checked as it is read, so that a bad value names the
/// option or the config file line it came from. `set` receives the bytes.
CLI::Option *add_size_option(CLI::App &app, const std::string &name,
                             std::function<void(std::uint64_t)> set,
                             const std::string &description);

/// Adds an option taking a DURATION (parse_duration), as add_size_option.
CLI::Option *add_duration_option(CLI::App &app, const std::string &name,
                                 std::function<void(std::chrono::seconds)> set,
                                 const std::string &description);

/// Parses a size such as "500M", "20G", "1.5T", "512B" (K/M/G/T are powers
/// of 1024, B is bytes). A number without a unit is refused, 0 aside: a
/// quota of "20" meant 20 bytes and emptied a store. Throws Error(usage)
/// naming `what` on a bad value.
std::uint64_t parse_size(const std::string &text, std::string_view what);

/// The longest duration parse_duration accepts, 3650 days: a deadline
/// `now + duration` must fit every clock (the steady clock counts
/// nanoseconds in 64 bits, 292 years), and nothing hlswarm waits for is
/// longer.
inline constexpr std::chrono::seconds max_duration{3650LL * 24 * 3600};

/// Parses a duration such as "90s", "15m", "36h", "14d", "2w", "1h30m" or a
/// bare number of seconds, at most max_duration. Throws Error(usage) naming
/// `what` on a bad value.
std::chrono::seconds parse_duration(const std::string &text,
                                    std::string_view what);

} // namespace hlswarm
