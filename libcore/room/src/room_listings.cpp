// room-announce channel and room-announce pinners.
#include "hlswarm/room/room_listings.hpp"

#include <ctime>

#include <fmt/format.h>

#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/room/creator_channel.hpp"
#include "hlswarm/room/pinner_offer.hpp"
#include "hlswarm/store/store_gc.hpp"
#include "scratch_folder.hpp"

namespace hlswarm {
namespace {

// A short-lived reader: it neither keeps DHT entries nor answers LAN
// discovery (as room-announce status).
Node reading_node(const NetworkOptions &network, const std::vector<std::string> &hints) {
  NodeOptions options = make_node_options(network, any_free_port, hints);
  options.dht_read_only = true;
  options.lsd = false;
  return Node(options);
}

std::string utc_time(std::int64_t unix_s) {
  std::time_t time = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

std::string clock_duration(std::int64_t duration_us) {
  std::int64_t s = duration_us / 1'000'000;
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

void write_text(const std::string &text, std::FILE *out) {
  if (std::fputs(text.c_str(), out) == EOF || std::fflush(out) != 0)
    throw system_error(Exit::io, "stdout", errno);
}

} // namespace

CreatorArgument parse_creator_argument(std::string_view text) {
  if (auto key = public_key_from_hex(text))
    return {*key, {}};
  if (!looks_like_uri(text))
    throw Error(Exit::usage, text,
                "not a creator key (64 hex digits) nor a hlswarm:// URI");
  // A channel URI is a room URI without a name (hlswarm://KEY or
  // hlswarm://KEY/, perhaps with ?x.pe=...): given a placeholder name, the
  // room URI parser reads its key and parameters.
  std::string uri(text);
  constexpr std::size_t key_start = std::string_view("hlswarm://").size();
  std::size_t key_end = std::min(uri.find_first_of("/?", key_start), uri.size());
  if (key_end == uri.size() || uri[key_end] == '?')
    uri.insert(key_end, "/-");
  else if (key_end + 1 == uri.size() || uri[key_end + 1] == '?')
    uri.insert(key_end + 1, "-");
  RoomUri parsed = parse_room_uri(uri, Exit::usage);
  return {parsed.room.creator, parsed.origin_hints()};
}

Exit show_channel(const ChannelOptions &options, std::FILE *out) {
  CreatorArgument creator = parse_creator_argument(options.creator);
  Node node = reading_node(options.network, creator.origin_hints);
  ScratchFolder scratch("hlswarm-channel");
  ChannelRead read = read_channel(node, creator.creator, options.timeout, scratch.path());
  const CreatorChannel &channel = read.channel;
  auto room_uri = [&](const ChannelEntry &entry) {
    return format_room_uri(Room{channel.creator, entry.name});
  };
  if (options.json) {
    nlohmann::ordered_json rooms = nlohmann::ordered_json::array();
    for (const auto &entry : channel.rooms)
      rooms.push_back({{"room", room_uri(entry)},
                       {"name", entry.name},
                       {"state", std::string(to_string(entry.state))},
                       {"created", entry.created_s},
                       {"segments", entry.segments},
                       {"seconds", entry.duration_us / 1e6}});
    nlohmann::ordered_json origins = nlohmann::ordered_json::array();
    for (const auto &origin : read.head.origins)
      origins.push_back(origin.to_string());
    nlohmann::ordered_json report = {{"v", 1},
                                     {"creator", public_key_hex(channel.creator)},
                                     {"time", channel.time_s},
                                     {"item_seq", read.item_seq},
                                     {"origins", origins},
                                     {"rooms", rooms}};
    write_raw_line(report.dump(-1, ' ', false, Json::error_handler_t::replace), out);
    return Exit::ok;
  }
  std::string text;
  text += fmt::format("creator    {}\n", public_key_hex(channel.creator));
  text += fmt::format("published  {} UTC, {} room{}\n", utc_time(channel.time_s),
                      channel.rooms.size(), channel.rooms.size() == 1 ? "" : "s");
  for (const auto &entry : channel.rooms)
    text += fmt::format("  {:<5}  {:>5} segments  {:>8}  {}  {}\n",
                        to_string(entry.state), entry.segments,
                        clock_duration(entry.duration_us), utc_time(entry.created_s),
                        room_uri(entry));
  write_text(text, out);
  return Exit::ok;
}

Exit show_pinners(const PinnersOptions &options, std::FILE *out) {
  Node node = reading_node(options.network, {});
  std::vector<FoundOffer> offers = find_offers(node, options.timeout);
  if (stop_requested())
    return Exit::interrupted;
  if (offers.empty())
    throw Error(Exit::unavailable, "pinners",
                fmt::format("no distributor offer found within {} ms",
                            options.timeout.count()));
  if (options.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto &[offer, where] : offers)
      list.push_back({{"key", public_key_hex(offer.key)},
                      {"price", format_price(offer.price_micros)},
                      {"price_micros", offer.price_micros},
                      {"currency", offer.currency},
                      {"free_bytes", offer.free_bytes},
                      {"contact", offer.contact},
                      {"time", offer.time_s},
                      {"where", where.to_string()}});
    nlohmann::ordered_json report = {{"v", 1}, {"offers", list}};
    write_raw_line(report.dump(-1, ' ', false, Json::error_handler_t::replace), out);
    return Exit::ok;
  }
  std::string text = "PRICE/GB-MONTH   FREE        CONTACT  KEY  WHERE\n";
  for (const auto &[offer, where] : offers)
    text += fmt::format("{:<16} {:<11} {}  {}  {}\n",
                        fmt::format("{} {}", format_price(offer.price_micros), offer.currency),
                        human_size(static_cast<std::uint64_t>(offer.free_bytes)),
                        offer.contact.empty() ? "-" : offer.contact,
                        public_key_hex(offer.key), where.to_string());
  write_text(text, out);
  return Exit::ok;
}

} // namespace hlswarm
