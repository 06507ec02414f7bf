// node-probe: a TEST-ONLY driver of hlswarm::Node for the swarm tests and
// scripts/bench-node. Not installed. Every subcommand prints JSON lines on
// stdout ({"v":1,...}) and bounds every wait.
//
//   node-probe keygen FILE   (an identity key file, as seg-chain key makes)
//   node-probe bootstrap --listen IP:PORT
//   node-probe put --key FILE --salt S --value BENCODE [--count N] [--linger S]
//   node-probe get --public HEX --salt S [--timeout S] [--min-seq N]
//   node-probe watch --public HEX --salt S --count N [--timeout S]
//   node-probe forge --public HEX --key FILE --salt S --value BENCODE --seq N
//   node-probe seed FILE (--info-out FILE | --info FILE) [--linger S]
//   node-probe download --info FILE --out FILE [--peer IP:PORT]...
//   node-probe member --public HEX --room NAME [--find N]
//   node-probe follow --public HEX --room NAME --out DIR [--origin IP:PORT]...
//                     [--count N] [--all] [--interval-ms N]
//   node-probe head --public HEX --room NAME [--min-seq N]
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/room_follower.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/tool.hpp"
#include "hlswarm/net/transfer_stats.hpp"

using namespace hlswarm;
using namespace std::chrono_literals;

namespace {

struct ProbeOptions {
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> bootstrap;
  std::vector<std::string> peers;
  std::string stats;
  std::string state;
  bool read_only = false;
  double timeout = 10;
  double linger = 0;
  int republish_s = 600;
  // items
  std::string key_file;
  std::string public_hex;
  std::string salt;
  std::string value;
  int count = 1;
  int interval_ms = 0;
  std::int64_t min_seq = 0;
  std::int64_t seq = 0;
  // torrents and rooms
  std::string file;
  std::string info_file;
  std::string info_out;
  int piece_size = 0;
  std::string out;
  std::string room;
  int find = 0;
  std::vector<std::string> origins;
  bool all = false;
};

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw system_error(Exit::no_input, path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

PublicKey public_key_option(const std::string &text) {
  auto key = public_key_from_hex(text);
  if (!key)
    throw Error(Exit::usage, "--public", "expected 64 hex digits");
  return *key;
}

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

NodeOptions node_options(const ProbeOptions &o) {
  NodeOptions options;
  options.listen = o.listen;
  options.bootstrap = o.bootstrap; // never the public routers in tests
  options.peers = o.peers;
  options.lsd = false;             // peers come from the DHT or --peer only
  options.loopback_test_mode = loopback_test_mode_requested(false);
  options.dht_read_only = o.read_only;
  options.stats_file = o.stats;
  options.state_file = o.state;
  options.republish_interval = std::chrono::seconds(o.republish_s);
  return options;
}

Json item_json(const MutableItem &item) {
  return {{"v", 1}, {"seq", item.seq}, {"value", item.value},
          {"seen_ms", unix_time_ms()}};
}

void linger(double seconds) {
  if (seconds > 0)
    wait_for_stop(ms(seconds));
}

Exit keygen(const ProbeOptions &o) {
  Identity identity = open_identity(std::filesystem::absolute(o.file), true);
  write_json_line({{"v", 1}, {"public", identity.public_key_hex()}});
  return Exit::ok;
}

Exit bootstrap(const ProbeOptions &o) {
  Node node(node_options(o));
  write_json_line({{"v", 1}, {"listen", node.listen_endpoints().front().to_string()}});
  wait_for_stop(ms(o.linger > 0 ? o.linger : 3600));
  return Exit::ok;
}

Exit put(const ProbeOptions &o) {
  Identity identity = load_identity(o.key_file);
  Node node(node_options(o));
  for (int i = 0; i < o.count && !stop_requested(); ++i) {
    std::string value = o.count == 1 ? o.value : fmt::format("l{}i{}ee", o.value, i);
    auto started = unix_time_ms();
    auto result = node.put_item(identity, o.salt, value, ms(o.timeout));
    write_json_line({{"v", 1}, {"seq", result.seq}, {"stored_on", result.stored_on},
                     {"value", value}, {"put_ms", started}, {"done_ms", unix_time_ms()},
                     {"listen", node.listen_endpoints().front().to_string()}});
    if (o.interval_ms > 0)
      wait_for_stop(std::chrono::milliseconds(o.interval_ms));
  }
  linger(o.linger);
  return Exit::ok;
}

Exit get(const ProbeOptions &o) {
  auto key = public_key_option(o.public_hex);
  Node node(node_options(o));
  auto deadline = std::chrono::steady_clock::now() + ms(o.timeout);
  // One lookup answers what the closest nodes hold now; --min-seq polls
  // until an item at least that new shows up (or the deadline).
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stop_requested())
      return Exit::unavailable;
    auto item = node.get_item(key, o.salt, left);
    if (item && item->seq >= o.min_seq) {
      write_json_line(item_json(*item));
      return Exit::ok;
    }
    if (o.min_seq == 0)
      return Exit::unavailable;
  }
}

