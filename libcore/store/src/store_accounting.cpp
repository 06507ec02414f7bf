// Store: accounting for the network programs, summed in memory and written
// in one transaction.
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

void Store::note_served(std::string_view infohash, std::uint64_t bytes) {
  impl_->require_writable();
  auto &usage = impl_->segment_usage[std::string(infohash)];
  usage.bytes_served += bytes;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::note_requested(std::string_view infohash) {
  impl_->require_writable();
  auto &usage = impl_->segment_usage[std::string(infohash)];
  usage.requests += 1;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::note_creator_watched(std::string_view creator) {
  impl_->require_writable();
  auto &usage = impl_->creator_usage[hex_key(creator, "creator")];
  usage.times_watched += 1;
  usage.last = impl_->now();
  impl_->note_event();
}

void Store::flush() { impl_->flush_usage(); }

void Store::Impl::note_event() {
  auto now_steady = std::chrono::steady_clock::now();
  if (pending_events++ == 0)
    first_pending = now_steady;
  if (pending_events >= options.flush_after_events ||
      now_steady - first_pending >= options.flush_after)
    flush_usage();
}

void Store::Impl::flush_usage() {
  if (pending_events == 0)
    return;
  sqlite::WriteTransaction transaction(*db);
  auto &segment = db->statement(
      "UPDATE segments SET requests_served = requests_served + ?2, "
      "bytes_uploaded = bytes_uploaded + ?3, "
      "last_requested = max(coalesce(last_requested, 0), ?4) "
      "WHERE " HLSWARM_SEGMENT_IS("?1"));
  for (const auto &[infohash, usage] : segment_usage) {
    auto key = infohash_bytes(infohash);
    if (key.empty())
      continue; // not an infohash: cannot be in the store
    segment.reset();
    segment.bind_blob(1, key)
        .bind(2, usage.requests)
        .bind(3, static_cast<std::int64_t>(usage.bytes_served))
        .bind(4, usage.last)
        .run();
  }
  auto &creator = db->statement(
      "INSERT INTO creators (pk, times_watched, last_watched) "
      "VALUES (?1, ?2, ?3) ON CONFLICT (pk) DO UPDATE SET "
      "times_watched = times_watched + excluded.times_watched, "
      "last_watched = max(coalesce(last_watched, 0), excluded.last_watched)");
  for (const auto &[key, usage] : creator_usage) {
    creator.reset();
    creator.bind(1, key).bind(2, usage.times_watched).bind(3, usage.last).run();
  }
  transaction.commit();
  // Cleared only once written, so a failed flush (busy) is retried later.
  segment_usage.clear();
  creator_usage.clear();
  pending_events = 0;
}

} // namespace hlswarm
