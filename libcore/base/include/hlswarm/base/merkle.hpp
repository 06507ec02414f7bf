// BEP 52 merkle trees of files: SHA-256 over 16 KiB blocks, padded with
// zero hashes up to a power of two. The one implementation of hlswarm: the
// segment and chain torrents (chain), the store's deep check (store) and
// the room channel's audits (net: proofs that a holder keeps a block) all
// hash files with it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

/// The number of blocks of a file of `size` bytes (the last may be short).
std::uint64_t merkle_block_count(std::uint64_t size);

/// The length of block `block` of a file of `size` bytes: merkle_block_size,
/// less for the last block, 0 past the end.
std::uint32_t merkle_block_length(std::uint64_t size, std::uint64_t block);

/// The number of hashes in a proof for a file of `size` bytes: the height
/// of its tree, ceil(log2(blocks)) (0 for a file of one block).
std::size_t merkle_proof_length(std::uint64_t size);

/// The proof that block `block` belongs to the `size` bytes of the file
/// open at `fd`: the sibling of each node on the path from the block's leaf
/// to the root, leaf level first (merkle_proof_length of them; a sibling
/// past the end of the file is a padding hash). Reads and hashes the whole
/// file, as merkle_root_of_file does (same errors); Error(data) if `block`
/// is past its end.
std::vector<Sha256> merkle_proof_of_file(int fd, std::uint64_t size,
                                         std::uint64_t block,
                                         std::string_view subject);

/// True when `bytes` are block `block` of a file of `size` bytes whose
/// merkle root is `root`, by `proof` (merkle_proof_of_file's): the block
/// has the length it must have, the proof the length the tree's height
/// says, and hashing up the path gives `root`.
bool verify_merkle_proof(std::string_view bytes, std::uint64_t block,
                         std::uint64_t size, const std::vector<Sha256> &proof,
                         const Sha256 &root);

} // namespace hlswarm
