// ed25519 public keys and signatures as hlswarm passes them around: plain
// byte arrays, the very bytes that records, room URIs (in hex) and BEP 44
// items carry. One type for each, used everywhere; libtorrent's own key
// types stay inside libcore's sources.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace hlswarm {

/// An ed25519 public key: a creator id, the key of a room head.
using PublicKey = std::array<char, 32>;

/// An ed25519 signature.
using Signature = std::array<char, 64>;

/// True if `signature` is `key`'s ed25519 signature of `message`.
bool verify_signature(const PublicKey &key, std::string_view message,
                      const Signature &signature);

/// `key` in 64 lowercase hex digits: the creator id as room URIs write it.
std::string public_key_hex(const PublicKey &key);

/// The key written as 64 hex digits (either case), or nullopt.
std::optional<PublicKey> public_key_from_hex(std::string_view hex);

} // namespace hlswarm
