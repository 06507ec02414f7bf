// store-writer: a test-only program that adds and removes segments in a
// loop, for the crash and concurrency tests of the store. It prints one line
// per change *after* the change committed ("added <infohash> pinned|open",
// "removed <infohash>"), so whatever it printed before being killed must be
// in the store.
//
// Segment bytes are the infohash repeated, so a test can tell from a file
// alone that it holds the right segment.
#include <fstream>
#include <random>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/store/store.hpp"
#include "hlswarm/base/tool.hpp"

namespace {

struct WriterOptions {
  std::string room = "room";
  std::uint64_t seed = 1;
  long adds = 0; // 0: until killed or stopped
  int pinned_every = 3;
  int remove_every = 4;
  std::size_t bytes = 4096;
};

const std::string pinned_creator(64, 'a');
const std::string open_creator(64, 'b');

hlswarm::Exit write_segments(const std::filesystem::path &folder,
                             const WriterOptions &options) {
  hlswarm::Store store(folder);
  auto pinned = store.add_room(pinned_creator, "pinned-" + options.room,
                               hlswarm::RoomMode::live);
  store.set_room_pinned(pinned, true);
  auto open =
      store.add_room(open_creator, "open-" + options.room, hlswarm::RoomMode::live);

  auto scratch = folder.parent_path() /
                 fmt::format("writer-{}-{}", options.room, ::getpid());
  hlswarm::make_dirs(scratch);
  std::mt19937_64 random(options.seed);
  std::vector<std::string> removable;
  for (long i = 0; options.adds == 0 || i < options.adds; ++i) {
    if (hlswarm::stop_requested())
      break;
    bool is_pinned = options.pinned_every > 0 && i % options.pinned_every == 0;
    auto infohash = fmt::format("{:016x}{:016x}{:016x}{:016x}", options.seed,
                                static_cast<std::uint64_t>(i), random(), random());
    std::string content;
    auto size = options.bytes + random() % options.bytes;
    while (content.size() < size)
      content += infohash;
    auto source = scratch / (infohash.substr(0, 24) + ".ts");
    { std::ofstream(source, std::ios::binary) << content; }
    auto seq = static_cast<std::int64_t>(options.seed * 1'000'000 +
                                         static_cast<std::uint64_t>(i));
    store.add_segment({infohash, is_pinned ? pinned : open, seq, source, i % 2 == 0});
    hlswarm::remove_quietly(source);
    hlswarm::write_raw_line(
        fmt::format("added {} {}", infohash, is_pinned ? "pinned" : "open"));
    if (!is_pinned)
      removable.push_back(infohash);
    store.note_served(infohash, 16384);
    store.note_requested(infohash);

    if (options.remove_every > 0 && i % options.remove_every == 1 &&
        !removable.empty()) {
      auto at = random() % removable.size();
      auto victim = removable[at];
      removable.erase(removable.begin() + static_cast<long>(at));
      if (store.remove_segment(victim))
        hlswarm::write_raw_line(fmt::format("removed {}", victim));
    }
  }
  std::filesystem::remove_all(scratch);
  return hlswarm::Exit::ok;
}

} // namespace

int main(int argc, char **argv) {
  hlswarm::Tool tool("store-writer",
                     "Test program: add and remove segments in a loop");
  tool.add_store_option();
  WriterOptions options;
  auto &app = tool.app();
  app.add_option("--room", options.room, "Suffix of the two room names");
  app.add_option("--seed", options.seed, "Seed of infohashes and sizes");
  app.add_option("--adds", options.adds, "Segments to add (0: until stopped)");
  app.add_option("--pinned-every", options.pinned_every,
                 "Every Nth segment goes to the pinned room");
  app.add_option("--remove-every", options.remove_every,
                 "Remove an unpinned segment every Nth add");
  app.add_option("--bytes", options.bytes, "Smallest segment size");
  return tool.run(argc, argv,
                  [&] { return write_segments(tool.common().store, options); });
}
