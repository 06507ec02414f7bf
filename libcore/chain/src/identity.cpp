#include "hlswarm/chain/identity.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libtorrent/kademlia/ed25519.hpp>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {
namespace {

std::string key_file_bytes(const Identity &identity) {
  std::string bytes(identity.seed().begin(), identity.seed().end());
  bytes.append(identity.public_key().begin(), identity.public_key().end());
  return bytes;
}

void write_all(int fd, std::string_view bytes, const std::string &subject) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw system_error(Exit::cant_create, subject, errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes a new key file without ever replacing one: write a temporary,
// fsync it, then link(2) it to the final name, which fails if the name
// exists. Returns false if another process created the file first.
bool create_key_file(const std::filesystem::path &path,
                     const Identity &identity) {
  make_dirs(path.parent_path());
  auto temporary = temporary_name_for(path);
  int fd = ::open(temporary.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw system_error(Exit::cant_create, path.string(), errno);
  try {
    write_all(fd, key_file_bytes(identity), path.string());
    if (::fsync(fd) != 0)
      throw system_error(Exit::io, path.string(), errno);
  } catch (...) {
    ::close(fd);
    remove_quietly(temporary);
    throw;
  }
  ::close(fd);
  int rc = ::link(temporary.c_str(), path.c_str());
  int saved = errno;
  remove_quietly(temporary);
  if (rc != 0 && saved == EEXIST)
    return false;
  if (rc != 0)
    throw system_error(Exit::cant_create, path.string(), saved);
  fsync_path(path.parent_path());
  return true;
}

} // namespace

Identity Identity::from_seed(const std::array<char, 32> &seed) {
  Identity identity;
  identity.seed_ = seed;
  auto [key, secret] = lt::dht::ed25519_create_keypair(seed);
  identity.public_key_ = key.bytes;
  identity.secret_key_ = secret.bytes;
  return identity;
}

Identity Identity::generate() {
  return from_seed(lt::dht::ed25519_create_seed());
}

std::string Identity::public_key_hex() const {
  return hlswarm::public_key_hex(public_key_);
}

Signature Identity::sign(std::string_view message) const {
  lt::dht::public_key key;
  key.bytes = public_key_;
  lt::dht::secret_key secret;
  secret.bytes = secret_key_;
  return lt::dht::ed25519_sign(
             {message.data(), static_cast<std::ptrdiff_t>(message.size())}, key,
             secret)
      .bytes;
}

std::filesystem::path default_key_path() {
  return config_home() / "identity.key";
}

Identity load_identity(const std::filesystem::path &path) {
  const std::string subject = "key file " + path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw system_error(Exit::no_input, subject, errno);
  struct stat info = {};
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    throw system_error(Exit::no_input, subject, saved);
  }
  std::string bytes(key_file_size + 1, '\0');
  ssize_t n = -1;
  if (S_ISREG(info.st_mode) && (info.st_mode & 077) == 0)
    do
      n = ::read(fd, bytes.data(), bytes.size());
    while (n < 0 && errno == EINTR);
  int saved = errno;
  ::close(fd);
  if (!S_ISREG(info.st_mode))
    throw Error(Exit::data, subject, "not a regular file");
  if ((info.st_mode & 077) != 0)
    throw Error(Exit::data, subject,
                fmt::format("group or others may access it (mode {:04o}): "
                            "run 'chmod 600 {}' if the key is still secret",
                            info.st_mode & 07777, path.string()));
  if (n < 0)
    throw system_error(Exit::no_input, subject, saved);
  if (static_cast<std::size_t>(n) != key_file_size)
    throw Error(Exit::data, subject,
                fmt::format("not a key file: {} bytes, expected {} (32-byte "
                            "seed, 32-byte public key)",
                            n > static_cast<ssize_t>(key_file_size)
                                ? fmt::format("more than {}", key_file_size)
                                : std::to_string(n),
                            key_file_size));
  std::array<char, 32> seed;
  std::copy_n(bytes.begin(), 32, seed.begin());
  Identity identity = Identity::from_seed(seed);
  if (!std::equal(identity.public_key().begin(), identity.public_key().end(),
                  bytes.begin() + 32))
    throw Error(Exit::data, subject,
                "damaged: the public key does not match the seed");
  return identity;
}

Identity open_identity(const std::filesystem::path &path, bool create) {
  std::error_code ec;
  if (create && !std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    Identity identity = Identity::generate();
    if (create_key_file(path, identity)) {
      diag::notef("created key file {} for creator {}", path.string(),
                  identity.public_key_hex());
      return identity;
    }
  }
  return load_identity(path);
}

} // namespace hlswarm
