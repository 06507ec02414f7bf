// A network endpoint as people write it: HOST:PORT, [IPV6]:PORT.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hlswarm {

/// A host (name, IPv4 or IPv6 address) and a port.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  /// "host:port", "[v6]:port" for IPv6 addresses.
  std::string to_string() const;
  bool operator==(const HostPort &) const = default;
};

/// Parses "HOST:PORT" or "[V6]:PORT"; the port must be 1-65535 (0 too when
/// `allow_port_zero`, for listen addresses). Throws Error(usage) naming `what`.
HostPort parse_host_port(std::string_view text, std::string_view what,
                         bool allow_port_zero = false);

} // namespace hlswarm
