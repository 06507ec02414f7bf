#include "hlswarm/base/tool.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "hlswarm/base/config_file.hpp"
#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/base/signals.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

/// What a CLI11 error says about `option`, without the option's name that
/// CLI11 puts first ("--duration: must be..."): the caller names the place.
std::string reason_about(const CLI::Error &error, const CLI::Option &option) {
  std::string_view text = error.what();
  std::string prefix = option.get_name() + ": ";
  if (text.substr(0, prefix.size()) == prefix)
    text.remove_prefix(prefix.size());
  return lower_first(text);
}

/// Gives `option` the config file's `values` as if they had been on the
/// command line, and runs its checks and callback.
void set_from_config(CLI::Option &option, const ConfigEntry &entry) {
  const bool flag = option.get_expected_min() == 0;
  if (flag && (entry.values.size() != 1 ||
               (entry.values[0] != "true" && entry.values[0] != "false")))
    throw Error(Exit::usage, "a flag takes true or false");
  if (!flag && entry.values.size() != 1 && option.get_items_expected_max() == 1)
    throw Error(Exit::usage, "takes one value, not an array");
  if (flag)
    option.add_result(option.get_flag_value(entry.key, entry.values[0]));
  else
    option.add_result(entry.values);
  option.run_callback();
}

} // namespace

std::filesystem::path default_config_path() {
  return config_home() / "config.toml";
}

Tool::Tool(std::string name, std::string description)
    : name_(std::move(name)),
      version_(name_ + " (hlswarm) " + std::string(HLSWARM_VERSION)),
      app_(std::move(description), name_) {
  app_.set_version_flag("--version", version_);
  app_.add_flag("-q,--quiet", common_.quiet,
                "Print only warnings and errors on stderr");
  app_.add_flag_callback(
      "--progress", [this] { common_.progress = 1; },
      "Show progress on stderr even when it is not a terminal");
  app_.add_flag_callback(
      "--no-progress", [this] { common_.progress = 0; },
      "Never show progress (default: only on a terminal)");
  // One flat config file is shared by all programs (store, quota...): each
  // program reads the keys it knows and ignores the others. It is read by
  // apply_config_file, after the command line, not by CLI11: so that
  // --help works whatever the file holds, and every mistake in it is
  // reported at its line.
  config_ = app_.add_option("--config", config_option_,
                            "Read options from this TOML file (default: "
                            "$HLSWARM_CONFIG, else $XDG_CONFIG_HOME/hlswarm/"
                            "config.toml if it exists)")
                ->type_name("FILE")
                ->configurable(false);
  app_.get_formatter()->column_width(34);
}

void Tool::add_store_option() {
  has_store_ = true;
  app_.add_option("--store", store_option_,
                  "Store folder (default: $XDG_DATA_HOME/hlswarm)")
      ->envname("HLSWARM_STORE")
      ->type_name("DIR");
}

int Tool::run(int argc, char **argv, const std::function<Exit()> &body) {
  diag::set_program_name(name_);
  if (auto code = parse_command_line(argc, argv))
    return *code;

  try {
    apply_config_file();
    diag::set_quiet(common_.quiet);
    diag::set_progress(common_.progress);
    install_stop_handlers();
    if (has_store_) {
      common_.store =
          store_option_.empty() ? data_home() : absolute_path(store_option_);
      std::error_code ec;
      if (std::filesystem::exists(common_.store, ec) &&
          !std::filesystem::is_directory(common_.store, ec))
        throw Error(Exit::cant_create, common_.store.string(),
                    "not a folder (--store or HLSWARM_STORE)");
    }
    Exit code = body();
    diag::progress_done();
    return static_cast<int>(code);
  } catch (const Error &e) {
    diag::progress_done();
    // The program reading our stdout went away (`| head -1`, or a failed
    // next stage that reports its own error): no message, as a program
    // killed by SIGPIPE would print none, but still a failing exit.
    bool stdout_gone = e.code() == Exit::io && e.subject() == "stdout" &&
                       e.reason() == "broken pipe";
    if (!stdout_gone)
      diag::error(e.what());
    return static_cast<int>(e.code());
  } catch (const CLI::Error &e) { // option validation inside body
    diag::progress_done();
    diag::error(e.what());
    return static_cast<int>(Exit::usage);
  } catch (const std::bad_alloc &) {
    diag::error("out of memory");
    return static_cast<int>(Exit::software);
  } catch (const std::exception &e) {
    diag::progress_done();
    diag::error(fmt::format("internal error: {}", e.what()));
    return static_cast<int>(Exit::software);
  }
}

