// The session behind Node: settings, the alert thread, start and stop.
#include "node_impl.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libtorrent/address.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"

namespace hlswarm {

// ---------------------------------------------------------------- addresses

std::string error_text(const lt::error_code &ec) {
  std::string text = ec.message();
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  while (!text.empty() && (text.back() == '.' || text.back() == '\n'))
    text.pop_back();
  return text;
}

std::string endpoint_text(const lt::tcp::endpoint &endpoint) {
  return HostPort{endpoint.address().to_string(), endpoint.port()}.to_string();
}

lt::tcp::endpoint to_endpoint(const HostPort &peer, std::string_view what) {
  lt::error_code ec;
  auto address = lt::make_address(peer.host, ec);
  if (ec)
    throw Error(Exit::usage, fmt::format("{} '{}'", what, peer.to_string()),
                "expected an IP address, not a host name");
  return {address, peer.port};
}

// ---------------------------------------------------------------- settings

namespace {

std::string join(const std::vector<std::string> &items) {
  std::string result;
  for (const auto &item : items) {
    if (!result.empty())
      result += ',';
    result += item;
  }
  return result;
}

// Checks a comma-separated listen list and returns it as libtorrent wants it;
// `addresses` gets the IPs, or nothing if one of them is unspecified.
//
// An unspecified address (0.0.0.0, [::]) brings its loopback address along
// (127.0.0.1, [::1]) on the same port: libtorrent expands an unspecified
// address to each interface's and runs a DHT node on each, but not on
// loopback ("local network"), so such a node could neither read an origin
// on this host's loopback nor be read there. Listed by name, loopback gets
// its DHT node.
std::string listen_interfaces(const std::string &listen, std::string &addresses) {
  std::vector<std::string> entries;
  bool all_specific = true;
  auto add = [&](const std::string &entry) {
    if (std::find(entries.begin(), entries.end(), entry) == entries.end())
      entries.push_back(entry);
  };
  std::string_view rest(listen);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    auto endpoint = parse_host_port(item, "listen address", true);
    lt::error_code ec;
    auto address = lt::make_address(endpoint.host, ec);
    if (ec)
      throw Error(Exit::usage, fmt::format("listen address '{}'", item),
                  "expected an IP address");
    all_specific = all_specific && !address.is_unspecified();
    if (!addresses.empty())
      addresses += ',';
    addresses += endpoint.host;
    add(endpoint.to_string());
    if (address.is_unspecified())
      add(HostPort{address.is_v4() ? "127.0.0.1" : "::1", endpoint.port}.to_string());
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  if (entries.empty())
    throw Error(Exit::usage, "listen address", "empty");
  if (!all_specific)
    addresses.clear();
  return join(entries);
}


// Bootstrap nodes resolved to IP:PORT. libtorrent would resolve host names
// itself, but it reports a failure without the name, once per listen
// socket, even when other contacts make the name unnecessary; resolved
// here, the names that fail are known and reported once (Node::Node).
struct BootstrapNodes {
  std::vector<std::string> endpoints;  ///< IP:PORT
  std::vector<std::string> unresolved; ///< HOST:PORT that did not resolve
  std::string reason;                  ///< why the first of them did not
};

BootstrapNodes resolve_bootstrap_nodes(const std::vector<std::string> &nodes) {
  BootstrapNodes result;
  auto add = [&](const HostPort &endpoint) {
    std::string text = endpoint.to_string();
    if (std::find(result.endpoints.begin(), result.endpoints.end(), text) ==
        result.endpoints.end())
      result.endpoints.push_back(std::move(text));
  };
  for (const auto &node : nodes) {
    HostPort endpoint = parse_host_port(node, "bootstrap node");
    lt::error_code ec;
    lt::make_address(endpoint.host, ec);
    if (!ec) {
      add(endpoint);
      continue;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo *found = nullptr;
    int rc = ::getaddrinfo(endpoint.host.c_str(), nullptr, &hints, &found);
    if (rc != 0) {
      if (result.unresolved.empty())
        result.reason = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
      result.unresolved.push_back(endpoint.to_string());
      continue;
    }
    for (addrinfo *at = found; at; at = at->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void *address =
          at->ai_family == AF_INET
              ? static_cast<const void *>(&reinterpret_cast<sockaddr_in *>(at->ai_addr)->sin_addr)
              : static_cast<const void *>(&reinterpret_cast<sockaddr_in6 *>(at->ai_addr)->sin6_addr);
      if ((at->ai_family == AF_INET || at->ai_family == AF_INET6) &&
          ::inet_ntop(at->ai_family, address, text, sizeof text))
        add(HostPort{text, endpoint.port});
    }
    ::freeaddrinfo(found);
  }
  if (!result.reason.empty())
    result.reason[0] =
        static_cast<char>(std::tolower(static_cast<unsigned char>(result.reason[0])));
  return result;
}

} // namespace

bool port_mapping_used(const NodeOptions &options) {
  if (!options.port_mapping || options.loopback_test_mode)
    return false;
  std::string_view rest(options.listen);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto endpoint = parse_host_port(rest.substr(0, comma), "listen address", true);
    lt::error_code ec;
    auto address = lt::make_address(endpoint.host, ec);
    if (!ec && !address.is_loopback())
      return true;
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  return false;
}

namespace {

lt::settings_pack live_video_settings(const NodeOptions &options,
                                      const BootstrapNodes &bootstrap) {
  lt::settings_pack s;
  s.set_str(lt::settings_pack::user_agent, "hlswarm/" HLSWARM_VERSION);
  s.set_str(lt::settings_pack::peer_fingerprint, "-HS0100-");
  std::string addresses;
  s.set_str(lt::settings_pack::listen_interfaces,
            listen_interfaces(options.listen, addresses));
  // A node told to listen on one address speaks from it too (a multi-homed
  // host; a test swarm with one 127.0.0.x per peer), not from whatever
  // address the routing table picks.
  s.set_str(lt::settings_pack::outgoing_interfaces, addresses);
  s.set_str(lt::settings_pack::dht_bootstrap_nodes, join(bootstrap.endpoints));
  s.set_bool(lt::settings_pack::enable_dht, true);
  s.set_bool(lt::settings_pack::enable_lsd, options.lsd);

  // Alerts are our only view of the session: DHT results, stats per block
  // (block_finished/block_uploaded carry the peer, which the byte counters in
  // torrent_status do not), completion, errors. A segment of 3 MB is ~190
  // block alerts each way, so the queue is made deep enough for bursts.
  s.set_int(lt::settings_pack::alert_mask,
            static_cast<int>(static_cast<std::uint32_t>(
                lt::alert_category::error | lt::alert_category::status |
                lt::alert_category::dht | lt::alert_category::dht_operation |
                lt::alert_category::storage | lt::alert_category::block_progress |
                lt::alert_category::upload | lt::alert_category::peer |
                lt::alert_category::port_mapping)));
  s.set_int(lt::settings_pack::alert_queue_size, 100000);
  // HLSWARM_DHT_LOG=1: libtorrent's DHT log on stderr, for finding out why
  // a lookup is slow or a put reaches nobody.
  if (const char *log = std::getenv("HLSWARM_DHT_LOG"); log && std::string_view(log) == "1")
    s.set_int(lt::settings_pack::alert_mask,
              s.get_int(lt::settings_pack::alert_mask) |
                  static_cast<int>(static_cast<std::uint32_t>(lt::alert_category::dht_log)));

  // A new torrent's first connection waits for the next session tick (peers
  // given to it are only queued until then), and bandwidth is handed out per
  // tick. At the default 500 ms a segment waits a quarter of a second per
  // hop before its first byte; measured here on loopback, 20 ms gives the
  // first byte of a new torrent in 45-80 ms instead of ~100 ms at 100 ms,
  // and an idle node's CPU use does not change measurably.
  s.set_int(lt::settings_pack::tick_interval, 20);

  // TCP, not uTP, for the connections we open: uTP's LEDBAT congestion
  // control yields to any other traffic on the path by design (a scavenger
  // for bulk downloads), which is the wrong priority for a segment with a
  // deadline; measured on loopback, a 3 MB segment took 110-700 ms over uTP
  // (stalls of ~0.5 s) and 106-118 ms over TCP. Incoming uTP stays on so
  // peers that only speak uTP can still reach us.
  s.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  s.set_bool(lt::settings_pack::enable_incoming_utp, true);

  // Every segment is a new torrent that wants its neighbours and the origin
  // at once; the default (30 connection attempts per second) would spread a
  // burst of neighbours over seconds.
  s.set_int(lt::settings_pack::connection_speed, 200);
  s.set_int(lt::settings_pack::connections_limit, node_connections_limit);

  // Tit-for-tat makes a new peer wait for a rechoke round (15 s by default)
  // before it may download: longer than a segment lasts. Every interested
  // peer is unchoked at once; how much each gets is left to TCP.
  s.set_int(lt::settings_pack::choking_algorithm,
            lt::settings_pack::fixed_slots_choker);
  s.set_int(lt::settings_pack::unchoke_slots_limit, -1);

  // A whole segment (a few hundred 16 KiB blocks) may be requested from one
  // fast peer at once, and a peer may queue that many requests at us.
  s.set_int(lt::settings_pack::max_out_request_queue, 1000);
  s.set_int(lt::settings_pack::max_allowed_in_request_queue, 2000);

  // Larger send buffers let the origin push a segment to a fast peer without
  // waiting for the disk between blocks (the defaults suit slow uploads of
  // big files).
  s.set_int(lt::settings_pack::send_buffer_watermark, 4 * 1024 * 1024);
  s.set_int(lt::settings_pack::send_buffer_low_watermark, 256 * 1024);
  s.set_int(lt::settings_pack::send_buffer_watermark_factor, 150);

  // A segment has a deadline of a few seconds: a stalled request or a dead
  // neighbour must be given up in seconds, not the default minute, and a
  // peer that did not have the segment yet is worth retrying soon.
  s.set_int(lt::settings_pack::request_timeout, 4);
  s.set_int(lt::settings_pack::piece_timeout, 4);
  s.set_int(lt::settings_pack::peer_connect_timeout, 3);
  s.set_int(lt::settings_pack::min_reconnect_time, 1);

  // No rate limits: a live segment throttled for fairness arrives too late
  // to be of use to anyone.
  s.set_int(lt::settings_pack::upload_rate_limit, 0);
  s.set_int(lt::settings_pack::download_rate_limit, 0);

  // Torrents are added without auto-management, but the queue limits still
  // count them; a live room has many segments active at once.
  s.set_int(lt::settings_pack::active_downloads, -1);
  s.set_int(lt::settings_pack::active_seeds, -1);
  s.set_int(lt::settings_pack::active_limit, -1);

  // A DHT lookup is not complete until every node it asked among the
  // closest has answered or timed out, and libtorrent's timeout is a fixed
  // 15 s: a dead node left in the routing table (20 failures by default)
  // slows every lookup that meets it. Three failures in a row is gone.
  s.set_int(lt::settings_pack::dht_max_fail_count, 3);
  s.set_bool(lt::settings_pack::dht_read_only, options.dht_read_only);

  // We use no trackers; do not wait for them when stopping.
  s.set_int(lt::settings_pack::stop_tracker_timeout, 1);

  if (options.loopback_test_mode) {
    // A test swarm on 127.0.0.x is one /24: the DHT's defences against a
    // single host posing as many nodes (one node per /24 in the routing
    // table and in searches, node ids tied to the IP, 5 packets per second
    // per IP) would leave every node with one neighbour.
    s.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
    s.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
    s.set_bool(lt::settings_pack::dht_enforce_node_id, false);
    s.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
    s.set_int(lt::settings_pack::dht_block_ratelimit, 100000);
    // Each node of a test swarm answers the lookups of every process of the
    // test; at the default 8000 bytes a second it drops queries and puts
    // reach nobody.
    s.set_int(lt::settings_pack::dht_upload_rate_limit, 10 * 1000 * 1000);
  }
  // Both are on in libtorrent by default: set here, so a loopback node and
  // a test (which touches only 127.0.0.0/8) send no SSDP or NAT-PMP.
  bool mapping = port_mapping_used(options);
  s.set_bool(lt::settings_pack::enable_upnp, mapping);
  s.set_bool(lt::settings_pack::enable_natpmp, mapping);
  return s;
}

std::optional<lt::dht::dht_state> read_dht_state(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string bytes = std::move(text).str();
  try {
    lt::session_params saved =
        lt::read_session_params(
        lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())),
        lt::session_handle::save_dht_state);
    return std::move(saved.dht_state);
  } catch (const std::exception &e) {
    diag::warningf("{}: ignoring saved DHT state: {}", file.string(), e.what());
    return std::nullopt;
  }
}

} // namespace

