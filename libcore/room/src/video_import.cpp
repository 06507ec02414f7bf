// Importing prepared videos as VOD rooms (peer-seed --dir).
//
// Nothing is ever half-imported. An import commits its imports row and its
// room together before the first segment is cut, and marks the row done
// after the end record and the chain torrent's file: a kill at any moment
// leaves either a done import or an unfinished one, which the next import
// removes whole (rows, segment files, chain files, work folder) before it
// does anything else. One import runs per store at a time (a flock on
// imports/lock), so an unfinished row nobody holds the lock for is
// abandoned, never another program's import in progress.
#include "hlswarm/room/video_import.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/sha256.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/creator_chain.hpp"
#include "hlswarm/chain/seg_chain.hpp"
#include "hlswarm/media/split.hpp"
#include "hlswarm/room/room_announce.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/store/store_layout.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

// The store's import lock, held while this object lives.
class ImportLock {
public:
  // Error(temp_fail) if another program holds it; with `try_only`, an
  // object that does not hold it (held() false) instead.
  ImportLock(const fs::path &store, bool try_only) {
    auto path = store_import_lock_path(store);
    make_dirs(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw system_error(Exit::cant_create, path.string(), errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0)
      return;
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK && try_only)
      return;
    if (error == EWOULDBLOCK)
      throw Error(Exit::temp_fail, store.string(),
                  "another program is importing videos into this store");
    throw system_error(Exit::io, path.string(), error);
  }
  ~ImportLock() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  ImportLock(const ImportLock &) = delete;
  ImportLock &operator=(const ImportLock &) = delete;
  bool held() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

struct FileState {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

FileState file_state(const fs::path &path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0)
    throw system_error(Exit::no_input, path.string(), errno);
  return {static_cast<std::uint64_t>(status.st_size),
          static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 +
              status.st_mtim.tv_nsec};
}

// The files to import: regular files (or links to them) directly in each
// folder, by name, folder by folder.
std::vector<fs::path> video_files(const std::vector<fs::path> &dirs) {
  std::vector<fs::path> files;
  for (const auto &dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw Error(Exit::no_input, dir.string(), "no such folder");
    std::vector<fs::path> here;
    fs::directory_iterator it(dir, ec);
    if (ec)
      throw Error(Exit::no_input, dir.string(), ec.message());
    for (const auto &entry : it) {
      if (ignored_import_name(entry.path().filename().string()))
        continue;
      if (entry.is_regular_file(ec))
        here.push_back(fs::absolute(entry.path()).lexically_normal());
    }
    std::sort(here.begin(), here.end(), [](const fs::path &a, const fs::path &b) {
      return a.filename().string() < b.filename().string();
    });
    files.insert(files.end(), here.begin(), here.end());
  }
  return files;
}

// The first `limit` bytes of `text` at most, cut on a character boundary,
// without spaces at the end.
std::string cut_name(std::string text, std::size_t limit) {
  if (text.size() > limit) {
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      --end;
    text.resize(end);
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

// A name whose room the creator does not have yet, and whose chain files
// are free: `base`, else "base (2)", "base (3)"...
std::string free_room_name(Store &store, const fs::path &folder,
                           const Identity &creator, const std::string &base) {
  for (int n = 1;; ++n) {
    std::string suffix = n == 1 ? "" : fmt::format(" ({})", n);
    std::string name = cut_name(base, max_room_name_bytes - suffix.size()) + suffix;
    Room room{creator.public_key(), name};
    std::error_code ec;
    if (!store.find_room(creator.public_key_hex(), name) &&
        !fs::exists(default_chain_path(folder, room), ec) &&
        !fs::exists(chain_records_path(folder, room), ec))
      return name;
  }
}

// Undoes an import that did not finish: files first, rows last, so that a
// crash in between leaves the row for the next roll-back to find.
void roll_back(Store &store, const VideoImport &import) {
  const fs::path &folder = store.folder();
  if (auto info = store.room(import.room)) {
    auto creator = from_hex(info->creator);
    if (creator && creator->size() == 32) {
      Room room;
      std::copy(creator->begin(), creator->end(), room.creator.begin());
      room.name = info->name;
      remove_quietly(default_chain_path(folder, room));
      remove_quietly(chain_records_path(folder, room));
    }
  }
  std::error_code ec;
  fs::remove_all(store_import_work_path(folder, import.id), ec);
  store.remove_room(import.room);
}

// With the lock held: rolls back every unfinished import and removes work
// folders left without one.
std::size_t roll_back_all(Store &store) {
  auto unfinished = store.unfinished_imports();
  for (const auto &import : unfinished) {
    diag::notef("rolling back the unfinished import of {}", import.path.string());
    roll_back(store, import);
  }
  std::error_code ec;
  auto lock = store_import_lock_path(store.folder());
  for (const auto &entry :
       fs::directory_iterator(store.folder() / store_imports_folder, ec))
    if (entry.path() != lock)
      fs::remove_all(entry.path(), ec);
  return unfinished.size();
}

// The chain torrent's file, as room-announce writes it: every record's
// bytes in seq order.
void write_chain_records(Store &store, RoomId id, const Room &room) {
  std::string bytes;
  auto last = store.last_record_seq(id).value_or(-1);
  for (std::int64_t seq = 0; seq <= last; ++seq) {
    auto record = store.record(id, seq);
    if (!record)
      throw Error(Exit::software, format_room_uri(room),
                  fmt::format("record seq {} is not stored", seq));
    bytes += *record;
  }
  auto path = chain_records_path(store.folder(), room);
  if (bytes.size() > max_chain_records_bytes)
    throw Error(Exit::data, path.string(),
                fmt::format("the chain is over {} bytes: the video is too long "
                            "for one room at this segment duration",
                            max_chain_records_bytes));
  write_file_atomically(path, bytes);
}

std::int64_t microseconds(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * 1e6));
}

class VideoImporter {
public:
  VideoImporter(const ImportOptions &options, const ImportEvents &events,
                Store &store)
      : options_(options), events_(events), store_(store),
        creator_(options.identity.public_key_hex()) {}

