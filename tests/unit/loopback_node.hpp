// NodeOptions for a node of a unit test: on one loopback address, no
// multicast discovery, the DHT's one-node-per-IP protections off.
#pragma once

#include <string>

#include "hlswarm/net/node.hpp"

namespace hlswarm::test {

inline NodeOptions loopback_node(std::string listen) {
  NodeOptions options;
  options.listen = std::move(listen);
  options.lsd = false;
  options.loopback_test_mode = true;
  return options;
}

} // namespace hlswarm::test