// ---------------------------------------------------------------- Node

Node::Impl::Impl(NodeOptions node_options) : options(std::move(node_options)) {
  std::string mapping = port_mapping_used(options) ? "trying" : "off";
  port_mapping = {{"natpmp", mapping}, {"upnp", mapping}};
  for (const auto &peer : options.peers)
    peers.push_back(to_endpoint(parse_host_port(peer, "peer"), "peer"));
  for (const auto &node : options.bootstrap)
    parse_host_port(node, "bootstrap node");
}

Node::Node(NodeOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  auto &impl = *impl_;
  BootstrapNodes bootstrap = resolve_bootstrap_nodes(impl.options.bootstrap);
  lt::session_params params(live_video_settings(impl.options, bootstrap));
  params.dht_storage_constructor = own_entries_storage(impl.own);
  std::vector<lt::udp::endpoint> saved_nodes;
  if (!impl.options.state_file.empty())
    if (auto state = read_dht_state(impl.options.state_file)) {
      saved_nodes = state->nodes;
      saved_nodes.insert(saved_nodes.end(), state->nodes6.begin(), state->nodes6.end());
      params.dht_state = std::move(*state);
    }
  // Names that do not resolve matter only when the DHT has nothing else to
  // start from: no other bootstrap node (an x.pe origin hint is one), no
  // saved node, no peer (libtorrent adds peers' DHT nodes).
  if (!bootstrap.unresolved.empty() && bootstrap.endpoints.empty() &&
      saved_nodes.empty() && impl.peers.empty())
    diag::warningf("dht: cannot resolve bootstrap node{} {}: {}",
                   bootstrap.unresolved.size() > 1 ? "s" : "",
                   fmt::join(bootstrap.unresolved, ", "), bootstrap.reason);
  // With nobody to bootstrap from (a bootstrap node itself) there is nothing
  // to wait for; saved nodes are only usable once they have answered.
  impl.dht_ready = bootstrap.endpoints.empty() && saved_nodes.empty();
  impl.session = std::make_unique<lt::session>(std::move(params));
  // libtorrent scales a torrent's connection limit for peers on local
  // networks (loopback included) by 100/150: a limit of 4 lets 2 in. A
  // limit means the same here as on the internet, where the benchmarks'
  // loopback figures are meant to carry over.
  lt::peer_class_info local = impl.session->get_peer_class(lt::session::local_peer_class_id);
  local.connection_limit_factor = 100;
  impl.session->set_peer_class(lt::session::local_peer_class_id, local);
  impl.session->add_extension(holder_extension());
  impl.session->add_extension(room_channel_extension());
  impl.session->add_extension(notice_board_extension());
  impl.pump = std::thread([&impl] { impl.run_pump(); });

  // Listening is asynchronous; a port already taken or an address that is
  // not ours shows up as listen_failed_alert within milliseconds.
  std::unique_lock lock(impl.mutex);
  bool answered = impl.changed.wait_for(lock, std::chrono::seconds(5), [&] {
    return !impl.listening.empty() || !impl.listen_error.empty();
  });
  if (impl.listening.empty() && answered)
    impl.changed.wait_for(lock, std::chrono::milliseconds(500),
                          [&] { return !impl.listening.empty(); });
  if (impl.listening.empty()) {
    std::string why = impl.listen_error.empty() ? "no answer from the session"
                                                : impl.listen_error;
    lock.unlock();
    stop();
    throw Error(Exit::unavailable, fmt::format("listen {}", impl_->options.listen),
                why);
  }
  lock.unlock();
  // libtorrent 2.0.8 starts the DHT before its sockets are open and drops
  // the saved nodes on the way (dht_tracker::start bootstraps the nodes it
  // has then: none); pinging them by hand puts them back in the table.
  for (const auto &node : saved_nodes)
    impl.session->add_dht_node({node.address().to_string(), node.port()});
}

