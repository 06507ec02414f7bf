#include "platform.hpp"

#include <algorithm>

#include <simgrid/s4u.hpp>

namespace sg4 = simgrid::s4u;

namespace hlswarm::sim {

namespace {

/// A region: its share of the viewers and the RTT between two homes in it
/// (milliseconds, before the access links' own few milliseconds).
struct Region {
  const char *name;
  double share;
  double metro_rtt_ms;
};

const Region regions[] = {
    {"europe", 0.35, 14}, {"north-america", 0.30, 20},
    {"south-america", 0.10, 24}, {"asia-pacific", 0.25, 30}};
constexpr int region_count = 4;

/// RTT between homes in two regions, milliseconds (typical figures of
/// public latency maps, rounded; the access links add +-3 ms).
const double inter_region_rtt_ms[region_count][region_count] = {
    {14, 85, 185, 165}, {85, 20, 125, 135}, {185, 125, 24, 185}, {165, 135, 185, 30}};

/// A home connection's access link adds this much one way, on average.
constexpr double mean_access_ms = 1.75;

double uniform(std::mt19937_64 &random, double low, double high) {
  return std::uniform_real_distribution<double>(low, high)(random);
}

int draw_region(std::mt19937_64 &random) {
  double at = uniform(random, 0, 1);
  for (int r = 0; r < region_count; ++r) {
    at -= regions[r].share;
    if (at < 0)
      return r;
  }
  return region_count - 1;
}

} // namespace

const std::vector<std::string> &Platform::region_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const auto &region : regions)
      result.emplace_back(region.name);
    return result;
  }();
  return names;
}

Platform::Platform(const PlatformSpec &spec, std::mt19937_64 &random) {
  for (int node = 0; node <= spec.hosts; ++node)
    access_.push_back(draw_access(spec, node, random));
  hub_.assign(region_count, 0);
  backbone_.assign(region_count, std::vector<double>(region_count, 0));
  if (spec.kind != PlatformKind::loopback) {
    for (int a = 0; a < region_count; ++a)
      hub_[a] = (regions[a].metro_rtt_ms / 2 - 2 * mean_access_ms) / 1000;
    for (int a = 0; a < region_count; ++a)
      for (int b = 0; b < region_count; ++b)
        if (a != b)
          backbone_[a][b] = std::max(
              0.0, inter_region_rtt_ms[a][b] / 2000 - hub_[a] - hub_[b] - 2 * mean_access_ms / 1000);
  }
  build(spec);
}

Access Platform::draw_access(const PlatformSpec &spec, int node, std::mt19937_64 &random) const {
  Access access;
  if (spec.kind == PlatformKind::loopback) {
    access.up_bps = access.down_bps = spec.loopback_bps;
    access.latency = 25e-6;
    return access;
  }
  access.latency = uniform(random, 1.0, 2.5) / 1000;
  if (node == 0) { // the creator: an ordinary home in Europe
    access.up_bps = spec.creator_up_bps;
    access.down_bps = 50e6;
    access.latency = mean_access_ms / 1000;
    return access;
  }
  access.region = draw_region(random);
  double kind = uniform(random, 0, 1);
  if (spec.kind == PlatformKind::constrained) {
    // Half the viewers upload less than a 5 Mbit/s stream.
    if (kind < 0.5) {
      access.down_bps = uniform(random, 20, 50) * 1e6;
      access.up_bps = uniform(random, 2, 4) * 1e6;
    } else {
      access.down_bps = uniform(random, 50, 100) * 1e6;
      access.up_bps = uniform(random, 10, 20) * 1e6;
    }
  } else if (kind < 0.35) { // DSL
    access.down_bps = uniform(random, 20, 30) * 1e6;
    access.up_bps = uniform(random, 5, 8) * 1e6;
  } else if (kind < 0.75) { // cable
    access.down_bps = uniform(random, 40, 80) * 1e6;
    access.up_bps = uniform(random, 8, 15) * 1e6;
  } else { // fibre
    access.down_bps = uniform(random, 80, 100) * 1e6;
    access.up_bps = uniform(random, 15, 20) * 1e6;
  }
  return access;
}

void Platform::build(const PlatformSpec &spec) {
  // A star zone per region (each home's own up and down links, then the
  // region's hub), joined by one backbone link per pair of regions. The
  // hub and backbone are far faster than every home link put together
  // (1e12 B/s), so they never limit a flow: home links are the bottlenecks.
  // They are shared links, not FATPIPE: the same sharing while they do not
  // saturate, but SimGrid's max-min solver walks every flow of a FATPIPE
  // link each time it fixes one of them, quadratic in the flows of a region.
  auto *world = sg4::create_full_zone("world");
  std::vector<sg4::NetZone *> zones;
  std::vector<simgrid::kernel::routing::NetPoint *> gateways;
  std::vector<const sg4::Link *> hubs;
  const int used_regions = spec.kind == PlatformKind::loopback ? 1 : region_count;
  for (int r = 0; r < used_regions; ++r) {
    auto *zone = sg4::create_star_zone(regions[r].name)->set_parent(world);
    auto *hub = zone->create_link(std::string(regions[r].name) + "-hub", 1e12)
                    ->set_latency(hub_[static_cast<std::size_t>(r)])
                    ->seal();
    auto *gateway = zone->create_router(std::string(regions[r].name) + "-gw");
    zone->add_route(gateway, nullptr, nullptr, nullptr, {sg4::LinkInRoute(hub)}, false);
    zone->add_route(nullptr, gateway, nullptr, nullptr, {sg4::LinkInRoute(hub)}, false);
    zones.push_back(zone);
    gateways.push_back(gateway);
    hubs.push_back(hub);
  }
  for (std::size_t node = 0; node < access_.size(); ++node) {
    const Access &access = access_[node];
    auto *zone = zones[static_cast<std::size_t>(access.region)];
    std::string name = node == 0 ? "creator" : "viewer-" + std::to_string(node);
    auto *host = zone->create_host(name, 1e9)->seal();
    auto *up = zone->create_link(name + "-up", access.up_bps / 8)->set_latency(access.latency)->seal();
    auto *down =
        zone->create_link(name + "-down", access.down_bps / 8)->set_latency(access.latency)->seal();
    const sg4::Link *hub = hubs[static_cast<std::size_t>(access.region)];
    zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                    {sg4::LinkInRoute(up), sg4::LinkInRoute(hub)}, false);
    zone->add_route(nullptr, host->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(hub), sg4::LinkInRoute(down)}, false);
    hosts_.push_back(host);
  }
  for (auto *zone : zones)
    zone->seal();
  for (int a = 0; a < used_regions; ++a)
    for (int b = a + 1; b < used_regions; ++b) {
      auto *link = world
                       ->create_link(std::string("backbone-") + regions[a].name + "-" +
                                         regions[b].name,
                                     1e12)
                       ->set_latency(backbone_[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)])
                          ->seal();
      world->add_route(zones[static_cast<std::size_t>(a)]->get_netpoint(),
                       zones[static_cast<std::size_t>(b)]->get_netpoint(),
                       gateways[static_cast<std::size_t>(a)], gateways[static_cast<std::size_t>(b)],
                       {sg4::LinkInRoute(link)}, true);
    }
  world->seal();
}

double Platform::one_way(int a, int b) const {
  const Access &from = access(a);
  const Access &to = access(b);
  auto ra = static_cast<std::size_t>(from.region);
  auto rb = static_cast<std::size_t>(to.region);
  double between = ra == rb ? hub_[ra] : hub_[ra] + hub_[rb] + backbone_[ra][rb];
  return from.latency + between + to.latency;
}

} // namespace hlswarm::sim
