// --hls DIR: the segments linked into a folder beside a playlist that any
// HLS player follows while it grows.
#include <cerrno>
#include <cmath>
#include <optional>
#include <set>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/viewer_output.hpp"
#include "init_segment_memory.hpp"

namespace hlswarm {
namespace {

constexpr const char *playlist_name = "index.m3u8";

/// Refuses a record's name that would put a file anywhere but directly in
/// the folder, hide it, or replace the playlist: records come from a
/// creator, not from us.
void check_plain_name(const std::string &name) {
  if (name.empty() || name[0] == '.' || name == playlist_name ||
      name.find_first_of(std::string_view("/\0", 2)) != std::string::npos)
    throw Error(Exit::data, fmt::format("'{}'", name),
                "not a plain file name for a segment");
}

/// Hard link failures that a copy gets around: another file system, or one
/// without hard links (FAT, some FUSE mounts), or a file linked too often.
bool link_impossible(int error) {
  return error == EXDEV || error == EPERM || error == EMLINK ||
         error == ENOTSUP || error == EOPNOTSUPP;
}

/// Puts `source` at `target` (replacing what is there) as a hard link, or
/// a copy where no link can be made; never half there under `target`.
void link_or_copy(const std::filesystem::path &source,
                  const std::filesystem::path &target) {
  const std::filesystem::path temporary = temporary_name_for(target);
  remove_quietly(temporary); // left by a killed run that had our pid
  if (::link(source.c_str(), temporary.c_str()) != 0) {
    int error = errno;
    std::error_code ec;
    if (error == ENOENT && !std::filesystem::exists(source, ec))
      throw system_error(Exit::no_input, source.string(), error);
    if (!link_impossible(error))
      throw system_error(Exit::cant_create, target.string(), error);
    try {
      copy_file_contents(source, temporary, target.string());
      commit_file(temporary, target);
    } catch (...) {
      remove_quietly(temporary);
      throw;
    }
    return;
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    int error = errno;
    remove_quietly(temporary);
    throw system_error(Exit::cant_create, target.string(), error);
  }
  // rename(2) does nothing when both names are links to one file (a rerun
  // into the same folder from the same store): the temporary stays.
  remove_quietly(temporary);
}

class HlsOutput : public ViewerOutput {
public:
  HlsOutput(std::filesystem::path dir, OutputKind kind)
      : dir_(std::move(dir)), kind_(kind) {
    make_dirs(dir_);
    check_can_create(dir_ / playlist_name);
  }

  bool write(const OutputSegment &segment) override {
    check_plain_name(segment.name);
    if (segment.init) {
      if (init_.is_new(segment.file))
        set_init(segment);
      return true;
    }
    std::string uri = place(segment);
    if (!playlist_)
      playlist_.emplace(segment.seq, 0.0, std::exchange(first_init_uri_, {}));
    // Durations have microsecond precision: 8.0000001 s is 8, not 9.
    playlist_->raise_target_duration(std::ceil(segment.duration_s - 1e-6));
    playlist_->add(std::move(uri), segment.duration_s,
                   segment.discontinuity || std::exchange(init_changed_, false));
    save();
    return true;
  }

  void finish() override {
    if (!playlist_)
      playlist_.emplace(0, 0.0, std::exchange(first_init_uri_, {}));
    playlist_->end(kind_ == OutputKind::vod ? PlaylistType::vod
                                            : PlaylistType::event);
    save();
  }

private:
  void set_init(const OutputSegment &segment) {
    std::string uri = place(segment);
    if (!playlist_) {
      first_init_uri_ = std::move(uri);
      return;
    }
    // Another init segment means other codec parameters: players must
    // reset their decoders there.
    playlist_->set_map(std::move(uri));
    init_changed_ = true;
  }

  /// Links the segment into the folder; returns its URI in the playlist.
  std::string place(const OutputSegment &segment) {
    std::string name = segment.name;
    if (!names_.insert(name).second) {
      // The name is taken by an earlier file of this run, which the
      // playlist still names (a restarted broadcast's new init.mp4).
      std::filesystem::path taken(name);
      name = fmt::format("{}-{}{}", taken.stem().string(), segment.seq,
                         taken.extension().string());
      names_.insert(name);
    }
    link_or_copy(segment.file, dir_ / name);
    return relative_uri(dir_ / name, dir_);
  }

  void save() {
    write_file_atomically(dir_ / playlist_name, playlist_->text());
  }

  std::filesystem::path dir_;
  OutputKind kind_;
  std::optional<MediaPlaylist> playlist_; ///< from the first segment on
  std::string first_init_uri_;            ///< an init before that segment
  bool init_changed_ = false;             ///< a new EXT-X-MAP comes next
  std::set<std::string> names_;           ///< file names this run wrote
  InitSegmentMemory init_;
};

} // namespace

std::unique_ptr<ViewerOutput> make_hls_output(const std::filesystem::path &dir,
                                              OutputKind kind) {
  return std::make_unique<HlsOutput>(dir, kind);
}

} // namespace hlswarm
