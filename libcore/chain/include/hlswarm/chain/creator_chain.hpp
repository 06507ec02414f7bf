// A creator's chain being written: records signed, appended to the chain
// file and stored, each segment stored before its record. seg-chain writes
// a broadcast's chain with it, and a video import (room/video_import.hpp)
// a prepared video's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/chain/segment_torrent.hpp"

namespace hlswarm {

/// A segment to append, on the chain's timeline.
struct ChainSegment {
  std::filesystem::path path; ///< the segment file
  SegmentTorrent torrent;     ///< its hash (hash_segment(path))
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
  std::optional<std::filesystem::path> init; ///< fMP4: its init segment
  bool discontinuity = false;
};

/// Signs and appends the records of one chain. Each file goes into the
/// store before its record is appended; the record is appended and
/// fsynced, then stored and handed to `appended`: what downstream sees is
/// already durable. The store (and the room in it, pinned) is opened only
/// once there is something to keep, so a run refused at its first record
/// leaves no trace; a crash between a chain append and its record is
/// caught up from the chain file, the authority, on the next start.
class CreatorChain {
public:
  /// How the segment files go into the store. The chain lines name the
  /// files given either way: a line's path must end in the file name its
  /// record signs, which the store's file names (infohashes) do not.
  enum class Files {
    copied, ///< copied
    moved,  ///< moved (a hard link, the original removed), init segments copied
  };

  CreatorChain(ChainFile &chain, const Identity &identity, Room room,
               std::filesystem::path store, Files files = Files::copied,
               std::function<void(const std::string &line)> appended = {});
  ~CreatorChain();
  CreatorChain(const CreatorChain &) = delete;
  CreatorChain &operator=(const CreatorChain &) = delete;

  /// The next record's room, seq and prev.
  RecordFields next_fields() const;

  /// Appends a segment's record: first, for an fMP4 segment, the init
  /// record its init_seq names when the chain's newest one holds other
  /// bytes. Returns the segment's record.
  SignedRecord append_segment(const ChainSegment &segment);

  /// Appends the end record.
  SignedRecord append_end();

  /// Appends `fields`, with size and info dict from `file` if given.
  SignedRecord append(RecordFields fields, const std::filesystem::path *file,
                      const SegmentTorrent *torrent);

private:
  std::int64_t init_seq_for(const std::filesystem::path &path);
  class StoreSide;
  StoreSide &store();

  ChainFile &chain_;
  const Identity &identity_;
  Room room_;
  std::filesystem::path store_folder_;
  Files files_;
  std::function<void(const std::string &)> appended_;
  std::unique_ptr<StoreSide> store_;
};

} // namespace hlswarm
