// peer-seed: the long-running distributor. Serves the store, imports a
// folder of videos as VOD rooms, pins rooms, keeps followed creators'
// videos, and keeps the store within its quota.
//
//   peer-seed [--dir DIR] [--for 55m]                 # from cron
//   peer-seed --pin hlswarm://KEY/NAME
//   peer-seed --pin-creator KEY --max-size 500G       # a paid distributor
#include <fmt/format.h>

#include "hlswarm/base/tool.hpp"
#include "hlswarm/chain/ed25519.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/room/peer_seed.hpp"

int main(int argc, char **argv) {
  hlswarm::Tool tool("peer-seed",
                     "Serve every room of the store to the swarm; import "
                     "folders of videos as VOD rooms; pin rooms; keep the "
                     "videos of followed creators; keep the store within "
                     "its quota while running");
  tool.add_store_option();
  CLI::App &app = tool.app();
  hlswarm::PeerSeedOptions options;

  app.add_option("--key", options.key_file,
                 "Creator key file: the store's rooms of this key are served "
                 "as their origin, and imports are signed with it (default: "
                 "$XDG_CONFIG_HOME/hlswarm/identity.key, created by the "
                 "first import)")
      ->type_name("FILE");
  hlswarm::add_duration_option(
      app, "--for",
      [&](std::chrono::seconds run_for) { options.run_for = run_for; },
      "Stop after DURATION (55m for an hourly cron job) and exit 0; "
      "default: until interrupted");
  app.add_option("--dir", options.dirs,
                 "Import every video file in DIR not imported before as a "
                 "VOD room of this creator (repeatable); one JSON line per "
                 "video on stdout")
      ->type_name("DIR");
  app.add_option("-d,--duration", options.segment_seconds,
                 "Imports: target segment duration in seconds (default 8)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.5, 60.0));
  app.add_option("--pin", options.pin,
                 "Fetch the whole room (a live room is followed to its end), "
                 "pin it (never evicted) and serve it (repeatable)")
      ->type_name("URI");
  app.add_option("--unpin", options.unpin,
                 "Unpin a room: its segments may be evicted again (repeatable)")
      ->type_name("URI");
  app.add_option("--pin-creator,--pin-creators", options.pin_creators,
                 "A Super Content Distributor's customer: pin every ended "
                 "broadcast and every prepared video of the creator with "
                 "this public key as they appear (repeatable; config key "
                 "pin-creators = [...])")
      ->type_name("KEY")
      ->check([](const std::string &key) {
        return hlswarm::public_key_from_hex(key)
                   ? std::string()
                   : fmt::format("{}: not a public key (64 hex digits)", key);
      });
  auto *offer = app.add_option(
      "--offer", options.offer_price,
      "Offer to pin rooms for PRICE per GB-month (2.50): a signed offer, "
      "with the free capacity left under --max-size, that creators find "
      "with 'room-announce pinners'")
      ->type_name("PRICE");
  app.add_option("--offer-currency", options.offer_currency,
                 "The offer's currency code (default EUR)")
      ->type_name("CODE");
  app.add_option("--offer-contact", options.offer_contact,
                 "How creators reach this distributor to pay (an address, "
                 "a URL; at most 200 bytes)")
      ->type_name("TEXT");
  app.add_flag("--follow", options.follow,
               "Fetch and keep the prepared videos of the creators this user "
               "follows (watched --follow-after times within --follow-within), "
               "newest first, as the quota allows");
  app.add_option("--follow-after", options.follow_policy.min_watches,
                 "Follow a creator watched at least N times (default 3)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  hlswarm::add_duration_option(
      app, "--follow-within",
      [&](std::chrono::seconds age) { options.follow_policy.within = age; },
      "... the last time within AGE (default 30d)")
      ->type_name("AGE");
  hlswarm::add_size_option(
      app, "--max-size", [&](std::uint64_t bytes) { options.max_size = bytes; },
      "Keep at most SIZE of segments (500M, 20G), evicting the least "
      "recently requested unpinned ones while running (store-gc's policy)");
  hlswarm::add_duration_option(
      app, "--max-idle", [&](std::chrono::seconds age) { options.max_idle = age; },
      "Evict segments nobody asked for within AGE (36h, 14d) while running")
      ->type_name("AGE");
  hlswarm::add_duration_option(
      app, "--gc-interval",
      [&](std::chrono::seconds interval) { options.gc_interval = interval; },
      "Apply --max-size and --max-idle every DURATION (default 60s)");
  hlswarm::add_duration_option(
      app, "--channel-interval",
      [&](std::chrono::seconds interval) { options.channel_interval = interval; },
      "Read the channels of pinned and followed creators every DURATION "
      "(default 10m)");
  hlswarm::add_duration_option(
      app, "--give-up",
      [&](std::chrono::seconds give_up) { options.give_up = give_up; },
      "Give up a fetch that makes no progress for DURATION (default 60s); "
      "it is tried again later");
  hlswarm::add_network_options(app, options.network, hlswarm::default_listen);

  return tool.run(argc, argv, [&] {
    options.store = tool.common().store;
    if (*offer && !options.max_size)
      throw hlswarm::Error(hlswarm::Exit::usage, "--offer",
                           "needs --max-size: the capacity it offers");
    return hlswarm::peer_seed(options);
  });
}
