#include "hlswarm/room/peer_fetch.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/media/seek.hpp"
#include "hlswarm/media/viewer_output.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/net/transfer_stats.hpp"
#include "hlswarm/room/hls_gateway.hpp"
#include "hlswarm/room/room_server.hpp"
#include "hlswarm/room/room_viewer.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {

namespace {

// --from/--to: the segments covering that span of a complete room.
SpanChooser span_chooser(const PeerFetchOptions &options) {
  std::optional<double> from, to;
  if (options.from)
    from = parse_media_time(*options.from);
  if (options.to)
    to = parse_media_time(*options.to);
  if (from && to && *to <= *from)
    throw Error(Exit::usage, "--to", "must be later than --from");
  return [from, to](const std::vector<SignedRecord> &records) {
    std::vector<SegmentTime> times;
    for (const auto &record : records)
      if (!record.fields.end && record.fields.duration_us > 0)
        times.push_back({record.fields.seq,
                         static_cast<double>(record.fields.start_us) / 1e6,
                         static_cast<double>(record.fields.duration_us) / 1e6});
    SeekSpan span = seek_span(times, from, to);
    return std::pair{span.first_seq, span.last_seq};
  };
}

// --http: the gateway, the private HLS folder it serves (written only by
// this run's HLS output, so only verified segments are in it) and what
// its status endpoint says.
class GatewayFeed {
public:
  GatewayFeed(const HostPort &where, const Room &room, std::filesystem::path folder)
      : folder_(std::move(folder)) {
    std::filesystem::remove_all(folder_);
    gateway_.emplace(where, room, folder_);
    diag::notef("watch at {} (playlist {}{})", gateway_->url(), gateway_->url(),
                gateway_->playlist_path().substr(1));
  }
  ~GatewayFeed() {
    gateway_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }
  GatewayFeed(const GatewayFeed &) = delete;
  GatewayFeed &operator=(const GatewayFeed &) = delete;

  const std::filesystem::path &folder() const { return folder_; }

  void joined(RoomState state) {
    status_.state = to_string(state);
    publish();
  }
  void segment(const ViewedSegment &segment) {
    if (!segment.record.fields.init) {
      ++status_.segments;
      status_.media_seconds += static_cast<double>(segment.record.fields.duration_us) / 1e6;
    }
    status_.origin_bytes += segment.origin_bytes;
    status_.peer_bytes += segment.peer_bytes;
    publish();
  }
  void progress(const ViewStatus &status) {
    if (status.members == status_.peers)
      return;
    status_.peers = status.members;
    publish();
  }
  /// The playlist is complete (ENDLIST): `ended` for a live room's end.
  void complete(bool ended) {
    if (ended && status_.state == to_string(RoomState::live))
      status_.state = to_string(RoomState::ended);
    status_.complete = true;
    publish();
  }

private:
  void publish() { gateway_->update(status_); }

  std::filesystem::path folder_;
  std::optional<HlsGateway> gateway_;
  GatewayStatus status_;
};

OutputKind output_kind(RoomState state) {
  return state == RoomState::vod ? OutputKind::vod : OutputKind::live;
}

OutputSet make_outputs(const PeerFetchOptions &options, RoomState state,
                       const GatewayFeed *gateway) {
  OutputSet outputs;
  bool to_stdout = !options.output ? !options.hls_dir && !options.http
                                   : *options.output == "-";
  if (to_stdout)
    outputs.add(make_stream_output(STDOUT_FILENO, "standard output"), "standard output");
  else if (options.output)
    outputs.add(make_file_output(*options.output), *options.output);
  if (options.hls_dir)
    outputs.add(make_hls_output(*options.hls_dir, output_kind(state)),
                options.hls_dir->string());
  if (gateway)
    outputs.add(make_hls_output(gateway->folder(), output_kind(state)), "--http");
  return outputs;
}

std::string rate_text(double bytes_per_second) {
  if (bytes_per_second >= 1e6)
    return fmt::format("{:.1f} MB/s", bytes_per_second / 1e6);
  return fmt::format("{:.0f} kB/s", bytes_per_second / 1e3);
}

// The progress line: position, what is being fetched, peers, rates and the
// share of bytes that came from peers rather than the origin.
class ProgressLine {
public:
  explicit ProgressLine(Node &node) : node_(node) {}

  void show(const ViewStatus &status, std::uint64_t origin_bytes, std::uint64_t peer_bytes) {
    auto stats = node_.stats();
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - last_).count();
    std::uint64_t down = stats.value("downloaded_bytes", std::uint64_t{0});
    std::uint64_t up = stats.value("uploaded_bytes", std::uint64_t{0});
    double down_rate = seconds > 0 ? static_cast<double>(down - last_down_) / seconds : 0;
    double up_rate = seconds > 0 ? static_cast<double>(up - last_up_) / seconds : 0;
    last_ = now;
    last_down_ = down;
    last_up_ = up;
    std::uint64_t total = origin_bytes + peer_bytes;
    int position = static_cast<int>(status.media_seconds);
    diag::progress(fmt::format(
        "{}:{:02}:{:02} seq {} (newest {}), fetching {}, {} peers, down {}, up {}, "
        "{}% from peers",
        position / 3600, position / 60 % 60, position % 60, status.next_seq,
        status.newest_seq, status.fetching, status.members, rate_text(down_rate),
        rate_text(up_rate), total ? peer_bytes * 100 / total : 0));
  }

private:
  Node &node_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::uint64_t last_down_ = 0;
  std::uint64_t last_up_ = 0;
};

