// Bytes as text, each with one spelling per value so that a text field can
// be compared byte for byte with what it stands for: hex, base64 and
// percent-encoding; and the check that text is clean UTF-8.
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

/// Every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - . _ ~) and
/// those in `keep` as %XX (uppercase hex). With `keep` empty the result
/// holds no '/' and no control character, so it can name a file.
std::string percent_encode(std::string_view bytes, std::string_view keep = "");

/// Decodes %XX sequences (either case); nullopt on a '%' not followed by
/// two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

/// True if `text` is valid UTF-8 (RFC 3629: no overlong forms, surrogates
/// or code points above U+10FFFF) without control characters (Unicode Cc).
bool is_clean_utf8(std::string_view text);

} // namespace hlswarm