// Prints each newer item as it appears, until --count of them; then stays up
// for --linger seconds.
Exit watch(const ProbeOptions &o) {
  auto key = public_key_option(o.public_hex);
  Node node(node_options(o));
  write_json_line({{"v", 1}, {"ready_ms", unix_time_ms()}});
  auto deadline = std::chrono::steady_clock::now() + ms(o.timeout);
  std::int64_t last = -1;
  int seen = 0;
  while (seen < o.count && !stop_requested()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Exit::unavailable;
    auto item = node.get_item(key, o.salt, std::min(left, std::chrono::milliseconds(5000)));
    if (item && item->seq > last) {
      last = item->seq;
      ++seen;
      write_json_line(item_json(*item));
    }
    // A lookup on a healthy swarm ends in milliseconds: space them out.
    if (o.interval_ms > 0)
      wait_for_stop(std::chrono::milliseconds(o.interval_ms));
  }
  linger(o.linger);
  return Exit::ok;
}

// Puts an item under someone else's key, signed with our own secret key:
// what an attacker would try. Raw libtorrent, since Node refuses to.
Exit forge(const ProbeOptions &o) {
  auto victim = public_key_option(o.public_hex);
  Identity forger = load_identity(o.key_file);
  lt::settings_pack s;
  s.set_str(lt::settings_pack::listen_interfaces, o.listen);
  std::string nodes;
  for (const auto &n : o.bootstrap)
    nodes += (nodes.empty() ? "" : ",") + n;
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, nodes);
  s.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
  s.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
  s.set_bool(lt::settings_pack::dht_enforce_node_id, false);
  s.set_int(lt::settings_pack::dht_block_ratelimit, 100000);
  s.set_bool(lt::settings_pack::enable_upnp, false);
  s.set_bool(lt::settings_pack::enable_natpmp, false);
  s.set_bool(lt::settings_pack::enable_lsd, false);
  s.set_bool(lt::settings_pack::dht_read_only, true);
  s.set_int(lt::settings_pack::alert_mask, static_cast<int>(static_cast<std::uint32_t>(
                                               lt::alert_category::dht)));
  lt::session session(s);
  auto deadline = std::chrono::steady_clock::now() + ms(o.timeout);
  bool put_sent = false;
  std::vector<lt::alert *> alerts;
  while (std::chrono::steady_clock::now() < deadline) {
    session.wait_for_alert(lt::milliseconds(100));
    session.pop_alerts(&alerts);
    for (auto *alert : alerts) {
      if (lt::alert_cast<lt::dht_bootstrap_alert>(alert) && !put_sent) {
        put_sent = true;
        std::string value = o.value;
        std::int64_t seq = o.seq;
        std::string salt = o.salt;
        session.dht_put_item(
            victim,
            [value, seq, forger](lt::entry &v, std::array<char, 64> &sig, std::int64_t &s_,
                                 std::string const &salt_) {
              v = lt::bdecode({value.data(), static_cast<std::ptrdiff_t>(value.size())});
              s_ = seq;
              sig = sign_mutable_item(forger, salt_, value, seq).signature;
            },
            salt);
      }
      if (auto *a = lt::alert_cast<lt::dht_put_alert>(alert)) {
        write_json_line({{"v", 1}, {"seq", a->seq}, {"stored_on", a->num_success}});
        return Exit::ok;
      }
    }
  }
  return Exit::unavailable;
}

