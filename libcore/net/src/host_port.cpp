#include "hlswarm/net/host_port.hpp"

#include <charconv>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm {

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos)
    return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

HostPort parse_host_port(std::string_view text, std::string_view what,
                         bool allow_port_zero) {
  auto bad = [&](std::string_view why) {
    return Error(Exit::usage, fmt::format("{} '{}'", what, text), why);
  };
  HostPort result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':')
      throw bad("expected [IPV6]:PORT");
    result.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      throw bad("expected HOST:PORT");
    result.host = std::string(text.substr(0, colon));
    if (result.host.find(':') != std::string::npos)
      throw bad("write IPv6 addresses as [IPV6]:PORT");
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty())
    throw bad("no host");
  unsigned port = 0;
  auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535 || (port == 0 && !allow_port_zero))
    throw bad("port must be a number from 1 to 65535");
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

} // namespace hlswarm
