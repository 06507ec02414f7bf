#include "hlswarm/chain/room.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {
namespace {

constexpr std::string_view scheme = "hlswarm://";

bool valid_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  unsigned number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0 ||
      number > 65535)
    return false;
  if (host.front() == '[')
    return host.size() > 2 && host.back() == ']';
  return host.find(':') == std::string_view::npos;
}

} // namespace

std::optional<std::string> room_name_problem(std::string_view name) {
  if (name.empty())
    return "a room name cannot be empty";
  if (name.size() > max_room_name_bytes)
    return fmt::format("a room name is at most {} bytes (this one is {})",
                       max_room_name_bytes, name.size());
  if (!is_clean_utf8(name))
    return std::string(
        "a room name must be valid UTF-8 without control characters");
  // " room" and "room" would be two rooms that look alike everywhere a
  // name is shown.
  if (name.front() == ' ' || name.back() == ' ')
    return std::string("a room name cannot start or end with a space");
  return std::nullopt;
}

std::vector<std::string> RoomUri::origin_hints() const {
  std::vector<std::string> hints;
  for (const auto &[key, value] : parameters)
    if (key == "x.pe")
      hints.push_back(value);
  return hints;
}

bool looks_like_uri(std::string_view text) {
  std::string prefix(text.substr(0, 8));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return prefix == "hlswarm:" || text.find("://") != std::string_view::npos;
}

RoomUri parse_room_uri(std::string_view text, Exit code) {
  auto fail = [&](std::string_view reason) {
    return Error(code, fmt::format("room '{}'", text), reason);
  };
  std::string head(text.substr(0, scheme.size()));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (head != scheme)
    throw fail("not a room URI: it must start with hlswarm://");
  if (text.find('#') != std::string_view::npos)
    throw fail("a room URI has no '#' part");
  std::string_view rest = text.substr(scheme.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos)
    throw fail("no room name after the creator key");
  RoomUri uri;
  auto key = public_key_from_hex(rest.substr(0, slash));
  if (!key)
    throw fail("the creator key must be 64 hex digits");
  uri.room.creator = *key;
  rest.remove_prefix(slash + 1);
  auto question = rest.find('?');
  std::string_view encoded_name = rest.substr(0, question);
  if (encoded_name.find('/') != std::string_view::npos)
    throw fail("the room name contains '/': write it as %2F");
  auto name = percent_decode(encoded_name);
  if (!name)
    throw fail("bad %-escape in the room name");
  if (auto problem = room_name_problem(*name))
    throw fail(*problem);
  uri.room.name = std::move(*name);
  if (question == std::string_view::npos)
    return uri;
  std::string_view query = rest.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto equals = pair.find('=');
    if (equals == 0 || equals == std::string_view::npos)
      throw fail(fmt::format("parameter '{}' is not key=value", pair));
    auto key_text = percent_decode(pair.substr(0, equals));
    auto value = percent_decode(pair.substr(equals + 1));
    if (!key_text || !value)
      throw fail(fmt::format("bad %-escape in parameter '{}'", pair));
    if (*key_text == "x.pe" && !valid_endpoint(*value))
      throw fail(fmt::format("x.pe '{}' is not HOST:PORT", *value));
    uri.parameters.emplace_back(std::move(*key_text), std::move(*value));
  }
  return uri;
}

std::string format_room_uri(const RoomUri &uri) {
  std::string text = format_room_uri(uri.room);
  char separator = '?';
  for (const auto &[key, value] : uri.parameters) {
    text += separator;
    text += percent_encode(key);
    text += '=';
    text += percent_encode(value, ":");
    separator = '&';
  }
  return text;
}

std::string format_room_uri(const Room &room) {
  return std::string(scheme) + public_key_hex(room.creator) + "/" +
         percent_encode(room.name);
}

} // namespace hlswarm
