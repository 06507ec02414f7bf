// room-announce status: what a viewer would see of a room, and who holds it.
#include "hlswarm/room/room_status.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "scratch_folder.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/room_channel.hpp"

namespace hlswarm {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - Clock::now()));
}


struct SegmentReplicas {
  std::int64_t seq = 0;
  std::string info_dict;
  std::string infohash;
  std::vector<std::string> holders;
  std::map<std::string, AuditResult> audits; ///< by holder IP (--audit)
  std::size_t verified() const {
    return static_cast<std::size_t>(
        std::count_if(audits.begin(), audits.end(), [](const auto &audit) {
          return audit.second == AuditResult::verified;
        }));
  }
};

// An audit waits at most this long for one answer: a holder that takes
// longer to send 16 KiB is not one a viewer would fetch from.
constexpr std::chrono::milliseconds audit_timeout{5000};

// --audit: asks every holder of every segment for one random block of it
// with its merkle proof, over the room channel. Holders are audited in
// parallel, each holder's segments one after another (audit() keeps to
// the holder's answer rate).
void audit_holders(Node &node, const Room &room, const std::vector<HostPort> &candidates,
                   std::vector<SegmentReplicas> &segments, Clock::time_point deadline) {
  auto channel = node.join_room(room);
  channel->connect(candidates);
  // Holders are known by IP (their bitfields); each is audited at the
  // address it listens on.
  std::map<std::string, HostPort> listening;
  for (const auto &candidate : candidates)
    listening.emplace(candidate.host, candidate);
  std::map<std::string, std::vector<SegmentReplicas *>> work;
  for (auto &segment : segments)
    for (const auto &ip : segment.holders)
      if (listening.count(ip))
        work[ip].push_back(&segment);
  std::mutex results;
  std::vector<std::future<void>> holders;
  for (const auto &[ip, held] : work)
    holders.push_back(std::async(std::launch::async, [&, ip = ip, held = held] {
      std::mt19937_64 random(std::random_device{}());
      for (SegmentReplicas *segment : held) {
        auto size = decode_v2_info_dict(segment->info_dict, "info dict").size;
        std::uniform_int_distribution<std::int64_t> block(
            0, static_cast<std::int64_t>(merkle_block_count(size)) - 1);
        AuditResult result = AuditResult::no_answer;
        if (!stop_requested())
          result = channel->audit(listening.at(ip), segment->info_dict, block(random),
                                  std::min(left_until(deadline), audit_timeout));
        std::lock_guard lock(results);
        segment->audits[ip] = result;
      }
    }));
  for (auto &holder : holders)
    holder.get();
}

// "N of M segments have at least K verified replicas", for K from 1 to the
// most any segment has: how many segments a creator can count on.
std::vector<std::pair<std::size_t, std::size_t>>
verified_coverage(const std::vector<SegmentReplicas> &segments) {
  std::size_t most = 1;
  for (const auto &segment : segments)
    most = std::max(most, segment.verified());
  std::vector<std::pair<std::size_t, std::size_t>> coverage;
  for (std::size_t at_least = 1; at_least <= most; ++at_least)
    coverage.emplace_back(at_least, std::count_if(segments.begin(), segments.end(),
                                                  [&](const SegmentReplicas &segment) {
                                                    return segment.verified() >= at_least;
                                                  }));
  return coverage;
}

} // namespace

