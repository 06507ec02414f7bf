// store-gc: keep the store within its quota and idle age; check and repair.
#include <algorithm>

#include <fmt/format.h>

#include "hlswarm/store/store_gc.hpp"
#include "hlswarm/base/tool.hpp"

namespace {

/// Whether `option` was given on the command line: the config file holds a
/// standing policy (max-size for cron), which a --check run only ignores.
bool on_command_line(const CLI::App &app, const CLI::Option *option) {
  const auto &order = app.parse_order();
  return std::find(order.begin(), order.end(), option) != order.end();
}

} // namespace

int main(int argc, char **argv) {
  hlswarm::Tool tool("store-gc",
                     "Prune the store to a size quota and an idle age, never "
                     "touching pinned rooms; check and repair the store");
  tool.add_store_option();
  auto &app = tool.app();
  hlswarm::StoreGcOptions options;
  auto *max_size_option = hlswarm::add_size_option(
      app, "--max-size", [&](std::uint64_t bytes) { options.max_size = bytes; },
      "Keep at most SIZE of segments (500M, 20G; K/M/G/T are powers of "
      "1024, B bytes); least recently requested go first");
  auto *max_idle_option = hlswarm::add_duration_option(
      app, "--max-idle", [&](std::chrono::seconds age) { options.max_idle = age; },
      "Remove segments nobody asked for within AGE (36h, 14d); followed "
      "creators are exempt")->type_name("AGE");
  auto *dry_run = app.add_flag("-n,--dry-run", options.dry_run,
                               "List what would be removed; change nothing");
  auto *json = app.add_flag("--json", options.json,
               "Print JSON lines: one per removed segment (or problem) and "
               "a summary line");
  auto *check = app.add_flag("--check", options.check,
                             "Verify the store instead of pruning it: "
                             "database integrity, missing and stray files, "
                             "sizes; exit 65 if broken");
  auto *repair = app.add_flag("--repair", options.repair,
               "Like --check, and fix what can be fixed (remove stray files, "
               "drop rows whose file is missing or damaged)");
  app.add_flag("--deep", options.deep,
               "With --check or --repair: also hash every segment file "
               "against its infohash (reads the whole store); --repair "
               "removes a corrupt file so it is fetched again");
  repair->excludes(dry_run);
  check->excludes(dry_run);

  return tool.run(argc, argv, [&] {
    options.store = tool.common().store;
    options.quiet = tool.common().quiet;
    auto *quiet = app.get_option("--quiet");
    // Options that cannot go together, when both are on the command line.
    auto refuse = [&](const CLI::Option *a, const CLI::Option *b,
                      std::string_view why) {
      if (on_command_line(app, a) && on_command_line(app, b))
        throw hlswarm::Error(hlswarm::Exit::usage,
                             fmt::format("{} and {} cannot go together ({})",
                                         a->get_name(), b->get_name(), why));
    };
    for (auto *verify : {check, repair}) {
      refuse(verify, max_size_option, "a check removes nothing to make room");
      refuse(verify, max_idle_option, "a check removes nothing to make room");
    }
    refuse(quiet, json, "--json output is data, -q prints none");
    refuse(quiet, dry_run, "--dry-run prints what it would do, -q prints none");
    if (options.deep && !options.check && !options.repair)
      throw hlswarm::Error(hlswarm::Exit::usage, "--deep",
                           "needs --check or --repair");
    return hlswarm::store_gc(options);
  });
}