Node::~Node() { stop(); }

void Node::stop() {
  auto &impl = *impl_;
  if (impl.stopped)
    return;
  impl.stopped = true;
  impl.stopping = true;
  if (impl.pump.joinable())
    impl.pump.join();
  {
    // What arrived since the pump's last round still counts in the stats.
    std::vector<lt::alert *> alerts;
    impl.session->pop_alerts(&alerts);
    std::lock_guard lock(impl.mutex);
    for (auto *alert : alerts)
      impl.handle(alert);
  }
  if (!impl.options.state_file.empty()) {
    try {
      auto state = impl.session->session_state(lt::session_handle::save_dht_state);
      auto bytes = lt::write_session_params_buf(state, lt::session_handle::save_dht_state);
      write_file_atomically(impl.options.state_file,
                            std::string_view(bytes.data(), bytes.size()), 0600);
    } catch (const std::exception &e) {
      diag::warningf("{}: cannot save DHT state: {}",
                     impl.options.state_file.string(), e.what());
    }
  }
  impl.write_stats_file_now();
  // abort() returns at once; the proxy's destructor waits for the network
  // and disk threads, which finish quickly without trackers to say goodbye to.
  lt::session_proxy proxy = impl.session->abort();
  impl.session.reset();
}

std::vector<HostPort> Node::listen_endpoints() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->listening;
}

