// swarm-sim: one live room played on SimGrid with the viewer's policy, at
// sizes and on networks one machine cannot run for real.
//
//   swarm-sim --viewers 10000 --seconds 240 --churn 0.2 -o runs/10k --plots
//   swarm-sim --platform loopback --viewers 8 --seconds 150 -o runs/val8
//             --measured benchmarks/results/live.tsv   (one command line)
#include <iostream>

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/tool.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "report.hpp"
#include "swarm_model.hpp"

namespace {

using hlswarm::sim::PlatformKind;

struct SimCommand {
  hlswarm::sim::RunOptions run;
  std::filesystem::path out;
  std::filesystem::path measured;
  bool plots = false;
  int chunk_pieces = 1;
  double kbits = 2000, creator_up_mbit = 10, loopback_mbit = 250;
  double origin_wait_ms = -1;
  double record_delay_ms = 61, torrent_start_ms = 20, dht_lookup_ms = 1500;
  std::vector<std::string> cfg;
};

hlswarm::Exit simulate(SimCommand &command) {
  auto &run = command.run;
  run.stream_bps = command.kbits * 1000;
  run.platform.creator_up_bps = command.creator_up_mbit * 1e6;
  run.platform.loopback_bps = command.loopback_mbit * 1e6;
  run.chunk_bytes = static_cast<std::uint64_t>(command.chunk_pieces) * hlswarm::segment_piece_size;
  run.record_delay = command.record_delay_ms / 1000;
  run.torrent_start = command.torrent_start_ms / 1000;
  run.dht_lookup = command.dht_lookup_ms / 1000;
  run.origin_wait = command.origin_wait_ms < 0 ? -1 : command.origin_wait_ms / 1000;
  if (run.stream_seconds < run.segment_seconds)
    throw hlswarm::Error(hlswarm::Exit::usage, "--seconds", "shorter than one segment");
  // Messages cost one latency (LV08's latency factor stands for TCP slow
  // start on new connections; a segment torrent's stay open); small
  // stacks, as there is one actor per viewer. network/optim:Full: every
  // viewer's flows share links with every other's, so the flows form one
  // connected system; Lazy (the default) then walks all of it on each
  // change to find what to re-solve, and solves all of it anyway. Full
  // gives the same figures (100 viewers, seed 1: identical summary) in
  // half the time at 200 viewers (33 s -> 16 s).
  std::vector<std::string> engine{"--cfg=network/latency-factor:1", "--cfg=network/optim:Full",
                                  "--cfg=contexts/stack-size:256", "--log=root.thres:warning"};
  // LV08's cross traffic puts each flow's acknowledgements on the reverse
  // route, and SimGrid's max-min gives a flow the fair share of every
  // link it touches whatever it consumes there, so a host's downloads are
  // capped at the fair share of its busy uplink. On a home line that
  // stands for ACKs queueing behind uploads; on loopback there is no line
  // (measured: a first fetcher's download fell to 1/8 of the rate while
  // it served seven viewers, 469 ms for a segment the rate moves in 64),
  // so it is off there.
  if (run.platform.kind == PlatformKind::loopback)
    engine.push_back("--cfg=network/crosstraffic:0");
  for (const auto &option : command.cfg)
    engine.push_back("--cfg=" + option);
  hlswarm::make_dirs(command.out);
  hlswarm::check_can_create(command.out / "summary.json");
  auto result = hlswarm::sim::run_swarm(run, engine);
  auto summary = hlswarm::sim::summarize(run, result);
  hlswarm::sim::write_results(command.out, summary, result);
  if (command.plots)
    hlswarm::sim::draw_plots(command.out, summary);
  std::cout << summary.dump() << std::endl;
  if (!command.measured.empty())
    std::cout << hlswarm::sim::compare_with_measured(summary, command.measured) << std::flush;
  return hlswarm::Exit::ok;
}

} // namespace

