#include "hlswarm/base/sha256.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include <memory>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

Sha256 sha256(std::string_view bytes) {
  Sha256 digest;
  SHA256(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
         digest.data());
  return digest;
}

Sha256 sha256_file(const std::filesystem::path &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw system_error(Exit::no_input, path.string(), errno);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> context(EVP_MD_CTX_new(),
                                                             EVP_MD_CTX_free);
  auto fail = [&](Exit code, int error) {
    ::close(fd);
    return error ? system_error(code, path.string(), error)
                 : Error(code, path.string(), "SHA-256 failed");
  };
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw fail(Exit::software, 0);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      throw fail(Exit::io, errno);
    if (got == 0)
      break;
    if (EVP_DigestUpdate(context.get(), buffer.data(),
                         static_cast<std::size_t>(got)) != 1)
      throw fail(Exit::software, 0);
  }
  Sha256 digest;
  unsigned length = 0;
  if (EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1)
    throw fail(Exit::software, 0);
  ::close(fd);
  return digest;
}

std::string digest_bytes(const Sha256 &digest) {
  return std::string(reinterpret_cast<const char *>(digest.data()),
                     digest.size());
}

Sha256 digest_from_bytes(std::string_view bytes) {
  if (bytes.size() != 32)
    throw Error(Exit::data, "digest", "not 32 bytes");
  Sha256 digest;
  for (std::size_t i = 0; i < 32; ++i)
    digest[i] = static_cast<std::uint8_t>(bytes[i]);
  return digest;
}

} // namespace hlswarm