std::uint16_t Node::listen_port() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->listening.empty() ? 0 : impl_->listening.front().port;
}

bool Node::wait_for_dht(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->dht_ready; });
}

int Node::dht_nodes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->dht_node_count;
}

nlohmann::json Node::Impl::stats_json() const {
  nlohmann::json json = transfer.to_json();
  json["dht"] = {{"item_lookups", item_lookups},
                 {"peer_lookups", peer_lookups},
                 {"items_stored", items_stored}};
  json["peers_banned"] = peers_banned;
  json["port_mapping"] = port_mapping;
  for (const auto &[key, value] : stats_sections)
    json[key] = value;
  return json;
}

nlohmann::json Node::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats_json();
}

void Node::set_stats_section(const std::string &key, nlohmann::json value) {
  std::lock_guard lock(impl_->mutex);
  impl_->stats_sections[key] = std::move(value);
}

// ---------------------------------------------------------------- alerts

namespace {

std::string transport_name(lt::portmap_transport transport) {
  return transport == lt::portmap_transport::upnp ? "upnp" : "natpmp";
}

} // namespace

void Node::Impl::run_pump() {
  std::vector<lt::alert *> alerts;
  while (!stopping) {
    // Bounded, so a stop request and the periodic work below are never
    // more than a tenth of a second late.
    session->wait_for_alert(lt::milliseconds(100));
    session->pop_alerts(&alerts);
    {
      std::lock_guard lock(mutex);
      for (auto *alert : alerts)
        handle(alert);
    }
    changed.notify_all();
    periodic(Clock::now());
  }
}

