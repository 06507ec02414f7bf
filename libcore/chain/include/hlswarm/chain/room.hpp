// Rooms: a creator's public key and a room name, written as a URI a person
// can paste, hlswarm://<public key hex>/<percent-encoded name>[?k=v&...].
// One parser and one printer, so the two can never disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/text_encoding.hpp" // room names are percent-encoded
#include "hlswarm/chain/ed25519.hpp"

namespace hlswarm {

/// A room name is the BEP 44 salt of the room head, and a salt is at most
/// 64 bytes: so is a room name (UTF-8 bytes, not characters).
inline constexpr std::size_t max_room_name_bytes = 64;

/// Why `name` cannot be a room name, or nullopt if it can: it must be
/// 1-64 bytes of valid UTF-8 without control characters (Unicode Cc).
std::optional<std::string> room_name_problem(std::string_view name);

/// A room: whose it is and what it is called.
struct Room {
  PublicKey creator{};
  std::string name;
  bool operator==(const Room &other) const = default;
};

/// A room URI: the room and its query parameters in their order. Known
/// parameter: x.pe=HOST:PORT, an origin the viewer may contact directly
/// (several allowed). Unknown parameters are kept and printed back.
struct RoomUri {
  Room room;
  std::vector<std::pair<std::string, std::string>> parameters;

  /// The values of every x.pe parameter.
  std::vector<std::string> origin_hints() const;
  bool operator==(const RoomUri &other) const = default;
};

/// True if `text` should be read as a URI rather than as a bare room name:
/// it starts with "hlswarm:" or contains "://".
bool looks_like_uri(std::string_view text);

/// Parses a room URI. The scheme is case-insensitive, the key is 64 hex
/// digits (either case), the name is percent-decoded and must then be a
/// valid room name; a '/' in the name must be written %2F. Throws
/// Error(code) naming the URI and what is wrong.
RoomUri parse_room_uri(std::string_view text, Exit code = Exit::usage);

/// The URI of `uri`: "hlswarm://", the key in lowercase hex, "/", the name
/// with every byte but A-Z a-z 0-9 - . _ ~ written %XX (uppercase hex),
/// then "?k=v&..." if there are parameters (values keep ':' as is).
std::string format_room_uri(const RoomUri &uri);
std::string format_room_uri(const Room &room);

} // namespace hlswarm
