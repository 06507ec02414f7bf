#include "hlswarm/base/merkle.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {
namespace {

// One digest context reused for every block: OpenSSL 3's one-shot SHA256()
// looks the algorithm up on each call, which costs more than hashing a
// 64-byte merkle node.
class BlockHasher {
public:
  BlockHasher()
      : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), context_(EVP_MD_CTX_new()) {
    if (!md_ || !context_)
      throw Error(Exit::software, "openssl", "SHA-256 is not available");
  }
  ~BlockHasher() {
    EVP_MD_CTX_free(context_);
    EVP_MD_free(md_);
  }
  BlockHasher(const BlockHasher &) = delete;
  BlockHasher &operator=(const BlockHasher &) = delete;

  Sha256 hash(const void *data, std::size_t size) {
    Sha256 digest;
    unsigned length = 0;
    if (EVP_DigestInit_ex2(context_, md_, nullptr) != 1 ||
        EVP_DigestUpdate(context_, data, size) != 1 ||
        EVP_DigestFinal_ex(context_, digest.data(), &length) != 1)
      throw Error(Exit::software, "openssl", "SHA-256 failed");
    return digest;
  }
  Sha256 hash_pair(const Sha256 &left, const Sha256 &right) {
    std::uint8_t both[64];
    std::copy(left.begin(), left.end(), both);
    std::copy(right.begin(), right.end(), both + 32);
    return hash(both, sizeof both);
  }

private:
  EVP_MD *md_;
  EVP_MD_CTX *context_;
};

// BEP 52: leaves are padded with zero hashes up to a power of two. Reducing
// a layer with the pad hash of its level (`pad`) standing in for a missing
// right sibling gives the same root without building the padding.
std::vector<Sha256> layer_above(const std::vector<Sha256> &layer, const Sha256 &pad,
                                BlockHasher &hasher) {
  std::vector<Sha256> above((layer.size() + 1) / 2);
  for (std::size_t i = 0; i < above.size(); ++i)
    above[i] = hasher.hash_pair(layer[2 * i],
                                2 * i + 1 < layer.size() ? layer[2 * i + 1] : pad);
  return above;
}

Sha256 merkle_root(std::vector<Sha256> layer, std::uint32_t piece_length,
                   BlockHasher &hasher, std::string *piece_layer) {
  std::size_t levels_below_piece = 0; // piece = 2^levels blocks
  while ((merkle_block_size << levels_below_piece) < piece_length)
    ++levels_below_piece;
  bool wants_piece_layer =
      piece_layer && layer.size() > (std::size_t{1} << levels_below_piece);
  Sha256 pad{};
  std::size_t level = 0;
  while (layer.size() > 1) {
    if (wants_piece_layer && level == levels_below_piece)
      for (const Sha256 &node : layer)
        piece_layer->append(reinterpret_cast<const char *>(node.data()), 32);
    layer = layer_above(layer, pad, hasher);
    pad = hasher.hash_pair(pad, pad);
    ++level;
  }
  return layer.front();
}

// The leaf hashes of the `size` bytes of the file open at `fd`.
std::vector<Sha256> leaves_of_file(int fd, std::uint64_t size, std::string_view subject,
                                   BlockHasher &hasher) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<Sha256> leaves;
  leaves.reserve(static_cast<std::size_t>((size + merkle_block_size - 1) /
                                          merkle_block_size));
  constexpr std::size_t buffer_size = 64 * merkle_block_size; // 1 MiB
  auto buffer = std::make_unique<char[]>(buffer_size);
  std::uint64_t total = 0;
  for (;;) {
    std::size_t filled = 0;
    // Fill whole blocks: only the file's last block may be short.
    while (filled < buffer_size) {
      ssize_t n = ::pread(fd, buffer.get() + filled, buffer_size - filled,
                          static_cast<off_t>(total + filled));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        throw system_error(Exit::io, std::string(subject), errno);
      if (n == 0)
        break;
      filled += static_cast<std::size_t>(n);
    }
    for (std::size_t at = 0; at < filled; at += merkle_block_size)
      leaves.push_back(hasher.hash(
          buffer.get() + at, std::min<std::size_t>(merkle_block_size, filled - at)));
    total += filled;
    if (total > size || filled < buffer_size)
      break;
  }
  if (total != size)
    throw Error(Exit::data, std::string(subject),
                "file changed size while it was hashed");
  return leaves;
}

} // namespace

Sha256 merkle_root_of_file(int fd, std::uint64_t size, std::string_view subject,
                           std::uint32_t piece_length, std::string *piece_layer) {
  BlockHasher hasher;
  std::vector<Sha256> leaves = leaves_of_file(fd, size, subject, hasher);
  if (leaves.empty())
    return Sha256{}; // no blocks: BEP 52 gives an empty file no root
  return merkle_root(std::move(leaves), piece_length, hasher, piece_layer);
}

std::uint64_t merkle_block_count(std::uint64_t size) {
  return (size + merkle_block_size - 1) / merkle_block_size;
}

std::uint32_t merkle_block_length(std::uint64_t size, std::uint64_t block) {
  if (block >= merkle_block_count(size))
    return 0;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(merkle_block_size, size - block * merkle_block_size));
}

std::size_t merkle_proof_length(std::uint64_t size) {
  std::size_t height = 0;
  while ((std::uint64_t{1} << height) < merkle_block_count(size))
    ++height;
  return height;
}

std::vector<Sha256> merkle_proof_of_file(int fd, std::uint64_t size, std::uint64_t block,
                                         std::string_view subject) {
  if (block >= merkle_block_count(size))
    throw Error(Exit::data, std::string(subject),
                fmt::format("no block {}: the file has {}", block, merkle_block_count(size)));
  BlockHasher hasher;
  std::vector<Sha256> layer = leaves_of_file(fd, size, subject, hasher);
  std::vector<Sha256> proof;
  Sha256 pad{};
  auto index = static_cast<std::size_t>(block);
  // As merkle_root: a sibling past the end of a layer is its level's pad.
  while (layer.size() > 1) {
    std::size_t sibling = index ^ 1;
    proof.push_back(sibling < layer.size() ? layer[sibling] : pad);
    layer = layer_above(layer, pad, hasher);
    pad = hasher.hash_pair(pad, pad);
    index /= 2;
  }
  return proof;
}

bool verify_merkle_proof(std::string_view bytes, std::uint64_t block, std::uint64_t size,
                         const std::vector<Sha256> &proof, const Sha256 &root) {
  if (bytes.empty() || bytes.size() != merkle_block_length(size, block) ||
      proof.size() != merkle_proof_length(size))
    return false;
  BlockHasher hasher;
  Sha256 node = hasher.hash(bytes.data(), bytes.size());
  for (const Sha256 &sibling : proof) {
    node = block % 2 == 0 ? hasher.hash_pair(node, sibling) : hasher.hash_pair(sibling, node);
    block /= 2;
  }
  return node == root;
}

} // namespace hlswarm