void Node::Impl::handle(lt::alert *alert) {
  switch (alert->type()) {
  case lt::listen_succeeded_alert::alert_type: {
    auto *a = static_cast<lt::listen_succeeded_alert *>(alert);
    if (a->socket_type == lt::socket_type_t::tcp)
      listening.push_back({a->address.to_string(), static_cast<std::uint16_t>(a->port)});
    return;
  }
  case lt::listen_failed_alert::alert_type: {
    auto *a = static_cast<lt::listen_failed_alert *>(alert);
    listen_error = error_text(a->error);
    // Before the node is up, the constructor reports it as an Error.
    if (!listening.empty())
      diag::warningf("listen {}: {}",
                     HostPort{a->address.to_string(), static_cast<std::uint16_t>(a->port)}
                         .to_string(),
                     listen_error);
    return;
  }
  case lt::portmap_alert::alert_type: {
    auto *a = static_cast<lt::portmap_alert *>(alert);
    std::string &outcome = port_mapping[transport_name(a->map_transport)];
    // One line per protocol: libtorrent maps TCP and UDP on every socket.
    if (outcome.rfind("mapped", 0) != 0)
      diag::notef("port mapping: {}: external port {}",
                  transport_name(a->map_transport), a->external_port);
    outcome = fmt::format("mapped {}", a->external_port);
    return;
  }
  case lt::portmap_error_alert::alert_type: {
    auto *a = static_cast<lt::portmap_error_alert *>(alert);
    report_port_mapping_failure(transport_name(a->map_transport), error_text(a->error));
    return;
  }
  case lt::dht_bootstrap_alert::alert_type:
    dht_ready = true;
    return;
  case lt::dht_stats_alert::alert_type: {
    auto *a = static_cast<lt::dht_stats_alert *>(alert);
    int count = 0;
    for (const auto &bucket : a->routing_table)
      count += bucket.num_nodes;
    dht_node_count = count;
    if (count > 0)
      dht_ready = true;
    return;
  }
  case lt::dht_error_alert::alert_type: {
    auto *a = static_cast<lt::dht_error_alert *>(alert);
    diag::warningf("dht: {}", error_text(a->error));
    return;
  }
  case lt::alerts_dropped_alert::alert_type:
    diag::warning("libtorrent dropped alerts: statistics may be short");
    return;
  case lt::dht_log_alert::alert_type:
    fmt::print(stderr, "{}: dht log: {} {}\n", diag::program_name(), unix_time_ms(),
               alert->message());
    return;
  default:
    handle_item_alert(alert);
    handle_torrent_alert(alert);
  }
}

