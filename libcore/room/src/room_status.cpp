// room-announce status: what a viewer would see of a room, and who holds it.
#include "hlswarm/room/room_status.hpp"

#include <algorithm>
#include <map>
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
  std::string infohash;
  std::vector<std::string> holders;
};

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
    for (const auto &segment : segments)
      list.push_back({{"seq", segment.seq},
                      {"infohash", segment.infohash},
                      {"replicas", segment.holders.size()},
                      {"holders", segment.holders}});
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
  for (const auto &segment : segments)
    text += fmt::format("  seq {:>5}  {} replicas  {}\n", segment.seq,
                        segment.holders.size(), segment.infohash.substr(0, 16));
  if (std::fputs(text.c_str(), out) == EOF || std::fflush(out) != 0)
    throw system_error(Exit::io, "stdout", errno);
  return Exit::ok;
}

} // namespace hlswarm