Exit seed(const ProbeOptions &o) {
  std::string info;
  if (!o.info_file.empty()) {
    info = read_file(o.info_file);
  } else {
    info = make_v2_info_dict(o.file, o.piece_size);
    write_file_atomically(o.info_out, info);
  }
  Node node(node_options(o));
  auto infohash = node.seed(o.file, info);
  write_json_line({{"v", 1},
                   {"infohash", infohash},
                   {"listen", node.listen_endpoints().front().to_string()},
                   {"ready_ms", unix_time_ms()}});
  wait_for_stop(ms(o.linger > 0 ? o.linger : 3600));
  return Exit::ok;
}

Exit download(const ProbeOptions &o) {
  std::string info = read_file(o.info_file);
  Node node(node_options(o));
  std::vector<HostPort> peers;
  auto infohash = node.download(info, o.out, peers);
  bool complete = node.wait_complete(infohash, ms(o.timeout));
  auto stats = node.stats();
  for (const auto &t : stats["torrents"])
    if (t["infohash"] == infohash)
      write_json_line({{"v", 1},
                       {"infohash", infohash},
                       {"complete", complete},
                       {"bytes", t["downloaded_bytes"]},
                       {"added_ms", t["added_ms"]},
                       {"first_byte_ms", t["first_byte_ms"]},
                       {"complete_ms", t["complete_ms"]}});
  return complete ? Exit::ok : Exit::temp_fail;
}

Exit member(const ProbeOptions &o) {
  auto key = public_key_option(o.public_hex);
  Node node(node_options(o));
  auto target = membership_target(key, o.room);
  node.announce(target);
  write_json_line({{"v", 1}, {"target", to_hex({target.data(), target.size()})},
                   {"listen", node.listen_endpoints().front().to_string()}});
  if (o.find > 0) {
    auto deadline = std::chrono::steady_clock::now() + ms(o.timeout);
    std::vector<HostPort> found;
    while (found.size() < static_cast<std::size_t>(o.find) && !stop_requested() &&
           std::chrono::steady_clock::now() < deadline)
      found = node.find_peers(target, 1000ms, static_cast<std::size_t>(o.find));
    Json list = Json::array();
    for (const auto &peer : found)
      list.push_back(peer.to_string());
    write_json_line({{"v", 1}, {"peers", list}});
    if (found.size() < static_cast<std::size_t>(o.find))
      return Exit::unavailable;
  }
  linger(o.linger);
  return Exit::ok;
}

Room room_of(const ProbeOptions &o) {
  return Room{public_key_option(o.public_hex), o.room};
}

// Reads the room head once it has at least --min-seq (a room head's item
// seq, not its record seq): prints what a viewer learns from it.
Exit head(const ProbeOptions &o) {
  Room room = room_of(o);
  auto key = public_key_option(o.public_hex);
  Node node(node_options(o));
  auto deadline = std::chrono::steady_clock::now() + ms(o.timeout);
  while (!stop_requested()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Exit::unavailable;
    auto item = node.get_item(key, o.room, left);
    if (item && item->seq >= o.min_seq) {
      RoomHead h = decode_room_head(item->value, room, "head");
      Json origins = Json::array();
      for (const auto &origin : h.origins)
        origins.push_back(origin.to_string());
      write_json_line({{"v", 1}, {"item_seq", item->seq},
                       {"state", std::string(to_string(h.state))},
                       {"seq", h.seq ? Json(*h.seq) : Json(nullptr)},
                       {"has_record", !h.record.empty()},
                       {"chain", h.chain_info.empty() ? "" : v2_infohash(h.chain_info)},
                       {"origins", origins}, {"bytes", item->value.size()},
                       {"seen_ms", unix_time_ms()}});
      return Exit::ok;
    }
    if (o.min_seq == 0)
      return Exit::unavailable;
  }
  return Exit::interrupted;
}

