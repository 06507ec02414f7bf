// Internal to libcore: the output side of seg-split. One FFmpeg muxer runs
// for the whole stream (as in FFmpeg's HLS muxer, so timestamps, continuity
// counters and fragment numbers carry on across files); only the file its
// bytes go to changes at each cut.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "hlswarm/media/segment.hpp"

struct AVBSFContext;
struct AVFormatContext;
struct AVIOContext;
struct AVPacket;
struct AVStream;

namespace hlswarm {

/// A file being written under a temporary name next to its final one.
/// Nothing appears under the final name until commit(); a file never
/// committed is removed.
class PendingFile {
public:
  PendingFile() = default;
  PendingFile(PendingFile &&other) noexcept;
  PendingFile &operator=(PendingFile &&other) noexcept;
  ~PendingFile() { discard(); }

  /// Creates the temporary file; Error(cant_create) if it cannot.
  void open(const std::filesystem::path &final_path);
  bool is_open() const { return fd_ >= 0; }
  /// Appends bytes; returns 0 or an errno value (called from FFmpeg, so it
  /// must not throw).
  int write(const std::uint8_t *data, std::size_t size) noexcept;
  std::uint64_t bytes() const { return bytes_; }
  const std::filesystem::path &final_path() const { return final_; }
  /// Closes, syncs and renames the file into place; returns its size.
  /// Never replaces an existing file: Error(cant_create) instead, unless
  /// `same_may_exist` and the existing file has the very same bytes (then
  /// it stays as it is).
  std::uint64_t commit(bool same_may_exist = false);
  /// Closes and removes the temporary file, if any.
  void discard() noexcept;

private:
  std::filesystem::path final_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
};

/// Remuxes packets (stream copy) into consecutive segment files.
class SegmentMuxer {
public:
  /// `inputs` are the streams to copy; packet stream_index i goes to
  /// output stream i. `init_path` is where fMP4 puts its init segment.
  SegmentMuxer(SegmentFormat format, std::span<AVStream *const> inputs,
               std::filesystem::path init_path);
  SegmentMuxer(const SegmentMuxer &) = delete;
  SegmentMuxer &operator=(const SegmentMuxer &) = delete;
  ~SegmentMuxer();

  /// Starts the next segment file (the first call also writes the header).
  void begin(const std::filesystem::path &final_path);
  /// Writes one packet whose timestamps are on input stream
  /// `pkt->stream_index`'s time base and which belongs to the open segment.
  /// Returns false when FFmpeg refused the packet's data as invalid (the
  /// muxer carries on without it); throws on any other failure.
  bool write(AVPacket *pkt);
  /// Finishes the open segment (and, on the first call, writes and commits
  /// the fMP4 init segment); `last` also ends the muxer. Returns the
  /// segment's file, complete but still under its temporary name.
  PendingFile end(bool last);

  /// The fMP4 init segment, once written.
  const std::optional<std::filesystem::path> &init_path() const {
    return init_written_;
  }

private:
  static int write_bytes(void *opaque, std::uint8_t *data, int size);
  bool check_write(int rc);
  /// Pushes buffered bytes to the current file; throws on a write error.
  void flush(const char *what);
  [[noreturn]] void fail(int averror, const char *what);

  SegmentFormat format_;
  std::span<AVStream *const> inputs_;
  std::filesystem::path init_final_;
  std::optional<std::filesystem::path> init_written_;
  AVFormatContext *context_ = nullptr;
  AVIOContext *io_ = nullptr;
  /// Per output stream, the bitstream filter packets pass first, or null.
  std::vector<AVBSFContext *> filters_;
  bool header_written_ = false;
  PendingFile segment_;
  PendingFile init_;
  PendingFile *target_ = nullptr; ///< where bytes go now; null = discarded
  int write_errno_ = 0;
  std::filesystem::path write_error_path_;
};

} // namespace hlswarm
