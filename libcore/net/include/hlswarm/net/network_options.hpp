// The network options every network program shares (room-announce,
// peer-fetch, peer-seed): declared once here, so that each program gets the
// same names, help, checks and defaults, and turned into NodeOptions here.
//
//   --listen IP:PORT  --bootstrap HOST:PORT  --no-bootstrap  --peer IP:PORT
//   --dht-loopback    --stats FILE  --no-port-mapping
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "hlswarm/net/node.hpp"

namespace hlswarm {

/// Where a long-running node listens unless told otherwise: BitTorrent's
/// well-known port keeps the DHT state it saves valid across restarts.
inline constexpr std::string_view default_listen = "0.0.0.0:6881";
/// Where a short query (a status) listens: any free port.
inline constexpr std::string_view any_free_port = "0.0.0.0:0";

/// The network options as given on the command line.
struct NetworkOptions {
  /// --listen IP:PORT[,IP:PORT...]; empty: the program's default.
  std::string listen;
  /// --bootstrap HOST:PORT (repeatable); empty: $HLSWARM_BOOTSTRAP, else
  /// the public DHT routers.
  std::vector<std::string> bootstrap;
  /// --no-bootstrap: none at all; this node starts a private DHT that
  /// others join through it (a creator on a LAN or one machine), or reaches
  /// one only through x.pe origin hints.
  bool no_bootstrap = false;
  std::vector<std::string> peers;   ///< --peer IP:PORT (repeatable)
  bool dht_loopback = false;        ///< --dht-loopback (tests)
  bool no_port_mapping = false;     ///< --no-port-mapping (no UPnP, NAT-PMP)
  std::filesystem::path stats_file; ///< --stats FILE
};

/// Adds the network options to `app`, writing into `options`.
/// `listen_default` is what --listen's help names as the default when none
/// is given (default_listen, any_free_port). A program whose subcommands
/// take them too (room-announce status) adds them to each, with the same
/// `options`: the options are then accepted before and after the
/// subcommand's name, and each --help lists them.
void add_network_options(CLI::App &app, NetworkOptions &options,
                         std::string_view listen_default);

/// The public DHT routers a node bootstraps from when nothing else is given.
std::vector<std::string> default_bootstrap_nodes();

/// The bootstrap list: `given` (--bootstrap) if not empty, else
/// HLSWARM_BOOTSTRAP (comma-separated HOST:PORT), else the public routers.
/// Every entry is checked with parse_host_port.
std::vector<std::string>
choose_bootstrap_nodes(const std::vector<std::string> &given);

/// True when `option` (--dht-loopback) is set or HLSWARM_DHT_LOOPBACK=1.
bool loopback_test_mode_requested(bool option);

/// True when `option` (--no-port-mapping) is set or
/// HLSWARM_NO_PORT_MAPPING=1 (what the tests set: they touch only
/// 127.0.0.0/8 and send no SSDP or NAT-PMP, even from a node on 0.0.0.0).
bool no_port_mapping_requested(bool option);

/// NodeOptions from the command line's: listen (`listen_default` when not
/// given), bootstrap nodes (choose_bootstrap_nodes unless --no-bootstrap)
/// then `extra_bootstrap` (a room URI's x.pe origin hints: an origin is a
/// DHT node too), peers, loopback test mode, port mapping, statistics file.
NodeOptions make_node_options(const NetworkOptions &network,
                              std::string_view listen_default,
                              const std::vector<std::string> &extra_bootstrap = {});

} // namespace hlswarm
