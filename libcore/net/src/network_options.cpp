#include "hlswarm/net/network_options.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "hlswarm/net/host_port.hpp"

namespace hlswarm {

void add_network_options(CLI::App &app, NetworkOptions &options,
                         std::string_view listen_default) {
  std::string default_text = listen_default == any_free_port
                                 ? std::string("a free port")
                                 : std::string(listen_default);
  app.add_option("--listen", options.listen,
                 fmt::format("Listen for peers and DHT traffic on IP:PORT "
                             "(default {})",
                             default_text))
      ->type_name("IP:PORT");
  auto *bootstrap =
      app.add_option("--bootstrap", options.bootstrap,
                     "DHT bootstrap node HOST:PORT (repeatable; default "
                     "$HLSWARM_BOOTSTRAP, else the public DHT routers)")
          ->type_name("HOST:PORT");
  app.add_flag("--no-bootstrap", options.no_bootstrap,
               "No bootstrap node: a private DHT that others join through "
               "this node (its x.pe origin hints), or reached only through "
               "a room URI's x.pe origin hints")
      ->excludes(bootstrap);
  app.add_option("--peer", options.peers,
                 "Connect every torrent to this peer IP:PORT (repeatable)")
      ->type_name("IP:PORT");
  app.add_flag("--dht-loopback", options.dht_loopback,
               "Test setting: let a whole DHT swarm live on 127.0.0.x "
               "(also HLSWARM_DHT_LOOPBACK=1)");
  app.add_flag("--no-port-mapping", options.no_port_mapping,
               "Do not ask the router to forward the listen port (UPnP, "
               "NAT-PMP; also HLSWARM_NO_PORT_MAPPING=1)");
  app.add_option("--stats", options.stats_file,
                 "Write transfer statistics (JSON) to FILE every 2 s and at "
                 "exit")
      ->type_name("FILE");
}

std::vector<std::string> default_bootstrap_nodes() {
  return {"router.bittorrent.com:6881", "dht.transmissionbt.com:6881"};
}

std::vector<std::string>
choose_bootstrap_nodes(const std::vector<std::string> &given) {
  std::vector<std::string> nodes = given;
  if (nodes.empty()) {
    if (const char *env = std::getenv("HLSWARM_BOOTSTRAP"); env && *env) {
      std::string_view rest(env);
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        if (!item.empty())
          nodes.emplace_back(item);
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
    }
  }
  if (nodes.empty())
    nodes = default_bootstrap_nodes();
  for (const auto &node : nodes)
    parse_host_port(node, "bootstrap node");
  return nodes;
}

namespace {

bool environment_flag(const char *name) {
  const char *env = std::getenv(name);
  return env && std::string_view(env) == "1";
}

} // namespace

bool loopback_test_mode_requested(bool option) {
  return option || environment_flag("HLSWARM_DHT_LOOPBACK");
}

bool no_port_mapping_requested(bool option) {
  return option || environment_flag("HLSWARM_NO_PORT_MAPPING");
}

NodeOptions make_node_options(const NetworkOptions &network,
                              std::string_view listen_default,
                              const std::vector<std::string> &extra_bootstrap) {
  NodeOptions options;
  options.listen = network.listen.empty() ? std::string(listen_default) : network.listen;
  if (!network.no_bootstrap)
    options.bootstrap = choose_bootstrap_nodes(network.bootstrap);
  for (const auto &node : extra_bootstrap)
    if (std::find(options.bootstrap.begin(), options.bootstrap.end(), node) ==
        options.bootstrap.end())
      options.bootstrap.push_back(node);
  options.peers = network.peers;
  options.loopback_test_mode = loopback_test_mode_requested(network.dht_loopback);
  options.port_mapping = !no_port_mapping_requested(network.no_port_mapping);
  options.stats_file = network.stats_file;
  return options;
}

} // namespace hlswarm
