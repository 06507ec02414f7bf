// The segment torrent: each segment file is one BitTorrent v2 (BEP 52)
// single-file torrent. Its info dict names the file and the root of a merkle
// tree over 16 KiB blocks, so a viewer checks every block as it arrives; the
// SHA-256 of the info dict is the v2 infohash.
//
// Hashing is done with OpenSSL's SHA-256 (merkle_root_of_file, in base)
// rather than libtorrent's set_piece_hashes: the same tree (tests/unit/segment_torrent_test.cpp
// checks the info dict and piece layer are byte-identical to what
// lt::create_torrent makes with v2_only), but read straight through one
// buffer on one thread. Measured on 2.5 MB segments, warm cache: about
// 1.5 GB/s against libtorrent's 0.55 GB/s and sha256sum's 0.5 GB/s, so the
// per-record fsync, not hashing, is what bounds seg-chain. It also keeps
// lt::create_torrent (and lt::entry) out of the library.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/merkle.hpp"
#include "hlswarm/base/sha256.hpp"

namespace hlswarm {

/// Merkle leaves: BitTorrent blocks are 16 KiB.
inline constexpr std::uint32_t segment_block_size = merkle_block_size;

/// The piece size of every segment torrent: 64 KiB. Segments are 0.5-20 MB,
/// and a viewer fetches one from up to 8 peers at once: 64 KiB pieces give a
/// 0.5 MB segment 8 pieces (one per peer), and a 20 MB segment 320 pieces,
/// whose piece layer (32 bytes a piece, 10 KiB) still fits in one BEP 52
/// hash request (at most 512 hashes). Fixed, so the info dict depends only
/// on the file.
inline constexpr std::uint32_t segment_piece_size = 64 * 1024;

/// The largest segment accepted (1 GiB): far above any HLS segment, small
/// enough that a hostile record cannot announce an absurd file.
inline constexpr std::uint64_t max_segment_bytes = std::uint64_t{1} << 30;

/// The longest file name in an info dict, in bytes: records must stay small
/// enough for a BEP 44 room head (1000 bytes).
inline constexpr std::size_t max_segment_name_bytes = 128;

/// Why `name` cannot be a segment's file name, or nullopt: it must be a
/// plain name (no '/', '\', not "." or ".."), 1-128 bytes of UTF-8, no
/// control characters.
std::optional<std::string> segment_name_problem(std::string_view name);

/// The largest piece a v2 torrent of ours has (16 MiB): a file up to this
/// size can be one piece, verified by its info dict alone.
inline constexpr std::uint32_t max_piece_size = 16 * 1024 * 1024;

/// What the info dict of a single-file v2 torrent says (a segment torrent,
/// the chain torrent).
struct SegmentInfoDict {
  std::string name;    ///< plain file name, never a path
  std::uint64_t size = 0;
  Sha256 pieces_root{}; ///< merkle root over the 16 KiB blocks
  std::uint32_t piece_length = segment_piece_size;
  bool operator==(const SegmentInfoDict &other) const = default;
};

/// The canonical bencoded info dict:
///   d9:file treed<name>d0:d6:lengthi<size>e11:pieces root32:<root>eee
///    12:meta versioni2e4:name<name>12:piece lengthi<piece length>ee
std::string encode_segment_info(const SegmentInfoDict &info);

/// Reads a single-file v2 info dict from untrusted bytes: canonical bencode
/// of exactly the form above (at most 1024 bytes), a piece length that is a
/// power of two from 16 KiB to 16 MiB, or Error(code) saying what is wrong.
SegmentInfoDict decode_v2_info_dict(std::string_view info_dict,
                                    std::string_view what,
                                    Exit code = Exit::data);

/// decode_v2_info_dict, and the piece length must be segment_piece_size.
SegmentInfoDict decode_segment_info(std::string_view info_dict,
                                std::string_view what, Exit code = Exit::data);

/// A hashed segment file.
struct SegmentTorrent {
  SegmentInfoDict info;
  std::string info_dict;   ///< encode_segment_info(info)
  std::string piece_layer; ///< 32 bytes a piece; empty if one piece or less
  Sha256 infohash() const { return sha256(info_dict); }
  /// A complete .torrent file (info and piece layers), for a seeder.
  std::string torrent_file() const;
};

/// Hashes the file at `path` as a single-file v2 torrent named `name`,
/// with `piece_length` bytes per piece (a power of two from 16 KiB to
/// 16 MiB; 0: the smallest that holds the whole file in one piece, up to
/// 16 MiB). The one v2 builder of hlswarm: segments, the chain torrent and
/// make_v2_info_dict all use it. Error(no_input) if the file cannot be
/// read, Error(data) if it is empty, larger than max_segment_bytes, changes
/// size while read, or `name` is not a plain file name.
SegmentTorrent hash_v2_file(const std::filesystem::path &path,
                            std::string_view name, std::uint32_t piece_length);

/// A segment torrent: hash_v2_file with the file's own name and
/// segment_piece_size.
SegmentTorrent hash_segment(const std::filesystem::path &path);

} // namespace hlswarm
