#include "hlswarm/room/room_members.hpp"

#include <algorithm>

#include "hlswarm/room/room_head.hpp"

namespace hlswarm {

RoomMembers::RoomMembers(Node &node, const Room &room,
                         std::shared_ptr<RoomChannel> channel,
                         std::chrono::milliseconds interval)
    : node_(node), target_(membership_target(room.creator, room.name)),
      channel_(std::move(channel)), interval_(interval) {
  node_.announce(target_);
  thread_ = std::thread([this] { run(); });
}

RoomMembers::~RoomMembers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::vector<HostPort> RoomMembers::current() const {
  std::vector<HostPort> result = channel_->members();
  std::lock_guard lock(mutex_);
  for (const auto &peer : found_)
    if (std::find(result.begin(), result.end(), peer) == result.end())
      result.push_back(peer);
  return result;
}

void RoomMembers::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    // Short rounds: stopping waits for the round at hand (peers that
    // answer later are picked up by the next round).
    auto found = node_.find_peers(target_, std::chrono::milliseconds(500), 64);
    if (!found.empty())
      channel_->connect(found);
    lock.lock();
    if (!found.empty())
      found_ = std::move(found);
    changed_.wait_for(lock, interval_, [&] { return stopping_; });
  }
}

} // namespace hlswarm
