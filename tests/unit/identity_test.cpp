#include "hlswarm/chain/identity.hpp"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

using IdentityFiles = test::TempFolderTest;

Exit code_of(const std::function<void()> &action) {
  try {
    action();
  } catch (const Error &e) {
    return e.code();
  }
  return Exit::ok;
}

} // namespace

TEST(Identity, SeedDeterminesKeysAndSignaturesVerify) {
  std::array<char, 32> seed{};
  seed.fill(7);
  Identity a = Identity::from_seed(seed), b = Identity::from_seed(seed);
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_EQ(a.public_key_hex().size(), 64u);
  auto signature = a.sign("message");
  EXPECT_EQ(signature, b.sign("message")); // ed25519 is deterministic
  EXPECT_TRUE(verify_signature(a.public_key(), "message", signature));
  EXPECT_FALSE(verify_signature(a.public_key(), "messagE", signature));
  EXPECT_FALSE(verify_signature(Identity::generate().public_key(), "message",
                                signature));
}

TEST_F(IdentityFiles, CreatesWithMode0600AndLoadsTheSameKey) {
  auto path = folder_ / "sub" / "identity.key";
  Identity created = open_identity(path, true);
  struct stat status = {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  EXPECT_EQ(status.st_size, 64);
  EXPECT_EQ(load_identity(path).public_key(), created.public_key());
  EXPECT_EQ(open_identity(path, true).public_key(), created.public_key());
}

TEST_F(IdentityFiles, RefusesMissingLooseShortAndDamagedFiles) {
  auto path = folder_ / "identity.key";
  EXPECT_EQ(code_of([&] { open_identity(path, false); }), Exit::no_input);
  open_identity(path, true);

  ::chmod(path.c_str(), 0640);
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::data);
  ::chmod(path.c_str(), 0604);
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::data);
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::ok);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bytes = text.str();
  }
  auto rewrite = [&](const std::string &content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  };
  rewrite(bytes.substr(0, 63));
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::data);
  rewrite(bytes + "x");
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::data);
  std::string damaged = bytes;
  damaged[40] ^= 1;
  rewrite(damaged);
  EXPECT_EQ(code_of([&] { load_identity(path); }), Exit::data);
  EXPECT_EQ(code_of([&] { load_identity(folder_); }), Exit::data); // a folder
}
