// room-announce: open a room and serve each new segment the moment it exists.
//
//   room-announce create NAME [--vod]
//   seg-split ... | seg-chain ROOM | room-announce [options] ROOM
//   room-announce status URI [--json] [--audit]
//   room-announce channel KEY|URI [--json]
//   room-announce pinners [--json]
//   room-announce torrents ROOM -o DIR [--magnets]
#include <unistd.h>

#include "hlswarm/base/tool.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/room/room_announce.hpp"
#include "hlswarm/room/room_listings.hpp"
#include "hlswarm/room/room_status.hpp"
#include "hlswarm/room/room_torrents.hpp"

int main(int argc, char **argv) {
  hlswarm::Tool tool("room-announce",
                     "Serve a room: each record from seg-chain on stdin is "
                     "seeded, added to the chain torrent and announced in "
                     "the room head on the DHT, then passed on to stdout");
  CLI::App &app = tool.app();
  tool.add_store_option();

  hlswarm::AnnounceOptions announce;
  // One set of network options, given before or after "status".
  hlswarm::NetworkOptions network;
  app.add_option("ROOM", announce.room,
                 "Room name, or room URI hlswarm://KEY/NAME whose KEY is "
                 "this creator's");
  app.add_option("--key", announce.key_file,
                 "Creator key file (default: $XDG_CONFIG_HOME/hlswarm/"
                 "identity.key, created on first use)")
      ->type_name("FILE");
  hlswarm::add_network_options(app, network, hlswarm::default_listen);
  hlswarm::add_duration_option(
      app, "--linger",
      [&](std::chrono::seconds linger) { announce.linger = linger; },
      "After the end record keep serving for DURATION (90s, 15m; 0: exit at "
      "once); default: until interrupted");

  hlswarm::CreateRoomOptions create;
  CLI::App *create_command = app.add_subcommand(
      "create", "Create a room (and the creator key on first use), pin it in "
                "the store and print its URI");
  create_command->add_option("NAME", create.name, "Room name (1-64 bytes of UTF-8)")
      ->required();
  create_command->add_flag("--vod", create.vod,
                           "A video-on-demand room (a prepared video) rather "
                           "than a live one");

  hlswarm::StatusOptions status;
  CLI::App *status_command = app.add_subcommand(
      "status", "Show what a viewer would see of a room: state, head seq, "
                "segments, and how many peers hold each segment");
  status_command->add_option("URI", status.uri,
                             "Room URI (x.pe origin hints are used)")
      ->required();
  status_command->add_flag("--json", status.json, "Print one JSON object");
  status_command->add_flag("--audit", status.audit,
                           "Check that each holder really keeps each segment: "
                           "fetch a random 16 KiB block with its merkle proof "
                           "and verify it");
  hlswarm::add_duration_option(
      *status_command, "--timeout",
      [&](std::chrono::seconds timeout) { status.timeout = timeout; },
      "Give up finding the room after DURATION (default 20s)");
  hlswarm::add_network_options(*status_command, network, hlswarm::any_free_port);

  hlswarm::ChannelOptions channel;
  CLI::App *channel_command = app.add_subcommand(
      "channel", "Show a creator's channel: every room they published, with "
                 "its state, segments and duration");
  channel_command->add_option("CREATOR", channel.creator,
                              "Creator key (64 hex digits), channel URI "
                              "hlswarm://KEY, or any room URI of theirs "
                              "(x.pe origin hints are used)")
      ->required();
  channel_command->add_flag("--json", channel.json, "Print one JSON object");
  hlswarm::add_duration_option(
      *channel_command, "--timeout",
      [&](std::chrono::seconds timeout) { channel.timeout = timeout; },
      "Give up reading the channel after DURATION (default 20s)");
  hlswarm::add_network_options(*channel_command, network, hlswarm::any_free_port);

  hlswarm::PinnersOptions pinners;
  CLI::App *pinners_command = app.add_subcommand(
      "pinners", "List the offers of distributors that keep rooms for pay "
                 "(price per GB-month, free capacity, contact), cheapest first");
  pinners_command->add_flag("--json", pinners.json, "Print one JSON object");
  hlswarm::add_duration_option(
      *pinners_command, "--timeout",
      [&](std::chrono::seconds timeout) { pinners.timeout = timeout; },
      "Look for offers for DURATION (default 10s)");
  hlswarm::add_network_options(*pinners_command, network, hlswarm::any_free_port);

  hlswarm::TorrentsOptions torrents;
  CLI::App *torrents_command = app.add_subcommand(
      "torrents", "Write the .torrent files (BitTorrent v2) of a room's "
                  "segments held in the store, for a standard BitTorrent "
                  "client; one JSON line per torrent");
  torrents_command->add_option("ROOM", torrents.room,
                               "Room URI hlswarm://KEY/NAME (any creator's; "
                               "its x.pe hints go into the magnet links), or "
                               "a room name of this creator's")
      ->required();
  torrents_command->add_option("-o,--output", torrents.output_dir,
                               "Write the .torrent files into DIR (created if "
                               "missing): SEQ.torrent, six digits, and "
                               "chain.torrent")
      ->type_name("DIR");
  torrents_command->add_flag("--magnets", torrents.magnets,
                             "Print one magnet link per line instead of JSON "
                             "lines (-o is then optional)");

  app.require_subcommand(0, 1);
  create_command->fallthrough();
  status_command->fallthrough();
  channel_command->fallthrough();
  pinners_command->fallthrough();
  torrents_command->fallthrough();

  return tool.run(argc, argv, [&]() -> hlswarm::Exit {
    if (*create_command) {
      create.key_file = announce.key_file;
      create.store = tool.common().store;
      return hlswarm::create_room(create, stdout);
    }
    if (*status_command) {
      status.network = network;
      return hlswarm::room_status(status, stdout);
    }
    if (*channel_command) {
      channel.network = network;
      return hlswarm::show_channel(channel, stdout);
    }
    if (*pinners_command) {
      pinners.network = network;
      return hlswarm::show_pinners(pinners, stdout);
    }
    if (*torrents_command) {
      torrents.key_file = announce.key_file;
      torrents.store = tool.common().store;
      return hlswarm::write_room_torrents(torrents, stdout);
    }
    if (announce.room.empty())
      throw hlswarm::Error(hlswarm::Exit::usage,
                           "a ROOM (name or room URI) is required; see "
                           "'room-announce --help'");
    announce.store = tool.common().store;
    announce.network = network;
    return hlswarm::announce_room(announce, STDIN_FILENO, stdout);
  });
}
