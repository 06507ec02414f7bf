// libFuzzer target: the room head, the value of a room's BEP 44 item, as
// any DHT node may hand it to a viewer. Besides not crashing, a value that
// decodes must be the canonical encoding of what it decoded to.
#include <cstdint>
#include <string_view>

#include "hlswarm/room/room_head.hpp"
#include "seeds.hpp"

using namespace hlswarm;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  auto chain = fuzz::records(3);
  RoomHead head;
  head.state = RoomState::live;
  head.time_s = 1'700'000'000;
  std::vector<std::string> seeds{encode_room_head(head)};
  head.seq = chain[1].fields.seq;
  head.record = chain[1].bytes;
  head.chain_info = encode_segment_info(
      {std::string(chain_torrent_name), 4000, sha256("chain")});
  head.origins = {{"127.0.0.1", 6881}, {"::1", 6882}};
  seeds.push_back(encode_room_head(head));
  head.state = RoomState::ended;
  head.seq = chain[2].fields.seq;
  head.record = chain[2].bytes;
  seeds.push_back(encode_room_head(head));
  // An fMP4 room: heads naming its init record and a segment that names it.
  auto fmp4 = fuzz::records(3, true);
  head.state = RoomState::live;
  for (int seq : {0, 1}) {
    head.seq = fmp4[seq].fields.seq;
    head.record = fmp4[seq].bytes;
    seeds.push_back(encode_room_head(head));
  }
  fuzz::write_seeds(seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char *>(data), size);
  try {
    RoomHead head = decode_room_head(value, fuzz::room(), "fuzz");
    if (encode_room_head(head) != value)
      __builtin_trap(); // accepted a non-canonical head
  } catch (const Error &) {
  }
  return 0;
}