// A viewer: the room follower (room_follower.hpp) with a JSON line per
// verified chain and per segment, with its timing. Ends after the end
// record or --count segments, then seeds for --linger seconds.
Exit follow(const ProbeOptions &o) {
  RoomUri uri{room_of(o), {}};
  for (const auto &origin : o.origins)
    uri.parameters.emplace_back("x.pe", origin);
  ProbeOptions with_origins = o;
  for (const auto &origin : o.origins)
    with_origins.bootstrap.push_back(origin);
  Node node(node_options(with_origins));
  FollowOptions options;
  options.out_dir = o.out;
  options.from_start = o.all;
  options.head_interval = std::chrono::milliseconds(o.interval_ms > 0 ? o.interval_ms : 100);
  RoomFollower follower(node, uri, options);
  write_json_line({{"v", 1}, {"ready_ms", unix_time_ms()},
                   {"listen", node.listen_endpoints().front().to_string()}});
  int segments = 0;
  FollowEvents events;
  events.chain_verified = [](const RoomHead &head, std::size_t records) {
    write_json_line({{"v", 1}, {"chain_records", records}, {"verified", true},
                     {"head_seq", *head.seq}, {"fetched_ms", unix_time_ms()}});
  };
  events.segment = [&](const FollowedSegment &segment) {
    Json torrent = Json::object();
    auto stats = node.stats();
    for (const auto &t : stats["torrents"])
      if (t["infohash"] == segment.infohash)
        torrent = t;
    write_json_line({{"v", 1}, {"seq", segment.record.fields.seq},
                     {"path", segment.file.string()}, {"complete", segment.complete},
                     {"bytes", torrent.value("downloaded_bytes", std::int64_t{0})},
                     {"item_seq", segment.head_item_seq},
                     {"head_seen_ms", segment.head_seen_ms},
                     {"added_ms", torrent.value("added_ms", std::int64_t{0})},
                     {"first_byte_ms", torrent.value("first_byte_ms", std::int64_t{0})},
                     {"complete_ms", torrent.value("complete_ms", std::int64_t{0})}});
    return ++segments != o.count;
  };
  events.ended = [](const SignedRecord &end) {
    write_json_line({{"v", 1}, {"seq", end.fields.seq}, {"end", true}});
  };
  switch (follower.follow(ms(o.timeout), events)) {
  case FollowEnd::ended:
  case FollowEnd::stopped:
    linger(o.linger);
    return Exit::ok;
  case FollowEnd::segment_failed:
    return Exit::temp_fail;
  case FollowEnd::interrupted:
    return Exit::interrupted;
  case FollowEnd::timed_out:
    break;
  }
  return Exit::unavailable;
}

} // namespace

