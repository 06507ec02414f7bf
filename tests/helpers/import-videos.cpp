// import-videos: a test-only driver of hlswarm::import_videos (peer-seed
// --dir's library), so the import can be tested before, and apart from,
// peer-seed. Prints one JSON line per video imported, a warning per file
// skipped; exits 0, or 130 after SIGINT/SIGTERM.
//
// --stall-at FRACTION makes a crash test deterministic: once an import is
// that far, it says "stalled" on stderr and waits for a signal (SIGKILL, or
// SIGTERM which the import then obeys).
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/tool.hpp"
#include "hlswarm/room/video_import.hpp"

int main(int argc, char **argv) {
  hlswarm::Tool tool("import-videos",
                     "Test program: import a folder of videos as VOD rooms");
  tool.add_store_option();
  std::vector<std::filesystem::path> dirs;
  std::optional<std::filesystem::path> key_file;
  double duration = 8;
  std::string format = "mpegts";
  std::optional<double> stall_at;
  auto &app = tool.app();
  app.add_option("--dir", dirs, "Folder of videos (repeatable)")->required();
  app.add_option("--key", key_file, "Creator key file");
  app.add_option("-d,--duration", duration, "Segment duration, seconds");
  app.add_option("--format", format, "mpegts or fmp4");
  app.add_option("--stall-at", stall_at,
                 "Stop and wait for a signal once an import is this far (0-1)");
  return tool.run(argc, argv, [&] {
    hlswarm::ImportOptions options;
    options.dirs = dirs;
    options.store = tool.common().store;
    options.identity = hlswarm::open_identity(
        key_file.value_or(hlswarm::default_key_path()), true);
    options.segment_seconds = duration;
    options.format = hlswarm::parse_segment_format(format);
    hlswarm::ImportEvents events;
    events.imported = [](const hlswarm::ImportedVideo &video) {
      hlswarm::write_raw_line(hlswarm::imported_json_line(video));
    };
    events.skipped = [](const std::filesystem::path &path,
                        const hlswarm::Error &error) {
      bool about_the_file = error.subject() == path.string();
      hlswarm::diag::warningf("{}: skipped: {}", path.string(),
                              about_the_file ? error.reason() : error.what());
    };
    events.progress = [&](const std::filesystem::path &path, double fraction) {
      hlswarm::diag::progress(
          fmt::format("{}: {:.0f}%", path.filename().string(), fraction * 100));
      if (stall_at && fraction >= *stall_at) {
        stall_at.reset();
        hlswarm::diag::note("stalled");
        hlswarm::wait_for_stop(std::chrono::hours(1));
      }
    };
    hlswarm::import_videos(options, events);
    hlswarm::diag::progress_done();
    return hlswarm::stop_requested() ? hlswarm::Exit::interrupted
                                     : hlswarm::Exit::ok;
  });
}