int main(int argc, char **argv) {
  hlswarm::Tool tool("swarm-sim",
                     "Simulate one live room on SimGrid: a creator, viewers arriving and "
                     "leaving, each running peer-fetch's policy, on a generated network; "
                     "writes the figures as JSON (stdout, summary.json) and TSV");
  CLI::App &app = tool.app();
  SimCommand command;
  auto &run = command.run;
  app.add_option("-o,--out", command.out, "Write the results into DIR")->required()->type_name("DIR");
  app.add_option("--viewers", run.viewers, "Viewers at the start (default 50)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--seconds", run.stream_seconds, "Seconds of stream (default 60)")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--kbits", command.kbits, "The stream's bitrate, kbit/s (default 2000)")
      ->check(CLI::Range(10.0, 1e6));
  app.add_option("--segment", run.segment_seconds, "Segment duration, seconds (default 8)")
      ->check(CLI::Range(0.5, 60.0));
  app.add_option("--platform", command.run.platform.kind,
                 "home (DSL/cable/fibre homes in four regions), constrained (half the "
                 "viewers upload 2-4 Mbit/s) or loopback (one machine)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, PlatformKind>{
          {"home", PlatformKind::home},
          {"constrained", PlatformKind::constrained},
          {"loopback", PlatformKind::loopback}}));
  app.add_option("--creator-up", command.creator_up_mbit,
                 "The creator's uplink, Mbit/s (default 10; not loopback)")
      ->check(CLI::Range(0.1, 1e5));
  app.add_option("--loopback-rate", command.loopback_mbit,
                 "loopback: every host's rate each way, Mbit/s (default 250, a libtorrent "
                 "transfer on this project's machine)")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--churn", run.churn_per_minute,
                 "Share of the viewers leaving, and as many joining, per minute (default 0)")
      ->check(CLI::Range(0.0, 10.0));
  app.add_option("--join-spread", run.join_spread,
                 "The first viewers join over this many seconds (default 1)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--seed", run.seed, "Random seed (default 1)");
  app.add_option("--chunk-pieces", command.chunk_pieces,
                 "The model's unit of transfer, in segment pieces (default 1: 64 KiB, libtorrent's)")
      ->check(CLI::Range(1, 16));
  app.add_option("--record-delay", command.record_delay_ms,
                 "ms from a segment closing to its record leaving the creator (default 61, "
                 "measured)")
      ->check(CLI::Range(0.0, 60000.0));
  app.add_option("--torrent-start", command.torrent_start_ms,
                 "ms from a record to its torrent's first connection (default 20, "
                 "libtorrent's tick)")
      ->check(CLI::Range(0.0, 10000.0));
  app.add_option("--dht-lookup", command.dht_lookup_ms, "ms a DHT head read takes (default 1500)")
      ->check(CLI::Range(0.0, 60000.0));
  app.add_option("--drain", run.drain_seconds,
                 "Seconds simulated after the last segment (default 20)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--max-peers", run.max_peers,
                 "Policy experiment: peers a segment is fetched from (default: peer-fetch's)")
      ->check(CLI::Range(1, 64));
  app.add_option("--origin-first", run.origin_first,
                 "Policy experiment: first fetchers of each segment (default: peer-fetch's)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--origin-wait", command.origin_wait_ms,
                 "Policy experiment: ms without a member's byte before the origin is "
                 "added (default: peer-fetch's)")
      ->check(CLI::Range(0.0, 60000.0));
  app.add_flag("--origin-super-seed", run.origin_super_seed,
               "Policy experiment: the creator sends every piece of a segment once "
               "before it sends any twice (BitTorrent super-seeding)");
  app.add_option("--origin-connections", run.origin_connections,
                 "Policy experiment: the creator's connections per new segment (libtorrent's "
                 "max_connections; 0: unlimited; default: room-announce's)")
      ->check(CLI::Range(0, 100000));
  app.add_flag("--rank-after-lookup", run.rank_after_lookup,
               "Policy experiment: a viewer that just joined is no first fetcher until "
               "its first member lookup has answered");
  app.add_option("--measured", command.measured,
                 "Print the figures beside the swarm row of the same viewer count in FILE "
                 "(scripts/bench-swarm-live's live.tsv)")
      ->type_name("FILE");
  app.add_flag("--plots", command.plots, "Draw PNG plots with gnuplot into the output folder");
  app.add_option("--cfg", command.cfg, "A SimGrid configuration item, NAME:VALUE (repeatable)")
      ->type_name("NAME:VALUE");
  return tool.run(argc, argv, [&] { return simulate(command); });
}