// The command line alone: its mistakes are usage errors, and --help and
// --version answer here, before any config file is read.
std::optional<int> Tool::parse_command_line(int argc, char **argv) {
  auto usage_error = [&](std::string_view message, Exit code) {
    if (auto answered = show_help_or_version(argc, argv))
      return *answered;
    diag::error(message);
    diag::note(fmt::format("run '{} --help' for usage", name_));
    return static_cast<int>(code);
  };
  try {
    app_.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::CallForAllHelp &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::CallForVersion &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::ParseError &e) {
    return usage_error(Error(Exit::usage, e.what()).what(), Exit::usage);
  } catch (const Error &e) { // an option's own parser refused its value
    return usage_error(e.what(), e.code());
  }
}

// CLI11 checks option values before it looks at --help, so a mistake
// beside --help would hide the help: answer --help or --version (the
// first one given) anyway, for the subcommand given if any.
std::optional<int> Tool::show_help_or_version(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "--")
      break;
    if (word == "-h" || word == "--help")
      return app_.exit(CLI::CallForHelp());
    if (word == "--version")
      return app_.exit(CLI::CallForVersion(version_, 0));
  }
  return std::nullopt;
}

// --config FILE, else $HLSWARM_CONFIG: either must exist. Else the default
// file, if it exists. `--config ''` reads none.
std::optional<fs::path> Tool::config_file() const {
  auto must_exist = [](const fs::path &path, std::string_view named_by) {
    std::error_code ec;
    if (!fs::exists(path, ec))
      throw Error(Exit::no_input, path.string(),
                  fmt::format("no such config file (from {})", named_by));
    return path;
  };
  if (config_->count() > 0) {
    if (config_option_.empty())
      return std::nullopt;
    return must_exist(config_option_, "--config");
  }
  if (const char *env = std::getenv("HLSWARM_CONFIG"); env && *env)
    return must_exist(env, "HLSWARM_CONFIG");
  std::error_code ec;
  if (fs::path path = default_config_path(); fs::exists(path, ec))
    return path;
  return std::nullopt;
}

// Each key of the config file that names an option of this program (or,
// in a [section], of that subcommand) sets it, unless the command line or
// the environment did. Keys of other programs are ignored: one file serves
// them all.
void Tool::apply_config_file() {
  std::optional<fs::path> path = config_file();
  if (!path)
    return;
  std::string source = path->string();
  for (const ConfigEntry &entry : read_config_file(*path)) {
    CLI::App *app = &app_;
    if (!entry.section.empty()) {
      auto named = app_.get_subcommands([&](const CLI::App *sub) {
        return sub->get_name() == entry.section;
      });
      if (named.empty())
        continue;
      app = named.front();
    }
    CLI::Option *option = app->get_option_no_throw("--" + entry.key);
    if (option == nullptr)
      continue;
    std::string where = config_line_name(source, entry.line) + ": " + entry.key;
    if (!option->get_configurable())
      throw Error(Exit::usage, where, "cannot be set in a config file");
    if (option->count() > 0)
      continue;
    try {
      set_from_config(*option, entry);
    } catch (const Error &e) {
      throw Error(e.code(), where, e.reason());
    } catch (const CLI::Error &e) {
      throw Error(Exit::usage, where, reason_about(e, *option));
    }
  }
}

namespace {

// An option whose text `parse` turns into a value as it is read: on the
// command line, or from the config file (which then names its line).
template <typename Value>
CLI::Option *add_parsed_option(
    CLI::App &app, const std::string &name,
    Value (*parse)(const std::string &, std::string_view),
    std::function<void(Value)> set, const std::string &description,
    const std::string &type) {
  return app
      .add_option_function<std::string>(
          name,
          [name, parse, set = std::move(set)](const std::string &text) {
            set(parse(text, name));
          },
          description)
      ->type_name(type);
}

} // namespace

