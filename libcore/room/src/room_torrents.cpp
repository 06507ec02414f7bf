// room-announce torrents: .torrent files and magnet links of a room's
// segments, from the local store.
#include "hlswarm/room/room_torrents.hpp"

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/seg_chain.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/store/store.hpp"
#include "scratch_folder.hpp"

namespace hlswarm {

std::string magnet_link(const Sha256 &infohash, std::string_view name,
                        const std::vector<std::string> &peers) {
  // 0x12 0x20: the multihash of a SHA-256 digest of 32 bytes (BEP 52).
  std::string link = fmt::format("magnet:?xt=urn:btmh:1220{}&dn={}",
                                 to_hex(digest_bytes(infohash)), percent_encode(name));
  for (const auto &peer : peers)
    link += "&x.pe=" + percent_encode(peer, ":");
  return link;
}

namespace {

struct RoomArgument {
  Room room;
  std::vector<std::string> origin_hints;
};

// A URI names any creator's room; a bare name needs the creator's key,
// which is read, never created: a store without it holds nothing of ours.
RoomArgument room_argument(const TorrentsOptions &options) {
  if (looks_like_uri(options.room)) {
    RoomUri uri = parse_room_uri(options.room, Exit::usage);
    return {uri.room, uri.origin_hints()};
  }
  auto key_file = options.key_file.value_or(default_key_path());
  std::error_code error;
  if (!options.key_file && !std::filesystem::exists(key_file, error))
    throw Error(Exit::usage, fmt::format("room '{}'", options.room),
                fmt::format("a room name is one of this creator's rooms, but "
                            "there is no creator key ({}): give the room's URI",
                            key_file.string()));
  return {room_from_argument(options.room, open_identity(key_file, false)), {}};
}

// The store's records of the room, in seq order, each one verified.
struct StoredRecords {
  std::vector<SignedRecord> records;
  /// Every record from seq 0 to the last: the chain torrent's file.
  std::optional<std::string> chain;
};

StoredRecords stored_records(Store &store, RoomId id, const Room &room) {
  StoredRecords result;
  auto last = store.last_record_seq(id);
  if (!last)
    return result;
  const std::string where = store.database_path().string();
  std::string chain;
  bool whole = true;
  for (std::int64_t seq = 0; seq <= *last; ++seq) {
    auto bytes = store.record(id, seq);
    if (!bytes) {
      whole = false;
      continue;
    }
    SignedRecord record = decode_record(*bytes, fmt::format("{}: seq {}", where, seq));
    if (!(record.fields.room == room))
      throw Error(Exit::data, where,
                  fmt::format("seq {}: a record of room {} stored as {}", seq,
                              format_room_uri(record.fields.room), format_room_uri(room)));
    chain += *bytes;
    result.records.push_back(std::move(record));
  }
  if (whole) {
    read_chain_records(chain, room, where); // every link checked
    result.chain = std::move(chain);
  }
  return result;
}

// A torrent to write, and whether the store holds its bytes.
struct WrittenTorrent {
  SegmentTorrent torrent;
  bool held = false;
};

// The segment's torrent: with its piece layers when the store holds bytes
// that hash to the record, else the info dict alone.
WrittenTorrent segment_torrent(Store &store, const SignedRecord &record) {
  const std::string infohash = to_hex(digest_bytes(record.infohash()));
  SegmentInfoDict info = decode_segment_info(record.fields.info_dict, infohash);
  if (auto stored = store.find_segment(infohash)) {
    try {
      SegmentTorrent hashed = hash_v2_file(stored->file, info.name, info.piece_length);
      if (hashed.info_dict == record.fields.info_dict)
        return {std::move(hashed), true};
      diag::warningf("{}: damaged (its bytes do not hash to seq {}'s infohash): "
                     "its torrent is written without piece layers; store-gc "
                     "--repair --deep removes it",
                     stored->file.string(), record.fields.seq);
    } catch (const Error &e) {
      diag::warningf("{}: {}", e.subject(), e.reason());
    }
  }
  return {SegmentTorrent{std::move(info), record.fields.info_dict, {}}, false};
}

// The chain torrent, as the origin seeds it (room_server.cpp).
WrittenTorrent chain_torrent(const std::string &chain) {
  ScratchFolder scratch("hlswarm-torrents");
  auto file = scratch.path() / chain_torrent_name;
  write_file_atomically(file, chain);
  return {hash_v2_file(file, chain_torrent_name, 0), true};
}

class TorrentWriter {
public:
  TorrentWriter(const TorrentsOptions &options, const RoomArgument &room, std::FILE *out)
      : options_(options), room_(room), out_(out) {
    if (!options_.output_dir.empty())
      make_dirs(options_.output_dir);
  }

  void write(const WrittenTorrent &written, std::string_view kind,
             std::optional<std::int64_t> seq, std::string_view file_name) {
    const SegmentTorrent &torrent = written.torrent;
    std::string magnet = magnet_link(torrent.infohash(), torrent.info.name,
                                     room_.origin_hints);
    std::filesystem::path file;
    if (!options_.output_dir.empty()) {
      file = options_.output_dir / file_name;
      write_file_atomically(file, torrent.torrent_file());
    }
    if (options_.magnets) {
      write_raw_line(magnet, out_);
      return;
    }
    nlohmann::ordered_json line = {{"v", 1}, {"room", format_room_uri(room_.room)}};
    if (seq)
      line["seq"] = *seq;
    line["kind"] = kind;
    line["infohash"] = to_hex(digest_bytes(torrent.infohash()));
    line["name"] = torrent.info.name;
    line["bytes"] = torrent.info.size;
    line["held"] = written.held;
    line["file"] = file.string();
    line["magnet"] = magnet;
    write_raw_line(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   out_);
  }

private:
  const TorrentsOptions &options_;
  const RoomArgument &room_;
  std::FILE *out_;
};

} // namespace

Exit write_room_torrents(const TorrentsOptions &options, std::FILE *out) {
  if (options.output_dir.empty() && !options.magnets)
    throw Error(Exit::usage, "room-announce torrents",
                "-o DIR (write the .torrent files) or --magnets is required");
  RoomArgument room = room_argument(options);
  StoreOptions reading;
  reading.read_only = true;
  reading.create = false;
  Store store(options.store, reading);
  auto info = store.find_room(public_key_hex(room.room.creator), room.room.name);
  if (!info)
    throw Error(Exit::no_input, format_room_uri(room.room),
                fmt::format("not in the store {}", store.folder().string()));
  StoredRecords stored = stored_records(store, info->id, room.room);
  if (stored.records.empty())
    throw Error(Exit::no_input, format_room_uri(room.room),
                "the store holds no record of it");
  TorrentWriter writer(options, room, out);
  for (const auto &record : stored.records) {
    if (record.fields.end)
      continue;
    writer.write(segment_torrent(store, record), record.fields.init ? "init" : "segment",
                 record.fields.seq, fmt::format("{:06}.torrent", record.fields.seq));
  }
  if (stored.chain)
    writer.write(chain_torrent(*stored.chain), "chain", std::nullopt, "chain.torrent");
  return Exit::ok;
}

} // namespace hlswarm
