// BEP 52 merkle trees of files: SHA-256 over 16 KiB blocks, padded with
// zero hashes up to a power of two. The one implementation of hlswarm: the
// segment and chain torrents (chain) and the store's deep check (store)
// both hash files with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hlswarm/base/sha256.hpp"

namespace hlswarm {

/// Merkle leaves: BitTorrent blocks are 16 KiB.
inline constexpr std::uint32_t merkle_block_size = 16 * 1024;

/// Reads `size` bytes from the start of the regular file open at `fd` and
/// returns the root of their merkle tree (the v2 "pieces root"). With
/// `piece_layer`, also appends the hashes of the layer of `piece_length`
/// bytes (a power of two, at least 16 KiB), 32 bytes a piece, when the
/// file has more than one piece. Error(io) naming `subject` if a read
/// fails, Error(data) if the file is not `size` bytes long (it changed
/// while hashed).
Sha256 merkle_root_of_file(int fd, std::uint64_t size, std::string_view subject,
                           std::uint32_t piece_length = merkle_block_size,
                           std::string *piece_layer = nullptr);

} // namespace hlswarm
