#include "hlswarm/net/transfer_stats.hpp"

#include <chrono>

#include "hlswarm/base/fsutil.hpp"

namespace hlswarm {

TorrentTransfer &TransferStats::torrent(const std::string &infohash) {
  auto &entry = torrents_[infohash];
  entry.infohash = infohash;
  return entry;
}

const TorrentTransfer *TransferStats::find(const std::string &infohash) const {
  auto it = torrents_.find(infohash);
  return it == torrents_.end() ? nullptr : &it->second;
}

void TransferStats::add_upload(const std::string &infohash,
                               const std::string &peer_ip,
                               std::uint64_t bytes) {
  auto &entry = torrent(infohash);
  entry.uploaded_bytes += bytes;
  entry.peers[peer_ip].uploaded_bytes += bytes;
  uploaded_ += bytes;
}

void TransferStats::add_download(const std::string &infohash,
                                 const std::string &peer_ip,
                                 std::uint64_t bytes, std::int64_t now_ms) {
  auto &entry = torrent(infohash);
  if (entry.first_byte_ms == 0)
    entry.first_byte_ms = now_ms;
  entry.downloaded_bytes += bytes;
  entry.peers[peer_ip].downloaded_bytes += bytes;
  downloaded_ += bytes;
}

void TransferStats::remove_download(const std::string &infohash,
                                    const std::string &peer_ip, std::uint64_t bytes) {
  auto &entry = torrent(infohash);
  auto &from_peer = entry.peers[peer_ip].downloaded_bytes;
  bytes = std::min(bytes, from_peer); // never more than the peer was credited
  from_peer -= bytes;
  entry.downloaded_bytes -= std::min(entry.downloaded_bytes, bytes);
  downloaded_ -= std::min(downloaded_, bytes);
}

nlohmann::json TransferStats::to_json() const {
  auto torrents = nlohmann::json::array();
  for (const auto &[infohash, t] : torrents_) {
    auto peers = nlohmann::json::array();
    for (const auto &[ip, p] : t.peers)
      peers.push_back({{"ip", ip},
                       {"uploaded_bytes", p.uploaded_bytes},
                       {"downloaded_bytes", p.downloaded_bytes}});
    torrents.push_back({{"infohash", t.infohash},
                        {"name", t.name},
                        {"seeding", t.seeding},
                        {"size", t.size},
                        {"uploaded_bytes", t.uploaded_bytes},
                        {"downloaded_bytes", t.downloaded_bytes},
                        {"added_ms", t.added_ms},
                        {"first_byte_ms", t.first_byte_ms},
                        {"complete_ms", t.complete_ms},
                        {"peers", std::move(peers)}});
  }
  // 2: peer-fetch's segments carry origin_added_ms.
  return {{"v", 2},
          {"uploaded_bytes", uploaded_},
          {"downloaded_bytes", downloaded_},
          {"torrents", std::move(torrents)}};
}

void write_stats_file(const std::filesystem::path &path,
                      const nlohmann::json &stats) {
  write_file_atomically(path, stats.dump() + "\n");
}

std::int64_t unix_time_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace hlswarm
