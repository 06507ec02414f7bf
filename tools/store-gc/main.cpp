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
  hlswarm::add_size_option(
      app, "--max-size", [&](std::uint64_t bytes) { options.max_size = bytes; },
      "Keep at most SIZE of segments (500M, 20G; K/M/G/T are powers of "
      "1024, B bytes); least recently requested go first");
  hlswarm::add_duration_option(
      app, "--max-idle", [&](std::chrono::seconds age) { options.max_idle = age; },
      "Remove segments nobody asked for within AGE (36h, 14d); followed "
      "creators are exempt")->type_name("AGE");
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
    return hlswarm::store_gc(options);
  });
}