void Node::Impl::periodic(Clock::time_point now) {
  if (now >= next_dht_stats) {
    session->post_dht_stats();
    bool ready = false;
    {
      std::lock_guard lock(mutex);
      // The bootstrap lookup waits 15 s for each dead node its bootstrap
      // nodes name. Lookups start from the bootstrap nodes themselves while
      // the routing table is empty, so after two seconds (time enough to
      // resolve their names) they need not wait any longer.
      if (!dht_ready && now - started >= std::chrono::seconds(2)) {
        dht_ready = true;
        changed.notify_all();
      }
      ready = dht_ready;
    }
    // Polled often until the first node is in the routing table, which is
    // when lookups can start (the bootstrap lookup itself may wait on dead
    // nodes for 15 s).
    next_dht_stats = now + (ready ? std::chrono::milliseconds(1000)
                                  : std::chrono::milliseconds(100));
  }
  if (next_republish == Clock::time_point{})
    next_republish = now + options.republish_interval;
  if (now >= next_republish) {
    std::lock_guard lock(mutex);
    republish();
    next_republish = now + options.republish_interval;
  }
  if (!port_mapping_waited && now - started >= port_mapping_patience) {
    port_mapping_waited = true;
    std::lock_guard lock(mutex);
    for (const auto &[transport, outcome] : port_mapping)
      if (outcome == "trying")
        report_port_mapping_failure(
            transport, fmt::format("no router answered within {} s",
                                   port_mapping_patience.count()));
  }
  if (!options.stats_file.empty() && now >= next_stats_file) {
    write_stats_file_now();
    next_stats_file = now + options.stats_interval;
  }
}

void Node::Impl::report_port_mapping_failure(const std::string &transport,
                                             const std::string &reason) {
  std::string &outcome = port_mapping[transport];
  // A mapping that worked on one socket stands; one warning per protocol.
  if (outcome != "trying")
    return;
  diag::warningf("port mapping: {}: {}: peers behind other routers may not reach "
                 "this node",
                 transport, reason);
  outcome = "failed: " + reason;
}

void Node::Impl::write_stats_file_now() {
  if (options.stats_file.empty())
    return;
  nlohmann::json json;
  {
    std::lock_guard lock(mutex);
    json = stats_json();
  }
  try {
    write_stats_file(options.stats_file, json);
  } catch (const Error &e) {
    diag::warningf("{}: {}", e.subject(), e.reason());
  }
}

} // namespace hlswarm