  // Imports `path` unless it is imported already. Returns false after a
  // stop request (the video rolled back).
  bool import_file(const fs::path &path) {
    FileState state = file_state(path);
    auto last = store_.last_import(creator_, path);
    if (last && last->size == state.size && last->mtime_ns == state.mtime_ns)
      return true;
    std::string sha256 = to_hex(digest_bytes(sha256_file(path)));
    if (last && last->sha256 == sha256) { // touched, not changed
      store_.update_import_file(last->id, state.size, state.mtime_ns);
      return true;
    }
    auto started = std::chrono::steady_clock::now();
    NewImport begin{path, state.size, state.mtime_ns, sha256, creator_,
                    free_room_name(store_, store_.folder(), options_.identity,
                                   room_name_for_file(path))};
    VideoImport import = store_.begin_import(begin);
    ImportedVideo video;
    video.path = path;
    video.room = Room{options_.identity.public_key(), begin.name};
    video.room_id = import.room;
    if (last)
      if (auto old = store_.room(last->room))
        video.replaces = format_room_uri(Room{options_.identity.public_key(), old->name});
    try {
      if (!cut_and_chain(import, state.size, video)) {
        roll_back(store_, import);
        return false;
      }
      write_chain_records(store_, import.room, video.room);
      std::error_code ec;
      fs::remove_all(store_import_work_path(store_.folder(), import.id), ec);
      store_.finish_import(import.id);
    } catch (...) {
      try {
        roll_back(store_, import);
      } catch (const std::exception &e) {
        diag::warningf("{}: import not rolled back (the next import will): {}",
                       path.string(), e.what());
      }
      throw;
    }
    video.seconds = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    ++imported_;
    if (events_.imported)
      events_.imported(video);
    return true;
  }