/// A lingering viewer serves every segment of the room the store holds,
/// not only the last few its fetches still seed: the latecomers it waits
/// for start at the beginning of a prepared video. Nothing (with a note)
/// when the store cannot serve it.
class LingeringServer {
public:
  LingeringServer(Node &node, const std::filesystem::path &folder, const Room &room) {
    try {
      store_.emplace(folder);
      auto info = store_->find_room(public_key_hex(room.creator), room.name);
      if (!info)
        return;
      server_.emplace(node, *store_, room, *info, nullptr);
      server_->serve_stored();
    } catch (const Error &e) {
      diag::warningf("serving only the last segments fetched: {}", e.what());
      server_.reset();
    }
  }

private:
  std::optional<Store> store_;
  std::optional<RoomServer> server_;
};

} // namespace

Exit peer_fetch(const PeerFetchOptions &options) {
  RoomUri uri = parse_room_uri(options.uri, Exit::usage);
  std::optional<HostPort> http;
  if (options.http)
    http = parse_gateway_address(*options.http);
  ViewOptions view;
  if (options.from || options.to)
    view.choose_span = span_chooser(options);
  view.behind = options.behind;
  view.max_peers = options.max_peers;
  view.give_up = options.give_up;
  view.find_timeout = options.timeout;
  view.store = options.store;
  // Downloads land here and are copied into the store once verified; the
  // folder goes when the program does.
  view.fetch_dir = options.store / "fetching" / fmt::format("{}", ::getpid());
  std::filesystem::remove_all(view.fetch_dir);

  Node node(make_node_options(options.network, any_free_port, uri.origin_hints()));
  Exit result = Exit::ok;
  {
    std::optional<GatewayFeed> gateway;
    if (http)
      gateway.emplace(*http, uri.room,
                      options.store / "fetching" / fmt::format("{}-http", ::getpid()));
    RoomViewer viewer(node, uri, view);
    std::optional<OutputSet> outputs;
    ProgressLine progress(node);
    std::uint64_t origin_bytes = 0, peer_bytes = 0;

    ViewEvents events;
    events.joined = [&](RoomState state, std::int64_t first_seq) {
      outputs.emplace(make_outputs(options, state, gateway ? &*gateway : nullptr));
      if (gateway)
        gateway->joined(state);
      diag::notef("{}: {} room, starting at seq {}", format_room_uri(uri.room),
                  to_string(state), first_seq);
    };
    events.segment = [&](const ViewedSegment &segment) {
      origin_bytes += segment.origin_bytes;
      peer_bytes += segment.peer_bytes;
      OutputSegment out;
      out.seq = segment.record.fields.seq;
      out.file = segment.file;
      out.name = decode_segment_info(segment.record.fields.info_dict, "record").name;
      out.duration_s = static_cast<double>(segment.record.fields.duration_us) / 1e6;
      out.init = segment.record.fields.init;
      out.discontinuity = segment.record.fields.discontinuity;
      if (outputs->write(out)) {
        if (gateway)
          gateway->segment(segment);
        return true;
      }
      diag::note("the player went away: stopping");
      return false;
    };
    events.progress = [&](const ViewStatus &status) {
      if (diag::progress_enabled())
        progress.show(status, origin_bytes, peer_bytes);
      if (gateway)
        gateway->progress(status);
    };

    ViewEnd end = viewer.view(events);
    diag::progress_done();
    node.set_stats_section("channel", viewer.stats());
    if (end == ViewEnd::ended || end == ViewEnd::span_done) {
      outputs->finish();
      if (gateway)
        gateway->complete(end == ViewEnd::ended);
    }
    if (end == ViewEnd::interrupted)
      result = Exit::interrupted;
    std::uint64_t total = origin_bytes + peer_bytes;
    diag::notef("{} bytes fetched, {}% from peers", total,
                total ? peer_bytes * 100 / total : 0);
    if (result == Exit::ok && options.linger.count() > 0) {
      diag::notef("serving for {:g} s more", options.linger.count() / 1000.0);
      LingeringServer server(node, options.store, uri.room);
      if (wait_for_another_stop(stop_count(), options.linger))
        result = Exit::interrupted;
    } else if (result == Exit::ok && gateway) {
      // A browser may still be playing what is served: the user says when
      // the gateway is done, and that is a normal end.
      diag::note("serving until interrupted");
      wait_for_another_stop(stop_count(), std::chrono::milliseconds::max());
    }
  }
  node.stop();
  std::error_code ignored;
  std::filesystem::remove_all(view.fetch_dir, ignored);
  return result;
}

} // namespace hlswarm
