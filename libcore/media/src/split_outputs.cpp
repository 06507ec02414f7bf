#include "split_outputs.hpp"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <string_view>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/paths.hpp"

namespace hlswarm {
namespace {

/// `path` with symbolic links and ".." resolved as far as it exists, so
/// that two names of one file compare equal.
std::filesystem::path resolved(const std::filesystem::path &path) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : real;
}

/// True when `path` is where some segment of the run would be written.
bool names_a_segment(const SplitOutputs &outputs,
                     const std::filesystem::path &path) {
  std::filesystem::path real = resolved(path);
  return real.parent_path() == resolved(outputs.out_dir) &&
         is_segment_file_name(outputs.pattern, real.filename().string());
}

void check_init_name(const std::string &init) {
  if (init.empty() || init == "." || init == ".." ||
      init.find('/') != std::string::npos)
    throw Error(Exit::usage, "--init-name",
                fmt::format("'{}': a file name, not a path (use --out for "
                            "the folder)",
                            init));
}

/// Refuses two outputs, or an output and the input, that are one file:
/// one would overwrite the other.
void check_collisions(const SplitOutputs &outputs,
                      const SplitOptions &options) {
  const bool fmp4 = options.format == SegmentFormat::fmp4;
  if (fmp4 && is_segment_file_name(outputs.pattern, options.init_name))
    throw Error(Exit::usage, "--init-name",
                fmt::format("'{}': is also a segment's name ({})",
                            options.init_name, outputs.pattern));
  if (outputs.playlist) {
    const std::filesystem::path &playlist = *outputs.playlist;
    if (fmp4 && resolved(playlist) == resolved(outputs.init))
      throw Error(Exit::usage, "--playlist",
                  fmt::format("{}: is the init segment", playlist.string()));
    if (names_a_segment(outputs, playlist))
      throw Error(Exit::usage, "--playlist",
                  fmt::format("{}: is a segment's file name ({} in --out)",
                              playlist.string(), outputs.pattern));
  }
  if (options.input == "-")
    return;
  const std::filesystem::path input = resolved(absolute_path(options.input));
  if (outputs.playlist && resolved(*outputs.playlist) == input)
    throw Error(Exit::usage, "--playlist",
                fmt::format("{}: is the input file", options.input));
  if (fmp4 && resolved(outputs.init) == input)
    throw Error(Exit::usage, "--init-name",
                fmt::format("{}: is the input file", options.input));
  if (names_a_segment(outputs, input))
    throw Error(Exit::usage, options.input,
                fmt::format("the input is a segment's file name ({} in "
                            "--out): use another --out folder",
                            outputs.pattern));
}

/// Removes temporary files (".NAME.tmp-PID") that a run which is no longer
/// alive left in `dir` when it was killed.
void remove_stale_temporaries(const std::filesystem::path &dir) {
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::filesystem::path &path = entry.path();
    if (!is_temporary_name(path))
      continue;
    std::string name = path.filename().string();
    std::string_view pid_text =
        std::string_view(name).substr(name.rfind(".tmp-") + 5);
    if (pid_text.empty() ||
        pid_text.find_first_not_of("0123456789") != std::string_view::npos ||
        pid_text.size() > 9)
      continue;
    pid_t pid = static_cast<pid_t>(std::stol(std::string(pid_text)));
    // Only a process that no longer exists cannot still be writing it.
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
      remove_quietly(path);
  }
}

/// True when every segment of `playlist` lies in `outputs.out_dir`.
bool lists_segments_of(const MediaPlaylist &playlist,
                       const SplitOutputs &outputs) {
  // The URI a segment of this --out folder gets, without the file name.
  std::string folder_uri =
      relative_uri(outputs.out_dir / "x", outputs.playlist->parent_path());
  folder_uri.pop_back();
  for (const std::string &uri : playlist.uris())
    if (!uri.starts_with(folder_uri) ||
        uri.find('/', folder_uri.size()) != std::string::npos)
      return false;
  return true;
}

