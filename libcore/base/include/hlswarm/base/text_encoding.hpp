// Hex and base64 as hlswarm writes them: one spelling per value, so that a
// text field can be compared byte for byte with what it stands for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hlswarm {

/// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

/// The bytes of `hex` (upper or lower case), or nullopt unless `hex` is an
/// even number of hex digits and nothing else.
std::optional<std::string> from_hex(std::string_view hex);

/// Standard base64 (RFC 4648 section 4) with '=' padding.
std::string to_base64(std::string_view bytes);

/// The bytes of `text`, or nullopt unless `text` is exactly what to_base64
/// writes for them (padding present, unused bits zero, no whitespace).
std::optional<std::string> from_base64(std::string_view text);

} // namespace hlswarm
