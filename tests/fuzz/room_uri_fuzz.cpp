// libFuzzer target: room URIs, as pasted by users and carried in links,
// and the compact endpoints of a room head. A URI that parses must print
// as a URI that parses to the same room and parameters.
#include <cstdint>
#include <string>
#include <string_view>

#include "hlswarm/room/room_head.hpp"
#include "seeds.hpp"

using namespace hlswarm;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  RoomUri uri{fuzz::room(), {{"x.pe", "127.0.0.1:6881"}, {"x.pe", "[::1]:7000"}}};
  Room odd{fuzz::room().creator, "caf\xc3\xa9 / 100% live?"};
  fuzz::write_seeds({format_room_uri(uri), format_room_uri(odd),
                     compact_endpoint({"127.0.0.1", 6881})});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  try {
    RoomUri uri = parse_room_uri(text);
    std::string printed = format_room_uri(uri);
    if (!(parse_room_uri(printed) == uri))
      __builtin_trap(); // printing lost or changed something
  } catch (const Error &) {
  }
  if (auto endpoint = parse_compact_endpoint(text)) {
    if (compact_endpoint(*endpoint) != text)
      __builtin_trap();
  }
  return 0;
}
