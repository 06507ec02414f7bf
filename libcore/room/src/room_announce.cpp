// room-announce: the creator's side of the network.
#include "hlswarm/room/room_announce.hpp"

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/line_input.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/seg_chain.hpp"
#include "hlswarm/room/creator_channel.hpp"
#include "hlswarm/room/room_server.hpp"
#include "hlswarm/store/store.hpp"
#include "hlswarm/store/store_layout.hpp"

namespace hlswarm {

std::filesystem::path chain_records_path(const std::filesystem::path &store,
                                         const Room &room) {
  return store_chain_records_path(store, public_key_hex(room.creator),
                                  percent_encode(room.name));
}

namespace {

std::string_view mode_name(RoomMode mode) {
  return mode == RoomMode::vod ? "vod" : "live";
}

NodeOptions announcer_node_options(const AnnounceOptions &options) {
  NodeOptions node = make_node_options(options.network, default_listen);
  node.state_file = store_node_state_path(options.store);
  make_dirs(node.state_file.parent_path());
  return node;
}

// The creator's room on the network: the store, the node and the room's
// server, in the order they must be made and torn down.
class RoomAnnouncer {
public:
  RoomAnnouncer(const AnnounceOptions &options, const Identity &identity,
                const Room &room)
      : store_(options.store), node_(announcer_node_options(options)) {
    const std::string creator = public_key_hex(room.creator);
    auto existing = store_.find_room(creator, room.name);
    RoomMode mode = existing ? existing->mode : RoomMode::live;
    RoomId id = existing ? existing->id : store_.add_room(creator, room.name, mode);
    store_.set_room_pinned(id, true);
    server_.emplace(node_, store_, room, *store_.room(id), &identity);
    std::size_t served = server_->serve_stored();
    if (server_->last_seq())
      diag::notef("republishing {} records ({} segments) of {} from the store",
                  *server_->last_seq() + 1, served, format_room_uri(room));
  }

  RoomServer &server() { return *server_; }
  Node &node() { return node_; }

private:
  Store store_;
  Node node_;
  std::optional<RoomServer> server_;
};

// The creator's channel, published again whenever one of their rooms
// changes state here; a failure is a warning, as the room itself is served
// either way.
void publish_channel(ChannelPublisher &channel) {
  try {
    auto published = channel.publish();
    diag::notef("channel of {} rooms published", published.rooms.size());
  } catch (const Error &e) {
    diag::warningf("channel not published: {}", e.what());
  }
}

Identity creator_identity(const std::optional<std::filesystem::path> &key_file) {
  return key_file ? open_identity(*key_file, false)
                  : open_identity(default_key_path(), true);
}

} // namespace

Exit create_room(const CreateRoomOptions &options, std::FILE *out) {
  Identity identity = creator_identity(options.key_file);
  Room room = room_from_argument(options.name, identity);
  Store store(options.store);
  const std::string creator = public_key_hex(room.creator);
  RoomMode mode = options.vod ? RoomMode::vod : RoomMode::live;
  if (auto existing = store.find_room(creator, room.name);
      existing && existing->mode != mode)
    throw Error(Exit::data, format_room_uri(room),
                fmt::format("the room exists already as a {} room",
                            mode_name(existing->mode)));
  RoomId id = store.add_room(creator, room.name, mode);
  store.set_room_pinned(id, true);
  write_raw_line(format_room_uri(room), out);
  return Exit::ok;
}

Exit announce_room(const AnnounceOptions &options, int input_fd, std::FILE *out) {
  Identity identity = creator_identity(options.key_file);
  Room room = room_from_argument(options.room, identity);
  RoomAnnouncer announcer_parts(options, identity, room);
  RoomServer &announcer = announcer_parts.server();
  announcer.start_membership(options.neighbour_interval);
  announcer.publish_head();
  ChannelPublisher channel(announcer_parts.node(), identity, options.store);
  publish_channel(channel);

  RoomUri uri{room, {}};
  for (const auto &origin : reachable_endpoints(announcer_parts.node()))
    uri.parameters.emplace_back("x.pe", origin.to_string());
  diag::notef("serving {} (origin hints for viewers: {})", format_room_uri(room),
              format_room_uri(uri));

  LineInput input(input_fd, "stdin", options.drain);
  bool ended = announcer.ended();
  // The stop signals that had arrived when the end record came: more than
  // none means a Ctrl-C brought the end (see below).
  int stops_before_end = 0;
  while (auto text = input.next()) {
    if (text->find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::string where = fmt::format("stdin:{}", input.line_number());
    ChainEntry entry = parse_chain_line(*text, where);
    announcer.take(entry, where);
    // Served and announced first, passed on second: what downstream sees
    // is already on the network.
    write_raw_line(*text, out);
    if (entry.record.fields.end && !ended) {
      stops_before_end = stop_count();
      publish_channel(channel); // the room is now ended, or a whole video
    }
    ended = ended || entry.record.fields.end;
    diag::progress(fmt::format("seq {} announced", entry.record.fields.seq));
  }
  diag::progress_done();
  // Ctrl-C on a live pipeline reaches every stage at once: seg-split closes
  // the segment it is writing and seg-chain appends the end record, which
  // arrive here within the drain time. A signal that brings the end record
  // therefore ends the broadcast as planned (take() has published the final
  // head) and the room is served for --linger like after any end; a second
  // signal stops at once. Without the end record the room stays live for a
  // later room-announce to continue. A signal after the end record (while
  // lingering, or before the input closed) stops at once.
  const int signals_seen = stop_count();
  const bool ended_by_signal =
      ended && stops_before_end > 0 && signals_seen == stops_before_end;
  if (stop_requested() && !ended_by_signal) {
    if (input.drain_expired())
      diag::warning("stopped: input did not end within the drain time");
    return Exit::interrupted;
  }
  std::string serving = options.linger
                            ? fmt::format("for {:g} s more", options.linger->count() / 1000.0)
                            : std::string("until interrupted");
  if (ended_by_signal)
    serving += " (interrupt again to stop at once)";
  if (ended)
    diag::notef("{} ended at seq {}; serving {}", format_room_uri(room),
                announcer.last_seq().value_or(0), serving);
  else if (announcer.head_withheld())
    diag::warning("input ended without the end record: the video is not "
                  "complete, and its head names no record until the end "
                  "record comes; serving until interrupted or --linger");
  else
    diag::note("input ended without the end record: the room stays live; "
               "serving until interrupted or --linger");
  auto linger = options.linger.value_or(std::chrono::milliseconds::max());
  if (wait_for_another_stop(signals_seen, linger))
    return Exit::interrupted;
  return Exit::ok;
}

} // namespace hlswarm