/// The text of the file at the playlist's path, if it is an earlier
/// seg-split playlist of this --out folder; Error(cant_create) if not.
std::string earlier_playlist_text(const SplitOutputs &outputs) {
  const std::filesystem::path &path = *outputs.playlist;
  auto refuse = [&](std::string_view why) {
    return Error(Exit::cant_create, path.string(),
                 fmt::format("exists and {}: not replaced (remove it, or "
                             "choose another --playlist)",
                             why));
  };
  // A look at the first bytes first: a video is not read whole.
  constexpr std::string_view magic = "#EXTM3U\n";
  std::ifstream file(path, std::ios::binary);
  std::string head(magic.size(), '\0');
  if (!file.read(head.data(), static_cast<std::streamsize>(head.size())) ||
      head != magic)
    throw refuse("is not an HLS playlist");
  std::string text;
  try {
    text = read_whole_file(path);
  } catch (const Error &e) {
    throw refuse(fmt::format("cannot be read ({})", e.reason()));
  }
  auto earlier = MediaPlaylist::read(text);
  if (!earlier)
    throw refuse("is not a playlist seg-split wrote");
  if (!lists_segments_of(*earlier, outputs))
    throw refuse(fmt::format("lists segments outside {}",
                             outputs.out_dir.string()));
  return text;
}

} // namespace

SplitOutputs SplitOutputs::plan(const SplitOptions &options) {
  check_init_name(options.init_name);
  SplitOutputs outputs;
  outputs.out_dir = absolute_path(options.out_dir);
  outputs.pattern = options.name_pattern.empty()
                        ? default_name_pattern(options.format)
                        : options.name_pattern;
  check_name_pattern(outputs.pattern);
  outputs.init = outputs.out_dir / options.init_name;
  if (options.playlist)
    outputs.playlist = absolute_path(*options.playlist);
  check_collisions(outputs, options);
  return outputs;
}

std::filesystem::path SplitOutputs::segment(std::int64_t seq) const {
  return out_dir / segment_file_name(pattern, seq);
}

void check_out_dir(const SplitOutputs &outputs, std::int64_t start_seq) {
  std::error_code ec;
  if (!std::filesystem::is_directory(outputs.out_dir, ec))
    return;
  remove_stale_temporaries(outputs.out_dir);
  auto exists = [&](std::int64_t seq) {
    return std::filesystem::exists(outputs.segment(seq), ec);
  };
  if (!exists(start_seq))
    return;
  std::int64_t free_seq = start_seq + 1;
  while (free_seq < max_start_seq && exists(free_seq))
    ++free_seq;
  throw Error(Exit::cant_create, outputs.segment(start_seq).string(),
              fmt::format("exists (from an earlier run?): continue with "
                          "--start-seq {} or use another --out folder",
                          free_seq));
}

std::optional<MediaPlaylist> prepare_playlist(const SplitOutputs &outputs,
                                              const SplitOptions &options) {
  if (!outputs.playlist)
    return std::nullopt;
  const std::filesystem::path &path = *outputs.playlist;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(Exit::cant_create, path.string(), "is a folder");
  std::string init_uri;
  if (options.format == SegmentFormat::fmp4)
    init_uri = relative_uri(outputs.init, path.parent_path());

  std::optional<MediaPlaylist> playlist;
  if (std::filesystem::exists(path, ec)) {
    std::string text = earlier_playlist_text(outputs);
    // A restart into the same folder (--start-seq) goes on with the
    // playlist of the run before, so that a player sees one stream with a
    // discontinuity rather than losing what came before.
    if (options.start_seq > 0) {
      playlist = MediaPlaylist::continued(text, options.start_seq,
                                          options.duration, init_uri);
      if (!playlist)
        diag::warningf("{}: not continued (it must end right before seq {}, "
                       "with the same init segment): starting a new playlist",
                       path.string(), options.start_seq);
    }
  }

  make_dirs(path.parent_path());
  // The playlist is rewritten after each segment under a temporary name:
  // find out now, not after the first segment, if that cannot work.
  check_can_create(path);

  if (!playlist)
    playlist.emplace(options.start_seq, options.duration, init_uri);
  return playlist;
}

} // namespace hlswarm