int main(int argc, char **argv) {
  Tool tool("node-probe", "test driver for the hlswarm swarm node (not installed)");
  ProbeOptions o;
  auto &app = tool.app();
  app.require_subcommand(1);
  auto network = [&](CLI::App *sub) {
    sub->add_option("--listen", o.listen, "IP:PORT to listen on");
    sub->add_option("--bootstrap", o.bootstrap, "DHT bootstrap node HOST:PORT");
    sub->add_option("--peer", o.peers, "peer IP:PORT for every torrent");
    sub->add_option("--stats", o.stats, "write transfer statistics here");
    sub->add_option("--state", o.state, "DHT state file");
    sub->add_option("--timeout", o.timeout, "seconds to wait");
    sub->add_option("--linger", o.linger, "seconds to stay up afterwards");
    sub->add_option("--republish-s", o.republish_s, "seconds between re-puts");
    sub->add_flag("--dht-read-only", o.read_only,
                  "a short-lived DHT node others do not keep (one-shot probes)");
  };
  auto *keygen_cmd = app.add_subcommand("keygen", "write a new key pair");
  keygen_cmd->add_option("file", o.file)->required();
  auto *bootstrap_cmd = app.add_subcommand("bootstrap", "run a bootstrap-only DHT node");
  network(bootstrap_cmd);
  auto *put_cmd = app.add_subcommand("put", "put a mutable item");
  network(put_cmd);
  put_cmd->add_option("--key", o.key_file)->required();
  put_cmd->add_option("--salt", o.salt);
  put_cmd->add_option("--value", o.value)->required();
  put_cmd->add_option("--count", o.count);
  put_cmd->add_option("--interval-ms", o.interval_ms);
  auto *get_cmd = app.add_subcommand("get", "get a mutable item");
  network(get_cmd);
  get_cmd->add_option("--public", o.public_hex)->required();
  get_cmd->add_option("--salt", o.salt);
  get_cmd->add_option("--min-seq", o.min_seq);
  auto *watch_cmd = app.add_subcommand("watch", "print each new seq of an item");
  network(watch_cmd);
  watch_cmd->add_option("--public", o.public_hex)->required();
  watch_cmd->add_option("--salt", o.salt);
  watch_cmd->add_option("--count", o.count);
  watch_cmd->add_option("--interval-ms", o.interval_ms, "pause between lookups");
  auto *forge_cmd = app.add_subcommand("forge", "put an item under another key");
  network(forge_cmd);
  forge_cmd->add_option("--public", o.public_hex)->required();
  forge_cmd->add_option("--key", o.key_file)->required();
  forge_cmd->add_option("--salt", o.salt);
  forge_cmd->add_option("--value", o.value)->required();
  forge_cmd->add_option("--seq", o.seq)->required();
  auto *seed_cmd = app.add_subcommand("seed", "seed a file as a v2 torrent");
  network(seed_cmd);
  seed_cmd->add_option("file", o.file)->required();
  auto *info_out = seed_cmd->add_option("--info-out", o.info_out, "make the info dict, write it here");
  seed_cmd->add_option("--info", o.info_file, "seed with this info dict")->excludes(info_out);
  seed_cmd->add_option("--piece-size", o.piece_size, "bytes per piece (0: one piece)");
  auto *download_cmd = app.add_subcommand("download", "download a v2 torrent");
  network(download_cmd);
  download_cmd->add_option("--info", o.info_file)->required();
  download_cmd->add_option("--out", o.out)->required();
  auto *member_cmd = app.add_subcommand("member", "announce room membership");
  network(member_cmd);
  member_cmd->add_option("--public", o.public_hex)->required();
  member_cmd->add_option("--room", o.room)->required();
  member_cmd->add_option("--find", o.find);

  auto *follow_cmd = app.add_subcommand("follow", "follow a room like a viewer");
  network(follow_cmd);
  follow_cmd->add_option("--public", o.public_hex)->required();
  follow_cmd->add_option("--room", o.room)->required();
  follow_cmd->add_option("--out", o.out)->required();
  follow_cmd->add_option("--origin", o.origins, "origin IP:PORT (as x.pe)");
  auto *follow_count = follow_cmd->add_option("--count", o.count,
                                              "segments to download (default: until the end)");
  follow_cmd->add_flag("--all", o.all, "every segment from seq 0, not only new ones");
  follow_cmd->add_option("--interval-ms", o.interval_ms, "pause between head lookups");
  auto *head_cmd = app.add_subcommand("head", "read and decode a room head");
  network(head_cmd);
  head_cmd->add_option("--public", o.public_hex)->required();
  head_cmd->add_option("--room", o.room)->required();
  head_cmd->add_option("--min-seq", o.min_seq, "wait for an item seq at least this");

  return tool.run(argc, argv, [&] {
    if (*follow_cmd) {
      if (follow_count->count() == 0)
        o.count = 0;
      return follow(o);
    }
    if (*head_cmd) return head(o);
    if (*keygen_cmd) return keygen(o);
    if (*bootstrap_cmd) return bootstrap(o);
    if (*put_cmd) return put(o);
    if (*get_cmd) return get(o);
    if (*watch_cmd) return watch(o);
    if (*forge_cmd) return forge(o);
    if (*seed_cmd) return seed(o);
    if (*download_cmd) return download(o);
    if (*member_cmd) return member(o);
    return Exit::usage;
  });
}
