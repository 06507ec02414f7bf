#include "hlswarm/store/store_gc.hpp"

#include <chrono>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {
namespace {

/// Format version of store-gc's JSON lines.
constexpr int output_version = 1;

std::string_view reason_name(EvictionReason reason) {
  return reason == EvictionReason::idle ? "idle" : "size";
}

std::string segments(std::int64_t count) {
  return fmt::format("{} segment{}", count, count == 1 ? "" : "s");
}

std::string tally_text(const SegmentTally &tally) {
  return fmt::format("{} ({})", segments(tally.count), human_size(tally.bytes));
}

/// Lets a progress line through at most every 250 ms, but the first of
/// each phase at once.
class ProgressThrottle {
public:
  bool due(std::string_view phase = "") {
    auto now = std::chrono::steady_clock::now();
    if (shown_ && phase == phase_ && now - last_ < interval)
      return false;
    shown_ = true;
    phase_ = phase;
    last_ = now;
    return true;
  }

private:
  static constexpr auto interval = std::chrono::milliseconds(250);
  bool shown_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point last_;
};

/// One line per evicted segment, buffered: a run may list a million.
void print_eviction(const Eviction &e, bool json, bool dry_run) {
  if (json) {
    write_raw_line(eviction_json_line(e, dry_run), stdout, Flush::buffered);
  } else if (dry_run) {
    write_raw_line(fmt::format("would remove {} {}/{} seq {} ({}, {})",
                               e.infohash, e.creator.substr(0, 8), e.room,
                               e.seq, human_size(e.bytes),
                               e.reason == EvictionReason::idle ? "idle"
                                                                : "over size"),
                   stdout, Flush::buffered);
  }
}

Exit collect(const StoreGcOptions &options) {
  if (!options.max_size && !options.max_idle)
    diag::note("no --max-size or --max-idle (here or in the config file): "
               "nothing to evict");
  GcReport report;
  std::optional<Store> store;
  try {
    StoreOptions open;
    open.read_only = options.dry_run;
    open.create = false;
    store.emplace(options.store, open);
  } catch (const Error &e) {
    if (e.code() != Exit::no_input)
      throw;
    diag::notef("{}: no store here: nothing to do", options.store.string());
  }
  if (store) {
    GcPolicy policy{options.max_size, options.max_idle, options.dry_run,
                    /*describe=*/options.json || options.dry_run};
    ProgressThrottle throttle;
    SegmentTally removed;
    report = store->collect_garbage(policy, [&](const Eviction &e) {
      print_eviction(e, options.json, options.dry_run);
      removed.count += 1;
      removed.bytes += e.bytes;
      if (diag::progress_enabled() && throttle.due())
        diag::progress(fmt::format("{} {}",
                                   options.dry_run ? "would remove" : "removed",
                                   tally_text(removed)));
    });
    diag::progress_done();
  }
  if (report.interrupted)
    diag::warning("stopped before the store was within its limits");
  if (report.over_quota && !report.interrupted)
    diag::warningf("pinned segments alone ({}) exceed --max-size {}",
                   human_size(report.pinned.bytes),
                   human_size(*options.max_size));
  const Exit code = report.interrupted ? Exit::interrupted : Exit::ok;
  if (options.quiet && code == Exit::ok)
    return code;
  if (options.json) {
    write_json_line({{"v", output_version},
                     {"end", true},
                     {"dry_run", options.dry_run},
                     {"removed", report.removed.count},
                     {"bytes_freed", report.removed.bytes},
                     {"kept", report.kept.count},
                     {"bytes_kept", report.kept.bytes},
                     {"pinned", report.pinned.count},
                     {"bytes_pinned", report.pinned.bytes},
                     {"followed", report.followed.count},
                     {"bytes_followed", report.followed.bytes},
                     {"over_quota", report.over_quota},
                     {"interrupted", report.interrupted}});
  } else {
    write_raw_line(fmt::format(
        "{} {}; kept {}, of which {} pinned and {} of followed creators",
        options.dry_run ? "would remove" : "removed",
        tally_text(report.removed), tally_text(report.kept),
        tally_text(report.pinned), tally_text(report.followed)));
  }
  return code;
}

/// "hashing 120/4000 segments (1.2 GiB)" and the like.
std::string check_progress_text(const CheckProgress &p) {
  std::string count = p.total >= 0 ? fmt::format("{}/{}", p.done, p.total)
                                   : fmt::format("{}", p.done);
  if (p.phase == "rows")
    return fmt::format("checking rows: {}", count);
  if (p.phase == "files")
    return fmt::format("checking files: {}", count);
  return fmt::format("{}: {} segments ({})", p.phase, count,
                     human_size(p.bytes));
}

Exit check(const StoreGcOptions &options) {
  StoreOptions open;
  open.create = false;
  Store store(options.store, open);
  CheckOptions check_options;
  check_options.repair = options.repair;
  check_options.deep = options.deep;
  ProgressThrottle throttle;
  if (diag::progress_enabled())
    check_options.progress = [&](const CheckProgress &progress) {
      if (throttle.due(progress.phase))
        diag::progress(check_progress_text(progress));
    };
  auto report = store.check(check_options);
  diag::progress_done();
  if (report.unverifiable > 0)
    diag::warningf("{} could not be hashed: no record of theirs is stored",
                   segments(report.unverifiable));
  // -q: a cron job mails whatever is printed, so only a failure prints.
  if (options.quiet && report.consistent())
    return Exit::ok;
  std::int64_t repaired = 0;
  for (const auto &problem : report.problems) {
    repaired += problem.repaired ? 1 : 0;
    if (options.json)
      write_json_line({{"v", output_version},
                       {"problem", fault_name(problem.fault)},
                       {"file", problem.subject},
                       {"detail", problem.detail},
                       {"pinned", problem.pinned},
                       {"repaired", problem.repaired}});
    else
      write_raw_line(fmt::format("{}: {}: {}", fault_name(problem.fault),
                                 problem.subject, problem.detail));
  }
  if (report.pending_removals > 0)
    diag::notef("{} file removal{} left by a crash (or by a gc at work) {}",
                report.pending_removals,
                report.pending_removals == 1 ? "" : "s",
                options.repair ? "finished" : "pending (the next gc finishes them)");
  auto problems = static_cast<std::int64_t>(report.problems.size());
  if (options.json) {
    write_json_line({{"v", output_version},
                     {"end", true},
                     {"consistent", report.consistent()},
                     {"segments", report.segments},
                     {"files", report.files},
                     {"problems", problems},
                     {"repaired", repaired},
                     {"pending_removals", report.pending_removals},
                     {"hashed", report.hashed},
                     {"unverifiable", report.unverifiable}});
  } else {
    std::string scanned = fmt::format(
        "{}, {} file{}{}", segments(report.segments), report.files,
        report.files == 1 ? "" : "s",
        options.deep ? fmt::format(", {} hashed", report.hashed) : "");
    if (problems == 0)
      write_raw_line(fmt::format("store is consistent: {}", scanned));
    else
      write_raw_line(fmt::format("checked {}: {} problem{}, {} repaired",
                                 scanned, problems, problems == 1 ? "" : "s",
                                 repaired));
  }
  if (!report.consistent()) {
    diag::error(fmt::format("{}: the store is broken{}", options.store.string(),
                            options.repair ? " and could not be fully repaired"
                                           : " (try --repair)"));
    return Exit::data;
  }
  return Exit::ok;
}

} // namespace

// Formatted by hand: building a Json object for each line cost more than
// evicting the segment. The keys are in the order nlohmann-json writes
// them (sorted), so the line is byte for byte what it would write.
std::string eviction_json_line(const Eviction &e, bool dry_run) {
  return fmt::format(
      R"({{"bytes":{},"creator":{},"dry_run":{},"followed":{},)"
      R"("infohash":{},"last_used":{},"reason":"{}","room":{},)"
      R"("seq":{},"uses":{},"v":{}}})",
      e.bytes, json_quoted(e.creator), dry_run, e.followed,
      json_quoted(e.infohash), e.last_used, reason_name(e.reason),
      json_quoted(e.room), e.seq, e.uses, output_version);
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024)
    return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

Exit store_gc(const StoreGcOptions &options) {
  if (options.check || options.repair)
    return check(options);
  return collect(options);
}

} // namespace hlswarm
