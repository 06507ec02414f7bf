#include "hlswarm/room/room_head.hpp"

#include <arpa/inet.h>
#include <cstring>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/chain/chain.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/store/store_gc.hpp"

namespace hlswarm {
namespace {

// A head holds one record (<= 1000 bytes), one info dict (<= 1024) and a
// few endpoints; the value itself is at most 1000 bytes.
constexpr bencode::Limits head_limits{.max_bytes = max_item_value_bytes,
                                      .max_depth = 6, .max_items = 64};
// Origin endpoints a head may list: a few addresses of one host.
constexpr std::size_t max_origins = 8;

} // namespace

std::optional<RoomState> room_state_from_string(std::string_view text) {
  if (text == "live")
    return RoomState::live;
  if (text == "ended")
    return RoomState::ended;
  if (text == "vod")
    return RoomState::vod;
  return std::nullopt;
}

void check_one_piece_info(std::string_view info_dict, std::string_view kind,
                          std::string_view name, std::uint64_t max_bytes,
                          std::string_view what) {
  SegmentInfoDict info = decode_v2_info_dict(info_dict, what);
  if (info.name != name)
    throw Error(Exit::data, what,
                fmt::format("{} is named '{}', not '{}'", kind, info.name, name));
  if (info.size > max_bytes || info.size > info.piece_length)
    throw Error(Exit::data, what,
                fmt::format("{} is not one piece of at most {}", kind,
                            human_size(max_bytes)));
}

std::string_view to_string(RoomState state) {
  switch (state) {
  case RoomState::live:
    return "live";
  case RoomState::ended:
    return "ended";
  case RoomState::vod:
    return "vod";
  }
  return "live";
}

std::string compact_endpoint(const HostPort &endpoint) {
  unsigned char address[16];
  std::string out;
  if (::inet_pton(AF_INET, endpoint.host.c_str(), address) == 1)
    out.assign(reinterpret_cast<const char *>(address), 4);
  else if (::inet_pton(AF_INET6, endpoint.host.c_str(), address) == 1)
    out.assign(reinterpret_cast<const char *>(address), 16);
  else
    throw Error(Exit::usage, endpoint.to_string(), "not an IP address");
  out += static_cast<char>(endpoint.port >> 8);
  out += static_cast<char>(endpoint.port & 0xff);
  return out;
}

std::optional<HostPort> parse_compact_endpoint(std::string_view bytes) {
  if (bytes.size() != 6 && bytes.size() != 18)
    return std::nullopt;
  char text[INET6_ADDRSTRLEN] = {};
  unsigned char address[16];
  std::memcpy(address, bytes.data(), bytes.size() - 2);
  int family = bytes.size() == 6 ? AF_INET : AF_INET6;
  if (!::inet_ntop(family, address, text, sizeof text))
    return std::nullopt;
  auto high = static_cast<unsigned char>(bytes[bytes.size() - 2]);
  auto low = static_cast<unsigned char>(bytes[bytes.size() - 1]);
  return HostPort{text, static_cast<std::uint16_t>(high << 8 | low)};
}

std::string encode_room_head(const RoomHead &head) {
  using namespace bencode;
  Dict dict{{"state", std::string(to_string(head.state))},
            {"t", head.time_s},
            {"v", room_head_version}};
  List origins;
  for (const auto &origin : head.origins)
    origins.emplace_back(compact_endpoint(origin));
  dict.emplace("pe", std::move(origins));
  if (head.seq)
    dict.emplace("seq", *head.seq);
  if (!head.chain_info.empty())
    dict.emplace("chain", decode(head.chain_info, "chain info dict",
                                 {.max_bytes = 1024, .max_depth = 5, .max_items = 16}));
  std::string without_record = encode(Value(dict));
  if (!head.record.empty()) {
    dict.emplace("rec", head.record);
    std::string with_record = encode(Value(std::move(dict)));
    if (with_record.size() <= max_item_value_bytes)
      return with_record;
  }
  if (without_record.size() > max_item_value_bytes)
    throw Error(Exit::software, "room head",
                fmt::format("{} bytes even without its record",
                            without_record.size()));
  return without_record;
}

RoomHead decode_room_head(std::string_view value, const Room &room,
                          std::string_view what) {
  using namespace bencode;
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, what, fmt::format("room head: {}", reason));
  };
  Value decoded = decode(value, what, head_limits);
  const Dict &dict = decoded.dict("room head");
  for (const auto &[key, item] : dict)
    if (key != "chain" && key != "pe" && key != "rec" && key != "seq" &&
        key != "state" && key != "t" && key != "v")
      throw fail(fmt::format("unknown key '{}'", key));
  auto required = [&](const char *key) -> const Value & {
    auto it = dict.find(key);
    if (it == dict.end())
      throw fail(fmt::format("no '{}'", key));
    return it->second;
  };
  if (required("v").integer("v") != room_head_version)
    throw fail(fmt::format("version {} is not {}", required("v").integer("v"),
                           room_head_version));
  RoomHead head;
  auto state = room_state_from_string(required("state").string("state"));
  if (!state)
    throw fail("state is not live, ended or vod");
  head.state = *state;
  head.time_s = required("t").integer("t");
  const List &origins = required("pe").list("pe");
  if (origins.size() > max_origins)
    throw fail(fmt::format("more than {} origin endpoints", max_origins));
  for (const Value &origin : origins) {
    auto endpoint = parse_compact_endpoint(origin.string("pe"));
    if (!endpoint)
      throw fail("an origin endpoint is not 6 or 18 bytes");
    head.origins.push_back(*endpoint);
  }
  const bool has_seq = dict.contains("seq");
  if (has_seq != dict.contains("chain") ||
      (dict.contains("rec") && !has_seq))
    throw fail("seq and chain go together, and rec needs them");
  if (!has_seq)
    return head;
  head.seq = required("seq").integer("seq");
  if (*head.seq < 0 || *head.seq > max_record_integer)
    throw fail(fmt::format("seq {} out of range", *head.seq));
  head.chain_info = encode(required("chain"));
  check_one_piece_info(head.chain_info, "chain torrent", chain_torrent_name,
                       max_chain_records_bytes, what);
  if (auto rec = dict.find("rec"); rec != dict.end()) {
    head.record = rec->second.string("rec");
    SignedRecord record = decode_record(head.record, what);
    if (!(record.fields.room == room))
      throw fail(fmt::format("its record is room {}, not {}",
                             format_room_uri(record.fields.room),
                             format_room_uri(room)));
    if (record.fields.seq != *head.seq)
      throw fail(fmt::format("its record is seq {}, the head says {}",
                             record.fields.seq, *head.seq));
  }
  return head;
}

std::vector<SignedRecord> read_chain_records(std::string_view bytes,
                                             const Room &room,
                                             std::string_view what) {
  std::vector<SignedRecord> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::string where = fmt::format("{}: seq {}", what, records.size());
    std::size_t length = bencode::leading_value_length(
        bytes.substr(at), where, {.max_bytes = max_record_bytes});
    SignedRecord record = decode_record(bytes.substr(at, length), where);
    if (!(record.fields.room == room))
      throw Error(Exit::data, where,
                  fmt::format("record of room {}, not {}",
                              format_room_uri(record.fields.room),
                              format_room_uri(room)));
    if (auto problem =
            link_problem(records.empty() ? nullptr : &records.back(), record))
      throw Error(Exit::data, where, *problem);
    // Linked from seq 0, records[i] is seq i; init_seq is below seq.
    const auto &init_seq = record.fields.init_seq;
    if (auto problem = init_problem(
            record, init_seq ? &records[static_cast<std::size_t>(*init_seq)] : nullptr))
      throw Error(Exit::data, where, *problem);
    records.push_back(std::move(record));
    at += length;
  }
  return records;
}

} // namespace hlswarm
