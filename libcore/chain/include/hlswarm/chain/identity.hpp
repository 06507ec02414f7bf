// The creator's identity: an ed25519 key pair (the same keys that sign BEP 44
// DHT items), kept in a key file readable only by its owner.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/chain/ed25519.hpp"

namespace hlswarm {

/// An ed25519 key pair. The 32-byte seed determines both keys.
class Identity {
public:
  /// The key pair for `seed` (deterministic: tests use fixed seeds).
  static Identity from_seed(const std::array<char, 32> &seed);
  /// A new key pair from the system's random source.
  static Identity generate();

  const PublicKey &public_key() const { return public_key_; }
  /// 64 lowercase hex digits: the creator id as written in room URIs.
  std::string public_key_hex() const;
  const std::array<char, 32> &seed() const { return seed_; }

  /// The ed25519 signature of `message`.
  Signature sign(std::string_view message) const;

private:
  std::array<char, 32> seed_{};
  PublicKey public_key_{};
  /// The seed expanded for signing (ed25519's 64-byte secret key).
  std::array<char, 64> secret_key_{};
};

/// $XDG_CONFIG_HOME/hlswarm/identity.key.
std::filesystem::path default_key_path();

/// Key file format: exactly 64 bytes, the 32-byte seed then the 32-byte
/// public key (the public key is there so that damage is noticed).
inline constexpr std::size_t key_file_size = 64;

/// Reads the key file at `path`. Refuses a missing or unreadable file
/// (Error no_input, 66), and a file that group or others may read or
/// write, is not 64 bytes, or whose public key does not match its seed
/// (Error data, 65), each with a message saying what to do.
Identity load_identity(const std::filesystem::path &path);

/// The key at `path`; if there is no file and `create` is set, a new key
/// written there with mode 0600 and a note on stderr naming its public key.
/// Safe when two programs of one pipeline create it at the same moment:
/// the file is linked into place without replacing, and the loser loads
/// the winner's key.
Identity open_identity(const std::filesystem::path &path, bool create);

} // namespace hlswarm
