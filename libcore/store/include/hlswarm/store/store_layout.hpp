// Where everything lives in a store folder, in one place: the store itself,
// the programs that write chains into it (seg-chain) and serve them
// (room-announce) all take their paths from here. man hlswarm(7), STORE,
// is the reference for other implementations:
//
//   <store>/store.db                                     SQLite database
//   <store>/segments/<ab>/<infohash>.<ext>               segment files
//   <store>/chains/<creator key hex>/<room name>.chain   seg-chain's chain
//   <store>/chains/<creator key hex>/<room name>.records the chain torrent
//   <store>/chains/<creator key hex>/channel.list        the channel list
//   <store>/node/dht.state                               the DHT node's state
//   <store>/imports/lock                                 held while importing
//   <store>/imports/<import id>/                         a video being cut
//
// ab is the infohash's first two hex digits; the room name is
// percent-encoded (percent_encode, chain/room.hpp), which makes any room
// name a safe file name ('/' is %2F, and a name is at most 64 bytes, so at
// most 200 bytes with ".records"). The callers encode it, as the store is
// below the subsystem that defines room names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hlswarm {

/// The store's SQLite database, relative to the store folder.
inline constexpr std::string_view store_database_name = "store.db";

/// The folder of segment files, relative to the store folder.
inline constexpr std::string_view store_segments_folder = "segments";

/// Where a segment file lives, relative to the store folder:
/// "segments/<first two hex digits>/<infohash><extension>" (extension with
/// its dot, e.g. ".ts").
std::string segment_file_name(std::string_view infohash,
                              std::string_view extension);

/// The default chain file (seg-chain's) of a room: `creator_hex` is its
/// creator's public key (64 hex digits), `encoded_name` its name
/// percent-encoded.
std::filesystem::path store_chain_path(const std::filesystem::path &store,
                                       std::string_view creator_hex,
                                       std::string_view encoded_name);

/// The chain torrent's file (room-announce's) of that room.
std::filesystem::path store_chain_records_path(const std::filesystem::path &store,
                                               std::string_view creator_hex,
                                               std::string_view encoded_name);

/// The creator's channel list (the channel torrent's file, room-announce's
/// and peer-seed's): every room of that creator.
std::filesystem::path store_channel_list_path(const std::filesystem::path &store,
                                              std::string_view creator_hex);

/// The folder of video imports' work, relative to the store folder.
inline constexpr std::string_view store_imports_folder = "imports";

/// The file an import locks (flock) while it runs: one import at a time
/// per store, and an unfinished import whose lock is free is abandoned.
std::filesystem::path store_import_lock_path(const std::filesystem::path &store);

/// The folder where import `id` (an imports row) cuts its video; removed
/// when the import is done or rolled back.
std::filesystem::path store_import_work_path(const std::filesystem::path &store,
                                             std::int64_t id);

/// The network node's saved DHT state (room-announce's, and later the
/// viewer's and the seeder's).
std::filesystem::path store_node_state_path(const std::filesystem::path &store);

} // namespace hlswarm
