#include "hlswarm/base/tool.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/base/signals.hpp"

namespace hlswarm {
namespace {

// CLI11's TOML reader skips lines it cannot read, so a mangled config file
// would silently configure nothing. This one refuses them first. Unknown
// keys are still fine: one file serves every program.
class StrictConfig : public CLI::ConfigTOML {
public:
  std::vector<CLI::ConfigItem> from_config(std::istream &input) const override {
    std::stringstream checked;
    std::string line;
    for (int number = 1; std::getline(input, line); ++number) {
      if (auto problem = line_problem(line))
        throw CLI::ConfigError(
            fmt::format("config file line {}: {}", number, *problem));
      checked << line << '\n';
    }
    return CLI::ConfigTOML::from_config(checked);
  }

private:
  static std::optional<std::string> line_problem(std::string_view line) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
      return std::nullopt;
    line.remove_prefix(first);
    if (line[0] == '#' || line[0] == ';')
      return std::nullopt;
    if (line[0] == '[')
      return line.find(']') == std::string_view::npos
                 ? std::optional<std::string>("a section without ']'")
                 : std::nullopt;
    auto equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0)
      return "not a 'key = value' line";
    for (char c : line.substr(0, equals))
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
            c == '_' || c == '.' || c == ' ' || c == '\t' || c == '"'))
        return "a key may hold only letters, digits, '-', '_' and '.'";
    return std::nullopt;
  }
};

} // namespace

std::filesystem::path default_config_path() {
  if (const char *env = std::getenv("HLSWARM_CONFIG"); env && *env)
    return env;
  return config_home() / "config.toml";
}

Tool::Tool(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag("--version",
                        name_ + " (hlswarm) " + std::string(HLSWARM_VERSION));
  app_.add_flag("-q,--quiet", common_.quiet,
                "Print only warnings and errors on stderr");
  app_.add_flag_callback(
      "--progress", [this] { common_.progress = 1; },
      "Show progress on stderr even when it is not a terminal");
  app_.add_flag_callback(
      "--no-progress", [this] { common_.progress = 0; },
      "Never show progress (default: only on a terminal)");
  // One flat config file is shared by all programs (store, quota...): each
  // program reads the keys it knows and ignores the others.
  app_.set_config("--config", default_config_path().string(),
                  "Read options from this TOML file (default: "
                  "$XDG_CONFIG_HOME/hlswarm/config.toml, if it exists)");
  app_.allow_config_extras(CLI::config_extras_mode::ignore);
  app_.config_formatter(std::make_shared<StrictConfig>());
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
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::CallForAllHelp &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::CallForVersion &e) {
    return app_.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
  } catch (const CLI::FileError &e) {
    diag::error(Error(Exit::no_input, e.what()).what());
    return static_cast<int>(Exit::no_input);
  } catch (const CLI::ParseError &e) {
    diag::error(Error(Exit::usage, e.what()).what()); // lower-cased
    diag::note(fmt::format("run '{} --help' for usage", name_));
    return static_cast<int>(Exit::usage);
  }
  // A config file named by the environment must exist, as one named by
  // --config must; CLI11 only skips a missing default.
  if (const char *env = std::getenv("HLSWARM_CONFIG");
      env && *env && app_.get_config_ptr()->count() == 0 &&
      !std::filesystem::exists(env)) {
    diag::error(fmt::format("{}: no such config file (from HLSWARM_CONFIG)",
                            env));
    return static_cast<int>(Exit::no_input);
  }

  diag::set_quiet(common_.quiet);
  diag::set_progress(common_.progress);
  install_stop_handlers();

  try {
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

std::uint64_t parse_size(const std::string &text, std::string_view what) {
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  std::string suffix = text.substr(used);
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b'))
    suffix.pop_back(); // "20GB", "20G" and "20GiB" all mean the same
  if (suffix.size() == 2 && (suffix[1] == 'i' || suffix[1] == 'I'))
    suffix.pop_back();
  double scale = 0;
  if (suffix.empty())
    scale = 1;
  else if (suffix.size() == 1)
    switch (suffix[0]) {
    case 'k': case 'K': scale = 1024.0; break;
    case 'm': case 'M': scale = 1024.0 * 1024; break;
    case 'g': case 'G': scale = 1024.0 * 1024 * 1024; break;
    case 't': case 'T': scale = 1024.0 * 1024 * 1024 * 1024; break;
    default: break;
    }
  if (used == 0 || scale == 0 || !std::isfinite(number) || number < 0 ||
      number * scale > 1.8e19)
    throw Error(Exit::usage, what,
                fmt::format("'{}' is not a size (try 500M or 20G)", text));
  return static_cast<std::uint64_t>(number * scale);
}

std::chrono::seconds parse_duration(const std::string &text,
                                    std::string_view what) {
  auto bad = [&] {
    return Error(Exit::usage, what,
                 fmt::format("'{}' is not a duration (try 90s, 36h or 14d)",
                             text));
  };
  if (text.empty())
    throw bad();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    if (i == start || i - start > 12)
      throw bad();
    std::int64_t number = std::stoll(text.substr(start, i - start));
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
    total += number * unit;
  }
  return std::chrono::seconds(total);
}

} // namespace hlswarm
