// SHA-256, the one hash of hlswarm: record ids, merkle trees of segments.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace hlswarm {

/// A SHA-256 digest (32 bytes).
using Sha256 = std::array<std::uint8_t, 32>;

/// SHA-256 of `bytes` (OpenSSL, which uses the CPU's SHA instructions).
Sha256 sha256(std::string_view bytes);

/// The digest as a 32-byte string (the form bencode and hex take).
std::string digest_bytes(const Sha256 &digest);

/// The digest from a 32-byte string; Error(data) if `bytes` is not 32 long.
Sha256 digest_from_bytes(std::string_view bytes);

} // namespace hlswarm
