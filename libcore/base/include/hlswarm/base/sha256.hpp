// SHA-256, the one hash of hlswarm: record ids, merkle trees of segments.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hlswarm {

/// A SHA-256 digest (32 bytes).
using Sha256 = std::array<std::uint8_t, 32>;

/// SHA-256 of `bytes` (OpenSSL, which uses the CPU's SHA instructions).
Sha256 sha256(std::string_view bytes);

/// SHA-256 of a file's content, read in blocks (any size). Error(no_input)
/// if it cannot be opened, Error(io) if reading fails.
Sha256 sha256_file(const std::filesystem::path &path);

/// The digest as a 32-byte string (the form bencode and hex take).
std::string digest_bytes(const Sha256 &digest);

/// The digest from a 32-byte string; Error(data) if `bytes` is not 32 long.
Sha256 digest_from_bytes(std::string_view bytes);

} // namespace hlswarm
