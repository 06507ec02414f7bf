#include "hlswarm/base/merkle.hpp"

#include <fcntl.h>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

// A file of `size` bytes of a fixed pattern, and its descriptor.
class MerkleFile {
public:
  MerkleFile(const std::filesystem::path &path, std::size_t size) {
    bytes_.resize(size);
    for (std::size_t i = 0; i < size; ++i)
      bytes_[i] = static_cast<char>((i * 131) ^ (i >> 9));
    std::ofstream(path, std::ios::binary).write(bytes_.data(),
                                               static_cast<std::streamsize>(size));
    fd_ = ::open(path.c_str(), O_RDONLY);
  }
  ~MerkleFile() { ::close(fd_); }
  MerkleFile(const MerkleFile &) = delete;
  MerkleFile &operator=(const MerkleFile &) = delete;

  int fd() const { return fd_; }
  std::uint64_t size() const { return bytes_.size(); }
  std::string block(std::uint64_t index) const {
    return bytes_.substr(index * merkle_block_size, merkle_block_length(size(), index));
  }
  Sha256 root() const { return merkle_root_of_file(fd_, size(), "file"); }

private:
  std::string bytes_;
  int fd_ = -1;
};

} // namespace

TEST(Merkle, BlockCountsLengthsAndProofLengths) {
  EXPECT_EQ(merkle_block_count(1), 1u);
  EXPECT_EQ(merkle_block_count(merkle_block_size), 1u);
  EXPECT_EQ(merkle_block_count(merkle_block_size + 1), 2u);
  EXPECT_EQ(merkle_block_length(merkle_block_size + 5, 1), 5u);
  EXPECT_EQ(merkle_block_length(merkle_block_size + 5, 2), 0u);
  EXPECT_EQ(merkle_proof_length(100), 0u);
  EXPECT_EQ(merkle_proof_length(2 * merkle_block_size), 1u);
  EXPECT_EQ(merkle_proof_length(5 * merkle_block_size), 3u);
}

TEST(Merkle, EveryBlockProvesAgainstTheRoot) {
  test::TempFolder dir;
  // 5 blocks and a bit: padding on two levels, a short last block.
  for (std::size_t size : {std::size_t{100}, std::size_t{merkle_block_size},
                           std::size_t{5 * merkle_block_size + 777}}) {
    MerkleFile file(dir / "f", size);
    Sha256 root = file.root();
    for (std::uint64_t block = 0; block < merkle_block_count(size); ++block) {
      auto proof = merkle_proof_of_file(file.fd(), size, block, "file");
      EXPECT_EQ(proof.size(), merkle_proof_length(size));
      EXPECT_TRUE(verify_merkle_proof(file.block(block), block, size, proof, root))
          << "size " << size << " block " << block;
    }
    EXPECT_THROW(merkle_proof_of_file(file.fd(), size, merkle_block_count(size), "file"),
                 Error);
  }
}

TEST(Merkle, AFlippedByteOrAWrongProofFails) {
  test::TempFolder dir;
  const std::size_t size = 5 * merkle_block_size + 777;
  MerkleFile file(dir / "f", size);
  Sha256 root = file.root();
  auto proof = merkle_proof_of_file(file.fd(), size, 2, "file");
  ASSERT_TRUE(verify_merkle_proof(file.block(2), 2, size, proof, root));

  std::string flipped = file.block(2);
  flipped[1000] = static_cast<char>(flipped[1000] ^ 1);
  EXPECT_FALSE(verify_merkle_proof(flipped, 2, size, proof, root));

  auto wrong = proof;
  wrong[1][0] ^= 1;
  EXPECT_FALSE(verify_merkle_proof(file.block(2), 2, size, wrong, root));
  // Another block's proof, the right proof for another index, a proof too
  // short or too long, a block cut short: all fail.
  EXPECT_FALSE(verify_merkle_proof(file.block(2), 2, size,
                                   merkle_proof_of_file(file.fd(), size, 3, "file"), root));
  EXPECT_FALSE(verify_merkle_proof(file.block(2), 3, size, proof, root));
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_FALSE(verify_merkle_proof(file.block(2), 2, size, shorter, root));
  auto longer = proof;
  longer.push_back(Sha256{});
  EXPECT_FALSE(verify_merkle_proof(file.block(2), 2, size, longer, root));
  EXPECT_FALSE(verify_merkle_proof(file.block(2).substr(1), 2, size, proof, root));
  EXPECT_FALSE(verify_merkle_proof(file.block(5), 5, size + 1, proof, root));
}
