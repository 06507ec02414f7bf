#include "hlswarm/base/sha256.hpp"

#include <openssl/sha.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

Sha256 sha256(std::string_view bytes) {
  Sha256 digest;
  SHA256(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
         digest.data());
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
