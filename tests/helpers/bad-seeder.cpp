// bad-seeder: a TEST-ONLY corrupt member of a room, for the swarm tests of
// peer-fetch. Not installed. It joins the room's record channel and its
// membership like a viewer, and for each segment record it learns, seeds a
// copy of the segment (taken from --segments DIR by the info dict's name)
// under the record's info dict, then flips one byte in every 16 KiB block
// of the copy in place: the torrent was checked (and its hashes made) with
// the right bytes, and libtorrent reads the file again for each request,
// so every block it sends fails its hash. No test-only switch in Node is
// needed. One JSON line per segment seeded; runs until SIGTERM.
//
//   bad-seeder URI --segments DIR [network options]
#include <fstream>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/tool.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/net/room_channel.hpp"
#include "hlswarm/room/room_members.hpp"

using namespace hlswarm;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t block_bytes = 16 * 1024;

/// Flips the lowest bit of one byte in every 16 KiB block of `file`, in
/// place (the same inode: libtorrent's mapping of it sees the change).
void corrupt_in_place(const std::filesystem::path &file) {
  std::fstream stream(file, std::ios::binary | std::ios::in | std::ios::out);
  auto size = static_cast<std::size_t>(std::filesystem::file_size(file));
  for (std::size_t at = std::min(block_bytes / 2, size - 1); at < size; at += block_bytes) {
    char byte = 0;
    stream.seekg(static_cast<std::streamoff>(at));
    stream.get(byte);
    stream.seekp(static_cast<std::streamoff>(at));
    stream.put(static_cast<char>(byte ^ 1));
  }
  if (!stream.flush())
    throw Error(Exit::io, file.string(), "cannot corrupt it");
}

Exit serve_corrupt(const std::string &uri_text, const std::filesystem::path &segments,
                   const NetworkOptions &network) {
  RoomUri uri = parse_room_uri(uri_text, Exit::usage);
  std::vector<HostPort> hints;
  for (const auto &hint : uri.origin_hints())
    hints.push_back(parse_host_port(hint, "x.pe origin hint"));
  Node node(make_node_options(network, any_free_port, uri.origin_hints()));
  auto work = std::filesystem::absolute("bad-seeder-copies");
  std::filesystem::create_directories(work);
  {
    auto channel = node.join_room(uri.room);
    channel->connect(hints);
    RoomMembers members(node, uri.room, channel, milliseconds(1000));
    write_json_line({{"v", 1}, {"listen", node.listen_endpoints().front().to_string()}});
    std::int64_t seq = 0;
    while (!stop_requested()) {
      auto record = channel->record(seq);
      if (!record) {
        channel->request(seq, seq + max_records_per_want - 1);
        channel->wait_for(seq, milliseconds(500));
        continue;
      }
      if (record->fields.end) {
        wait_for_stop(milliseconds(1000));
        continue;
      }
      auto name = decode_segment_info(record->fields.info_dict, "record").name;
      auto copy = work / fmt::format("{}-{}", seq, name);
      std::filesystem::copy_file(segments / name, copy,
                                 std::filesystem::copy_options::overwrite_existing);
      auto infohash = node.seed(copy, record->fields.info_dict);
      corrupt_in_place(copy);
      write_json_line({{"v", 1}, {"seq", seq}, {"infohash", infohash}});
      ++seq;
    }
  }
  node.stop();
  return Exit::ok;
}

} // namespace

int main(int argc, char **argv) {
  Tool tool("bad-seeder", "test helper: a room member that serves corrupted segments "
                          "(not installed)");
  auto &app = tool.app();
  std::string uri;
  std::filesystem::path segments;
  NetworkOptions network;
  app.add_option("URI", uri, "room URI")->required();
  app.add_option("--segments", segments, "the creator's segment files")->required();
  add_network_options(app, network, any_free_port);
  return tool.run(argc, argv, [&] { return serve_corrupt(uri, segments, network); });
}
