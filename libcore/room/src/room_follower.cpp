#include "hlswarm/room/room_follower.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/transfer_stats.hpp"

namespace hlswarm {
namespace {

std::chrono::milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

} // namespace

RoomFollower::RoomFollower(Node &node, RoomUri uri, FollowOptions options)
    : node_(node), uri_(std::move(uri)), options_(std::move(options)) {
  for (const auto &hint : uri_.origin_hints())
    hints_.push_back(parse_host_port(hint, "x.pe origin hint"));
  membership_ = membership_target(uri_.room.creator, uri_.room.name);
  node_.announce(membership_);
  std::filesystem::create_directories(options_.out_dir);
}

std::vector<HostPort> RoomFollower::peers_for(const RoomHead &head) const {
  std::vector<HostPort> peers = head.origins;
  peers.insert(peers.end(), hints_.begin(), hints_.end());
  peers.insert(peers.end(), members_.begin(), members_.end());
  return peers;
}

void RoomFollower::refresh_members(Clock::time_point now) {
  if (now < next_member_lookup_)
    return;
  if (auto found = node_.find_peers(membership_, std::chrono::milliseconds(1000), 64);
      !found.empty())
    members_ = std::move(found);
  next_member_lookup_ = Clock::now() + options_.member_interval;
}

void RoomFollower::fetch_chain(const RoomHead &head, Clock::time_point deadline,
                               const FollowEvents &events) {
  auto file = options_.out_dir / fmt::format(".chain-{}", chain_fetches_++);
  auto infohash = node_.download(head.chain_info, file, peers_for(head));
  if (!node_.wait_complete(infohash, left_until(deadline)))
    throw Error(Exit::unavailable, format_room_uri(uri_.room),
                "chain torrent not fetched in time");
  chain_ = read_chain_records(read_whole_file(file), uri_.room, "chain torrent");
  if (events.chain_verified)
    events.chain_verified(head, chain_.size());
}

SignedRecord RoomFollower::record_at(std::int64_t seq, const RoomHead &head,
                                     Clock::time_point deadline,
                                     const FollowEvents &events) {
  if (seq == *head.seq && !head.record.empty())
    return decode_record(head.record, "head record");
  if (static_cast<std::size_t>(seq) >= chain_.size())
    fetch_chain(head, deadline, events);
  if (static_cast<std::size_t>(seq) >= chain_.size())
    throw Error(Exit::data, "chain torrent", "shorter than the head");
  return chain_[static_cast<std::size_t>(seq)];
}

FollowEnd RoomFollower::follow(std::chrono::milliseconds timeout,
                               const FollowEvents &events) {
  const auto deadline = Clock::now() + timeout;
  const Room &room = uri_.room;
  std::int64_t item_seq = -1;
  while (!stop_requested() && Clock::now() < deadline) {
    refresh_members(Clock::now());
    auto item = node_.get_item(room.creator, room.name,
                               std::min(left_until(deadline), std::chrono::milliseconds(3000)));
    auto seen_ms = unix_time_ms();
    if (!item || item->seq <= item_seq) {
      wait_for_stop(options_.head_interval);
      continue;
    }
    item_seq = item->seq;
    RoomHead head = decode_room_head(item->value, room, "head");
    if (!head.seq)
      continue;
    std::int64_t from = last_ ? last_->fields.seq + 1 : (options_.from_start ? 0 : *head.seq);
    if (!last_ && (options_.from_start || chain_.empty()))
      fetch_chain(head, deadline, events);
    for (std::int64_t seq = from; seq <= *head.seq && !stop_requested(); ++seq) {
      SignedRecord record = record_at(seq, head, deadline, events);
      if (last_)
        if (auto problem = link_problem(&*last_, record))
          throw Error(Exit::data, fmt::format("seq {}", seq), *problem);
      last_ = record;
      if (record.fields.end) {
        if (events.ended)
          events.ended(record);
        return FollowEnd::ended;
      }
      FollowedSegment segment;
      segment.record = record;
      segment.file = options_.out_dir /
                     decode_segment_info(record.fields.info_dict, "record").name;
      segment.head_item_seq = item->seq;
      segment.head_seen_ms = seen_ms;
      segment.infohash = node_.download(record.fields.info_dict, segment.file,
                                        peers_for(head));
      segment.complete = node_.wait_complete(segment.infohash, left_until(deadline));
      bool go_on = !events.segment || events.segment(segment);
      if (!segment.complete)
        return FollowEnd::segment_failed;
      if (!go_on)
        return FollowEnd::stopped;
    }
  }
  return stop_requested() ? FollowEnd::interrupted : FollowEnd::timed_out;
}

} // namespace hlswarm
