// store-gc: keep the store within its quota and idle age; check and repair.
#include "hlswarm/store/store_gc.hpp"
#include "hlswarm/base/tool.hpp"

int main(int argc, char **argv) {
  hlswarm::Tool tool("store-gc",
                     "Prune the store to a size quota and an idle age, never "
                     "touching pinned rooms; check and repair the store");
  tool.add_store_option();
  auto &app = tool.app();
  hlswarm::StoreGcOptions options;
  std::string max_size, max_idle;
  auto *max_size_option = app.add_option("--max-size", max_size,
                 "Keep at most SIZE of segments (500M, 20G; K/M/G/T are "
                 "powers of 1024); least recently requested go first")
      ->type_name("SIZE");
  auto *max_idle_option = app.add_option("--max-idle", max_idle,
                 "Remove segments nobody asked for within AGE (36h, 14d); "
                 "followed creators are exempt")
      ->type_name("AGE");
  auto *dry_run = app.add_flag("-n,--dry-run", options.dry_run,
                               "List what would be removed; change nothing");
  app.add_flag("--json", options.json,
               "Print JSON lines: one per removed segment (or problem) and "
               "a summary line");
  auto *check = app.add_flag("--check", options.check,
                             "Verify the store instead of pruning it: "
                             "database integrity, missing and stray files, "
                             "sizes; exit 65 if broken");
  app.add_flag("--repair", options.repair,
               "Like --check, and fix what can be fixed (remove stray files, "
               "drop rows whose file is missing or damaged)")
      ->excludes(dry_run);
  check->excludes(dry_run);

  return tool.run(argc, argv, [&] {
    options.store = tool.common().store;
    // Given (on the command line or in the config file) but empty is an
    // error too, not "no quota".
    if (max_size_option->count() > 0)
      options.max_size = hlswarm::parse_size(max_size, "--max-size");
    if (max_idle_option->count() > 0)
      options.max_idle = hlswarm::parse_duration(max_idle, "--max-idle");
    return hlswarm::store_gc(options);
  });
}
