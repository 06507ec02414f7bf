// The networks swarm-sim plays a room on, generated for each run: home
// connections in four regions (a creator on an ordinary home uplink), the
// same with half the viewers on slow uplinks, or a loopback-like network
// for comparing with the real swarm benchmark (scripts/bench-swarm-live).
#pragma once

#include <random>
#include <string>
#include <vector>

namespace simgrid::s4u {
class Host;
}

namespace hlswarm::sim {

enum class PlatformKind {
  home,        ///< DSL, cable and fibre homes; RTTs 12-200 ms by region
  constrained, ///< home, but half the viewers upload only 2-4 Mbit/s
  loopback,    ///< one machine: every host at the same rate, ~0.1 ms RTT
};

/// One end of the network: a home connection (or a loopback address).
struct Access {
  int region = 0;
  double up_bps = 0;   ///< bits per second
  double down_bps = 0; ///< bits per second
  double latency = 0;  ///< one way, seconds, to the region's hub
};

/// What to generate.
struct PlatformSpec {
  PlatformKind kind = PlatformKind::home;
  int hosts = 0;               ///< viewers (and joiners), the creator not counted
  double creator_up_bps = 10e6;
  double loopback_bps = 250e6; ///< loopback: every host's rate (measured, see README)
};

/// The generated network: hosts[0] is the creator's, then one per viewer.
class Platform {
public:
  /// Builds the hosts and links in SimGrid's engine (which must exist and
  /// have no platform yet).
  Platform(const PlatformSpec &spec, std::mt19937_64 &random);

  simgrid::s4u::Host *host(int node) const { return hosts_[static_cast<std::size_t>(node)]; }
  const Access &access(int node) const { return access_[static_cast<std::size_t>(node)]; }
  /// One-way latency between two nodes, seconds: what SimGrid's routes add up to.
  double one_way(int a, int b) const;
  /// Region names, by Access::region.
  static const std::vector<std::string> &region_names();

private:
  Access draw_access(const PlatformSpec &spec, int node, std::mt19937_64 &random) const;
  void build(const PlatformSpec &spec);

  std::vector<Access> access_;
  std::vector<simgrid::s4u::Host *> hosts_;
  std::vector<std::vector<double>> backbone_; ///< one way between region hubs
  std::vector<double> hub_;                   ///< one way inside a region
};

} // namespace hlswarm::sim