  std::size_t imported() const { return imported_; }

private:
  // Cuts the video into the import's work folder, chaining and moving each
  // segment into the store as it is finished, then the end record. False
  // when a stop request cut it short.
  bool cut_and_chain(const VideoImport &import, std::uint64_t file_bytes,
                     ImportedVideo &video) {
    auto work = store_import_work_path(store_.folder(), import.id);
    make_dirs(work);
    ChainFile chain(default_chain_path(store_.folder(), video.room));
    CreatorChain writer(chain, options_.identity, video.room, store_.folder(),
                        CreatorChain::Files::moved);
    SplitOptions split_options;
    split_options.input = video.path.string();
    split_options.out_dir = work;
    split_options.duration = options_.segment_seconds;
    split_options.format = options_.format;
    std::optional<std::uint64_t> init_bytes;
    auto result = split(split_options, [&](const Segment &segment) {
      ChainSegment link;
      link.path = segment.path;
      link.torrent = hash_segment(segment.path);
      link.start_us = microseconds(segment.start);
      link.duration_us = microseconds(segment.duration);
      link.init = segment.init;
      if (segment.init && !init_bytes)
        init_bytes = fs::file_size(*segment.init);
      writer.append_segment(link);
      ++video.segments;
      video.bytes += segment.bytes;
      video.duration = segment.start + segment.duration;
      if (events_.progress && file_bytes > 0)
        events_.progress(video.path,
                         std::min(0.99, static_cast<double>(video.bytes) /
                                            static_cast<double>(file_bytes)));
    });
    if (result.interrupted)
      return false;
    if (result.segments == 0)
      throw Error(Exit::data, video.path.string(), "no segments in it");
    video.bytes += init_bytes.value_or(0);
    writer.append_end();
    return true;
  }

  const ImportOptions &options_;
  const ImportEvents &events_;
  Store &store_;
  std::string creator_;
  std::size_t imported_ = 0;
};

// A video's own faults, which skip it; anything else (the store, the
// disk, a bug) would fail the next video too and stops the run.
bool is_fault_of_the_file(const Error &e) {
  switch (e.code()) {
  case Exit::data:
  case Exit::no_input:
  case Exit::io:
  case Exit::unavailable:
    return true;
  default:
    return false;
  }
}

} // namespace

bool ignored_import_name(const std::string &file_name) {
  auto ends_with = [&](std::string_view suffix) {
    return file_name.size() >= suffix.size() &&
           file_name.compare(file_name.size() - suffix.size(), suffix.size(),
                             suffix) == 0;
  };
  return file_name.empty() || file_name.front() == '.' || ends_with(".part") ||
         ends_with(".tmp") || ends_with(".crdownload");
}

std::string room_name_for_file(const fs::path &file) {
  std::string stem = file.stem().string();
  std::string name;
  for (std::size_t at = 0; at < stem.size();) {
    auto lead = static_cast<unsigned char>(stem[at]);
    std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    std::string_view character(stem.data() + at,
                               std::min(length, stem.size() - at));
    if (is_clean_utf8(character)) {
      name += character;
      at += character.size();
    } else {
      name += '_';
      ++at;
    }
  }
  name.erase(0, std::min(name.find_first_not_of(' '), name.size()));
  name = cut_name(name, max_room_name_bytes);
  return name.empty() ? "video" : name;
}

std::size_t roll_back_unfinished_imports(const fs::path &store) {
  ImportLock lock(store, true);
  if (!lock.held())
    return 0;
  Store opened(store);
  return roll_back_all(opened);
}

std::size_t import_videos(const ImportOptions &options,
                          const ImportEvents &events) {
  auto files = video_files(options.dirs);
  ImportLock lock(options.store, false);
  Store store(options.store);
  roll_back_all(store);
  VideoImporter importer(options, events, store);
  for (const auto &file : files) {
    if (stop_requested())
      break;
    try {
      if (!importer.import_file(file))
        break;
    } catch (const Error &e) {
      if (!is_fault_of_the_file(e))
        throw;
      if (events.skipped)
        events.skipped(file, e);
    }
  }
  return importer.imported();
}

std::string imported_json_line(const ImportedVideo &video) {
  nlohmann::ordered_json line = {
      {"v", 1},
      {"path", video.path.string()},
      {"room", format_room_uri(video.room)},
      {"segments", video.segments},
      {"bytes", video.bytes},
      {"duration", std::round(video.duration * 1e6) / 1e6},
      {"replaces", video.replaces ? Json(*video.replaces) : Json(nullptr)}};
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace hlswarm
