#include "segment_publisher.hpp"

#include <csignal>
#include <pthread.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"

namespace hlswarm {
namespace {

// Two segments in flight is enough to overlap cutting with syncing; more
// would only hold more temporary files when the disk cannot keep up.
constexpr std::size_t max_queued = 2;

} // namespace

SegmentPublisher::SegmentPublisher(
    std::function<void(const Segment &)> on_segment,
    std::optional<std::filesystem::path> playlist_path,
    std::optional<MediaPlaylist> playlist)
    : on_segment_(std::move(on_segment)),
      playlist_path_(std::move(playlist_path)),
      playlist_(std::move(playlist)) {
  // SIGINT and SIGTERM must interrupt the main thread's blocking read of
  // the input; a signal handled by this thread would leave that read
  // waiting for data that may never come. The thread inherits the mask.
  sigset_t stop_signals;
  sigset_t previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

SegmentPublisher::~SegmentPublisher() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void SegmentPublisher::publish(PendingFile file, Segment segment, bool last) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || queue_.size() < max_queued; });
  rethrow_failure();
  queue_.push_back({std::move(file), std::move(segment), last});
  lock.unlock();
  changed_.notify_all();
}

void SegmentPublisher::finish() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || (queue_.empty() && !busy_); });
  rethrow_failure();
}

void SegmentPublisher::rethrow_failure() {
  if (failure_)
    std::rethrow_exception(failure_);
}

void SegmentPublisher::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty() || failure_)
      return; // closing; a failed publisher leaves the rest unannounced
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();
    std::exception_ptr failure;
    try {
      publish_now(job);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (failure)
      failure_ = failure;
    changed_.notify_all();
  }
}

void SegmentPublisher::publish_now(Job &job) {
  job.segment.bytes = job.file.commit();
  if (playlist_) {
    playlist_->add(relative_uri(job.segment.path,
                                playlist_path_->parent_path()),
                   job.segment.duration);
    if (job.last)
      playlist_->end();
    write_file_atomically(*playlist_path_, playlist_->text());
  }
  on_segment_(job.segment);
  diag::progress(fmt::format("segment {} done, {:.1f} s cut",
                             job.segment.seq,
                             job.segment.start + job.segment.duration));
}

} // namespace hlswarm