Exit room_status(const StatusOptions &options, std::FILE *out) {
  RoomUri uri = parse_room_uri(options.uri, Exit::usage);
  const Room &room = uri.room;
  std::vector<HostPort> hints;
  for (const auto &hint : uri.origin_hints())
    hints.push_back(parse_host_port(hint, "x.pe origin hint"));
  // An origin hint is a DHT node too: a viewer whose only contact is the
  // creator reads the head from the creator's own DHT storage.
  NodeOptions node_options =
      make_node_options(options.network, any_free_port, uri.origin_hints());
  node_options.dht_read_only = true;
  node_options.lsd = false;
  // A short query that nobody needs to reach: nothing to map.
  node_options.port_mapping = false;
  Node node(node_options);
  const auto deadline = Clock::now() + options.timeout;

  const PublicKey &key = room.creator;
  node.wait_for_dht(left_until(deadline));
  std::optional<MutableItem> item;
  while (!item && !stop_requested() && Clock::now() < deadline)
    item = node.get_item(key, room.name, std::min(left_until(deadline),
                                                  std::chrono::milliseconds(5000)));
  if (stop_requested())
    return Exit::interrupted;
  if (!item)
    throw Error(Exit::unavailable, format_room_uri(room),
                fmt::format("no room head found within {} ms",
                            options.timeout.count()));
  RoomHead head = decode_room_head(item->value, room, format_room_uri(room));

  // Members and origins: whoever may hold segments.
  auto target = membership_target(key, room.name);
  std::vector<HostPort> candidates = head.origins;
  for (const auto &hint : hints)
    candidates.push_back(hint);
  for (const auto &member :
       node.find_peers(target, std::min(left_until(deadline),
                                        std::chrono::milliseconds(3000)), 64))
    candidates.push_back(member);
  std::sort(candidates.begin(), candidates.end(),
            [](const HostPort &a, const HostPort &b) {
              return a.to_string() < b.to_string();
            });
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());

  std::vector<SignedRecord> records;
  bool chain_fetched = false;
  if (head.seq) {
    ScratchFolder scratch("hlswarm-status");
    auto file = scratch.path() / std::string(chain_torrent_name);
    std::string infohash = node.download(head.chain_info, file, candidates);
    if (node.wait_complete(infohash, left_until(deadline))) {
      records = read_chain_records(read_whole_file(file), room,
                                   format_room_uri(room));
      chain_fetched = true;
    }
    node.remove(infohash);
    if (!chain_fetched)
      diag::warningf("{}: the chain torrent could not be fetched within the timeout",
                     format_room_uri(room));
    else if (records.empty() || records.back().fields.seq < *head.seq)
      throw Error(Exit::data, format_room_uri(room),
                  "the chain torrent ends before the head's seq");
  }

  std::vector<SegmentReplicas> segments;
  for (const auto &record : records)
    if (!record.fields.end) {
      SegmentReplicas segment;
      segment.seq = record.fields.seq;
      segment.info_dict = record.fields.info_dict;
      segment.infohash = node.observe(record.fields.info_dict, candidates);
      segments.push_back(std::move(segment));
    }
  // Bitfields arrive with the handshakes: a few hundred milliseconds on a
  // healthy swarm. Counting ends once every candidate is seen holding every
  // segment, or after 3 s.
  auto count_deadline = std::min(deadline, Clock::now() + std::chrono::seconds(3));
  while (!segments.empty()) {
    bool all = true;
    for (auto &segment : segments) {
      segment.holders = node.holders(segment.infohash);
      all = all && segment.holders.size() >= candidates.size();
    }
    if (all || Clock::now() >= count_deadline || stop_requested())
      break;
    wait_for_stop(std::chrono::milliseconds(200));
  }
  if (options.audit && !stop_requested())
    audit_holders(node, room, candidates, segments, deadline);
  if (stop_requested())
    return Exit::interrupted;
  // The whole chain: peers that hold every segment.
  std::map<std::string, std::size_t> held;
  for (const auto &segment : segments)
    for (const auto &ip : segment.holders)
      ++held[ip];
  std::size_t whole = 0;
  for (const auto &[ip, count] : held)
    whole += count == segments.size() && !segments.empty() ? 1 : 0;

  const bool ended = !records.empty() && records.back().fields.end;
  if (options.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto &segment : segments) {
      list.push_back({{"seq", segment.seq},
                      {"infohash", segment.infohash},
                      {"replicas", segment.holders.size()},
                      {"holders", segment.holders}});
      if (options.audit) {
        nlohmann::ordered_json audits = nlohmann::ordered_json::object();
        for (const auto &[ip, result] : segment.audits)
          audits[ip] = std::string(to_string(result));
        list.back()["verified_replicas"] = segment.verified();
        list.back()["audits"] = audits;
      }
    }
    nlohmann::ordered_json origins = nlohmann::ordered_json::array();
    for (const auto &origin : head.origins)
      origins.push_back(origin.to_string());
    nlohmann::ordered_json report = {
        {"v", 1},
        {"room", format_room_uri(room)},
        {"state", std::string(to_string(head.state))},
        {"head_seq", head.seq ? nlohmann::ordered_json(*head.seq) : nullptr},
        {"head_item_seq", item->seq},
        {"head_time", head.time_s},
        {"origins", origins},
        {"chain_fetched", chain_fetched},
        {"records", records.size()},
        {"segments", segments.size()},
        {"ended", ended},
        {"members", candidates.size()},
        {"whole_chain_replicas", whole},
        {"segment_replicas", list}};
    if (options.audit) {
      nlohmann::ordered_json coverage = nlohmann::ordered_json::array();
      for (const auto &[at_least, count] : verified_coverage(segments))
        coverage.push_back({{"at_least", at_least}, {"segments", count}});
      report["verified_coverage"] = coverage;
    }
    write_raw_line(report.dump(-1, ' ', false, Json::error_handler_t::replace), out);
    return Exit::ok;
  }
  std::string text;
  text += fmt::format("room      {}\n", format_room_uri(room));
  text += fmt::format("state     {}{}\n", to_string(head.state),
                      ended ? " (end record present)" : "");
  text += fmt::format("head seq  {}\n",
                      head.seq ? std::to_string(*head.seq) : std::string("none yet"));
  text += fmt::format("segments  {}{}\n", segments.size(),
                      chain_fetched || !head.seq ? "" : " (chain torrent not fetched)");
  text += fmt::format("peers     {} (origin and members found)\n", candidates.size());
  text += fmt::format("replicas  whole chain {}\n", whole);
  for (const auto &segment : segments) {
    text += fmt::format("  seq {:>5}  {} replicas  {}", segment.seq,
                        segment.holders.size(), segment.infohash.substr(0, 16));
    if (options.audit) {
      text += fmt::format("  {} verified replicas", segment.verified());
      for (const auto &[ip, result] : segment.audits)
        if (result != AuditResult::verified)
          text += fmt::format("  {} {}", ip, to_string(result));
    }
    text += '\n';
  }
  if (options.audit)
    for (const auto &[at_least, count] : verified_coverage(segments))
      text += fmt::format("{} of {} segments have at least {} verified replica{}\n",
                          count, segments.size(), at_least, at_least == 1 ? "" : "s");
  if (std::fputs(text.c_str(), out) == EOF || std::fflush(out) != 0)
    throw system_error(Exit::io, "stdout", errno);
  return Exit::ok;
}

} // namespace hlswarm
