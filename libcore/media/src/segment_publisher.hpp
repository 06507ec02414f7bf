// Internal to libcore: the last step of seg-split for each segment. Syncing
// a segment to disk takes as long as cutting it; done on a thread of its
// own, the next segment is cut meanwhile.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/segment.hpp"
#include "segment_muxer.hpp"

namespace hlswarm {

/// Makes finished segments durable and announces them, strictly in order:
/// sync and rename the file into place, rewrite the playlist (if any), then
/// call `on_segment` - from the publisher's own thread, one call at a time.
class SegmentPublisher {
public:
  /// `playlist_path` and `playlist` go together: the playlist to keep
  /// up to date, or neither.
  SegmentPublisher(std::function<void(const Segment &)> on_segment,
                   std::optional<std::filesystem::path> playlist_path,
                   std::optional<MediaPlaylist> playlist);
  SegmentPublisher(const SegmentPublisher &) = delete;
  SegmentPublisher &operator=(const SegmentPublisher &) = delete;
  /// Publishes what is still queued (those segments are complete), unless
  /// publishing already failed; then stops.
  ~SegmentPublisher();

  /// Queues a complete segment whose file is still under its temporary
  /// name; `last` ends the playlist. Waits while the disk is more than a
  /// couple of segments behind, so memory stays flat. Throws the error that
  /// stopped an earlier segment's publication, if any.
  void publish(PendingFile file, Segment segment, bool last);

  /// Waits until everything queued is published; throws the first error.
  void finish();

private:
  struct Job {
    PendingFile file;
    Segment segment;
    bool last;
  };
  void run();
  void publish_now(Job &job);
  void rethrow_failure();

  std::function<void(const Segment &)> on_segment_;
  std::optional<std::filesystem::path> playlist_path_;
  std::optional<MediaPlaylist> playlist_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> queue_;
  bool busy_ = false;     ///< a job is being published outside the queue
  bool closing_ = false;  ///< no more jobs will come
  std::exception_ptr failure_;
  std::thread thread_;    ///< started last, once everything above exists
};

} // namespace hlswarm
