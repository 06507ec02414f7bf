#include "hlswarm/chain/ed25519.hpp"

#include <algorithm>

#include <libtorrent/kademlia/ed25519.hpp>

#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {

bool verify_signature(const PublicKey &key, std::string_view message,
                      const Signature &signature) {
  lt::dht::public_key lt_key;
  lt_key.bytes = key;
  lt::dht::signature lt_signature;
  lt_signature.bytes = signature;
  return lt::dht::ed25519_verify(
      lt_signature, {message.data(), static_cast<std::ptrdiff_t>(message.size())},
      lt_key);
}

std::string public_key_hex(const PublicKey &key) {
  return to_hex({key.data(), key.size()});
}

std::optional<PublicKey> public_key_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex);
  PublicKey key;
  if (!bytes || bytes->size() != key.size())
    return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

} // namespace hlswarm
