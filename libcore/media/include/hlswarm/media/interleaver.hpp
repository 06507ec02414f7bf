// The packets of several streams merged into one order by time, as FFmpeg's
// muxers interleave them by decoding time: what a demuxer reads in file
// order (audio often a few hundred milliseconds ahead of or behind the
// video) comes out in time order, so that a cut between two packets cuts
// every stream at the same time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace hlswarm {

/// Holds packets until none can come that goes before them. `Payload` is
/// whatever the caller keeps per packet (movable).
template <typename Payload> class Interleaver {
public:
  /// `streams`: how many streams feed it. `max_wait`: the most (in time
  /// units) the newest packet may lie ahead of the oldest one held before
  /// that one goes out without waiting for the streams that have nothing
  /// queued (a stream that has gone quiet or ended is not waited for
  /// forever; FFmpeg's max_interleave_delta is 10 s).
  Interleaver(std::size_t streams, std::int64_t max_wait)
      : queues_(streams), max_wait_(max_wait) {}

  /// Adds the next packet of `stream`. Times must not go backwards within
  /// a stream (an earlier one is raised to the stream's last time).
  void push(std::size_t stream, std::int64_t time, Payload payload) {
    std::deque<Entry> &queue = queues_.at(stream);
    if (!queue.empty())
      time = std::max(time, queue.back().time);
    queue.push_back({time, std::move(payload)});
    newest_ = newest_ ? std::max(*newest_, time) : time;
  }

  /// The packet with the earliest time, once it may go out: every stream
  /// has a packet queued (so nothing earlier can still come), or the
  /// newest lies more than max_wait ahead, or `draining` (end of input).
  /// Of equal times, the lower stream goes first. nullopt when none may.
  std::optional<Payload> pop(bool draining = false) {
    std::deque<Entry> *earliest = nullptr;
    bool some_stream_empty = false;
    for (std::deque<Entry> &queue : queues_) {
      if (queue.empty())
        some_stream_empty = true;
      else if (!earliest || queue.front().time < earliest->front().time)
        earliest = &queue;
    }
    if (!earliest)
      return std::nullopt;
    if (some_stream_empty && !draining &&
        *newest_ - earliest->front().time <= max_wait_)
      return std::nullopt;
    Payload payload = std::move(earliest->front().payload);
    earliest->pop_front();
    return payload;
  }

private:
  struct Entry {
    std::int64_t time;
    Payload payload;
  };
  std::vector<std::deque<Entry>> queues_;
  std::int64_t max_wait_;
  std::optional<std::int64_t> newest_;
};

} // namespace hlswarm
