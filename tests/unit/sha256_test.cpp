// SHA-256 of bytes and of files (sha256.cpp).
#include <fstream>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/sha256.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;
using Sha256Files = test::TempFolderTest;

TEST(Sha256, KnownDigest) {
  EXPECT_EQ(to_hex(digest_bytes(sha256("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(Sha256Files, AFileHashesAsItsBytesInBlocks) {
  // Over a megabyte, so more than one read.
  std::string bytes;
  for (int i = 0; bytes.size() < 3'000'000; ++i)
    bytes += std::to_string(i);
  auto path = folder_ / "file";
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(sha256_file(path), sha256(bytes));
  std::ofstream(folder_ / "empty", std::ios::binary);
  EXPECT_EQ(sha256_file(folder_ / "empty"), sha256(""));
}

TEST_F(Sha256Files, AMissingFileIsNoInput) {
  try {
    sha256_file(folder_ / "missing");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::no_input);
  }
}