CLI::Option *add_size_option(CLI::App &app, const std::string &name,
                             std::function<void(std::uint64_t)> set,
                             const std::string &description) {
  return add_parsed_option(app, name, parse_size, std::move(set), description,
                           "SIZE");
}

CLI::Option *add_duration_option(CLI::App &app, const std::string &name,
                                 std::function<void(std::chrono::seconds)> set,
                                 const std::string &description) {
  return add_parsed_option(app, name, parse_duration, std::move(set),
                           description, "DURATION");
}

namespace {

/// The bytes in one unit of a size ("G", "GB", "GiB", "g"...), 0 if
/// `unit` is none.
double bytes_per_unit(std::string_view unit) {
  if (unit == "B" || unit == "b")
    return 1;
  if (unit.size() == 3 && (unit[1] == 'i' || unit[1] == 'I') &&
      (unit[2] == 'B' || unit[2] == 'b'))
    unit.remove_suffix(2); // 20GiB
  else if (unit.size() == 2 && (unit[1] == 'B' || unit[1] == 'b'))
    unit.remove_suffix(1); // 20GB
  if (unit.size() != 1)
    return 0;
  switch (unit[0]) {
  case 'k': case 'K': return 1024.0;
  case 'm': case 'M': return 1024.0 * 1024;
  case 'g': case 'G': return 1024.0 * 1024 * 1024;
  case 't': case 'T': return 1024.0 * 1024 * 1024 * 1024;
  default: return 0;
  }
}

/// The length of the decimal number ("20", "1.5") at the start of `text`.
std::size_t decimal_length(std::string_view text) {
  auto digits = [&](std::size_t from) {
    std::size_t end = from;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9')
      ++end;
    return end;
  };
  std::size_t end = digits(0);
  if (end > 0 && end < text.size() && text[end] == '.' && digits(end + 1) > end + 1)
    end = digits(end + 1);
  return end;
}

} // namespace

std::uint64_t parse_size(const std::string &text, std::string_view what) {
  std::size_t length = decimal_length(text);
  std::string_view unit = std::string_view(text).substr(length);
  // strtod, not stod: 400 digits are out of range, not an exception.
  double number = std::strtod(text.substr(0, length).c_str(), nullptr);
  if (length == 0 || (!unit.empty() && bytes_per_unit(unit) == 0))
    throw Error(Exit::usage, what,
                fmt::format("'{}' is not a size (try 500M or 20G)", text));
  // 0 is 0 in any unit; any other number could mean bytes, K, M or G.
  if (unit.empty() && number != 0)
    throw Error(Exit::usage, what,
                fmt::format("'{}' has no unit: say {}G (or M, K, T; B for "
                            "bytes)", text, text));
  // The largest whole number of T that fits in 64 bits of bytes.
  constexpr double max_terabytes = 16777215;
  double bytes = unit.empty() ? 0 : number * bytes_per_unit(unit);
  if (bytes > max_terabytes * bytes_per_unit("T"))
    throw Error(Exit::usage, what,
                fmt::format("'{}' is out of range (at most {:.0f}T)", text,
                            max_terabytes));
  return static_cast<std::uint64_t>(bytes);
}

std::chrono::seconds parse_duration(const std::string &text,
                                    std::string_view what) {
  auto bad = [&] {
    return Error(Exit::usage, what,
                 fmt::format("'{}' is not a duration (try 90s, 36h or 14d)",
                             text));
  };
  const std::int64_t max_seconds = max_duration.count();
  auto too_long = [&] {
    return Error(Exit::usage, what,
                 fmt::format("'{}' is out of range (at most {}d)", text,
                             max_seconds / 86400));
  };
  if (text.empty())
    throw bad();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t number = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      number = std::min(number * 10 + (text[i] - '0'), max_seconds + 1);
    if (i == start)
      throw bad();
    std::int64_t unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: throw bad();
      }
      ++i;
    } else if (start != 0) {
      throw bad(); // "1h30" is ambiguous
    }
    // number <= max_seconds + 1 and unit <= 1 week: no overflow here.
    if (total + number * unit > max_seconds)
      throw too_long();
    total += number * unit;
  }
  return std::chrono::seconds(total);
}

} // namespace hlswarm
