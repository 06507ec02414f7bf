// peer-fetch: watch a room, from its URI to a player, and serve what it
// fetched to the room's other viewers while it does.
//
//   peer-fetch hlswarm://KEY/NAME | mpv -
//   peer-fetch --hls DIR URI
//   peer-fetch --http :8080 URI      (then open http://127.0.0.1:8080/)
//   peer-fetch --from 1:30 --to 2:00 -o clip.ts URI
#include "hlswarm/base/tool.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/room/peer_fetch.hpp"

int main(int argc, char **argv) {
  hlswarm::Tool tool("peer-fetch",
                     "Watch a room: fetch its segments from the room's peers, "
                     "verify each against the creator's signed chain and write "
                     "them in order to standard output (for a player) or an HLS "
                     "folder, serving them to other viewers meanwhile");
  CLI::App &app = tool.app();
  tool.add_store_option();
  hlswarm::PeerFetchOptions options;
  app.add_option("URI", options.uri, "Room URI, hlswarm://KEY/NAME[?x.pe=HOST:PORT]")
      ->required();
  app.add_option("-o,--output", options.output,
                 "Write the stream to FILE ('-': standard output, the default "
                 "unless --hls or --http is given)")
      ->type_name("FILE");
  app.add_option("--hls", options.hls_dir,
                 "Write the segments and an HLS playlist (index.m3u8) into DIR")
      ->type_name("DIR");
  app.add_option("--http", options.http,
                 "Serve the room over HTTP at ADDR:PORT (':PORT': on loopback, "
                 "127.0.0.1) for browsers and HLS players: a player page at /, "
                 "the playlist, the verified segments; keeps serving after the "
                 "end until interrupted")
      ->type_name("[ADDR]:PORT");
  app.add_option("--behind", options.behind,
                 "Live rooms: start N segments before the newest one (default 1: "
                 "one segment of buffer)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000));
  app.add_option("--from", options.from,
                 "Prepared videos and ended rooms: start at TIME (seconds or h:m:s)")
      ->type_name("TIME");
  app.add_option("--to", options.to, "... and stop at TIME")->type_name("TIME");
  app.add_option("--max-peers", options.max_peers,
                 "Fetch a segment from up to N peers at once (default 8)")
      ->type_name("N")
      ->check(CLI::Range(1, 64));
  hlswarm::add_duration_option(
      app, "--give-up", [&](std::chrono::seconds d) { options.give_up = d; },
      "Exit 69 when no source sent a byte of the next segment for DURATION "
      "(default 30s)");
  hlswarm::add_duration_option(
      app, "--timeout", [&](std::chrono::seconds d) { options.timeout = d; },
      "Exit 69 when the room is not found within DURATION (default 30s)");
  hlswarm::add_duration_option(
      app, "--linger", [&](std::chrono::seconds d) { options.linger = d; },
      "Keep serving the fetched segments for DURATION after the output is done "
      "(default 0)");
  hlswarm::add_network_options(app, options.network, hlswarm::any_free_port);
  return tool.run(argc, argv, [&] {
    options.store = tool.common().store;
    return hlswarm::peer_fetch(options);
  });
}
