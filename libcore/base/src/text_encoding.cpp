#include "hlswarm/base/text_encoding.hpp"

#include <array>

#include <fmt/format.h>

namespace hlswarm {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// Decodes one UTF-8 sequence at `at`; returns the code point and advances,
// or -1 for anything RFC 3629 forbids (overlong, surrogate, > U+10FFFF).
long next_code_point(std::string_view text, std::size_t &at) {
  auto byte = [&](std::size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  unsigned char first = byte(at);
  int length = first < 0x80 ? 1 : (first >> 5) == 6 ? 2 : (first >> 4) == 14 ? 3
                                  : (first >> 3) == 30 ? 4 : 0;
  if (length == 0 || at + static_cast<std::size_t>(length) > text.size())
    return -1;
  long point = length == 1 ? first : first & (0x7f >> length);
  for (int k = 1; k < length; ++k) {
    unsigned char next = byte(at + static_cast<std::size_t>(k));
    if ((next & 0xc0) != 0x80)
      return -1;
    point = point << 6 | (next & 0x3f);
  }
  static constexpr long smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (point < smallest[length] || point > 0x10ffff ||
      (point >= 0xd800 && point <= 0xdfff))
    return -1;
  at += static_cast<std::size_t>(length);
  return point;
}

constexpr std::array<int, 256> base64_values() {
  std::array<int, 256> values{};
  for (int &v : values)
    v = -1;
  for (int i = 0; i < 64; ++i)
    values[static_cast<unsigned char>(base64_alphabet[i])] = i;
  return values;
}

} // namespace

std::string to_hex(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    text += hex_digits[byte >> 4];
    text += hex_digits[byte & 15];
  }
  return text;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    bytes += static_cast<char>(high << 4 | low);
  }
  return bytes;
}

std::string to_base64(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6)
      text += base64_alphabet[(n >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = byte(i) << 16;
    text += base64_alphabet[(n >> 18) & 63];
    text += base64_alphabet[(n >> 12) & 63];
    text += "==";
  } else if (rest == 2) {
    std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8;
    text += base64_alphabet[(n >> 18) & 63];
    text += base64_alphabet[(n >> 12) & 63];
    text += base64_alphabet[(n >> 6) & 63];
    text += '=';
  }
  return text;
}

std::optional<std::string> from_base64(std::string_view text) {
  static constexpr auto values = base64_values();
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int padding = 0;
    if (last && text[i + 3] == '=')
      padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t n = 0;
    for (int k = 0; k < 4; ++k) {
      int v = 0;
      if (k < 4 - padding) {
        v = values[static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)])];
        if (v < 0)
          return std::nullopt;
      }
      n = n << 6 | static_cast<std::uint32_t>(v);
    }
    bytes += static_cast<char>(n >> 16);
    if (padding < 2)
      bytes += static_cast<char>(n >> 8 & 255);
    if (padding < 1)
      bytes += static_cast<char>(n & 255);
  }
  // Only the one spelling to_base64 writes: anything else (stray bits in
  // the last character) would let two texts stand for one record.
  if (to_base64(bytes) != text)
    return std::nullopt;
  return bytes;
}

std::string percent_encode(std::string_view bytes, std::string_view keep) {
  std::string text;
  for (unsigned char c : bytes) {
    if (is_unreserved(c) || keep.find(static_cast<char>(c)) != keep.npos)
      text += static_cast<char>(c);
    else
      text += fmt::format("%{:02X}", c);
  }
  return text;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      bytes += text[i];
      continue;
    }
    auto byte = i + 2 < text.size() ? from_hex(text.substr(i + 1, 2))
                                    : std::nullopt;
    if (!byte)
      return std::nullopt;
    bytes += *byte;
    i += 2;
  }
  return bytes;
}

bool is_clean_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    long point = next_code_point(text, at);
    if (point < 0 || point < 0x20 || (point >= 0x7f && point <= 0x9f))
      return false;
  }
  return true;
}

} // namespace hlswarm
