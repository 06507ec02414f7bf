// libFuzzer target: a creator's channel as the network hands it to a
// reader: the channel head (any DHT node's) and the channel list (any
// peer's, before its hash is checked). The first input byte picks which.
// Besides not crashing, what decodes must be the canonical encoding of
// what it decoded to.
#include <cstdint>
#include <string_view>

#include "hlswarm/room/creator_channel.hpp"
#include "seeds.hpp"

using namespace hlswarm;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  CreatorChannel channel;
  channel.creator = fuzz::creator().public_key();
  channel.rooms = {{"evening", RoomState::ended, 1'700'000'000, 450, 3'600'000'000},
                   {"film", RoomState::vod, 1'700'000'100, 75, 600'000'000}};
  ChannelHead head;
  head.list_info = encode_segment_info(
      {std::string(channel_list_name), 300, sha256("list")});
  head.rooms = 2;
  head.origins = {{"127.0.0.1", 6881}, {"::1", 6882}};
  head.time_s = 1'700'000'000;
  fuzz::write_seeds({"h" + encode_channel_head(head), "l" + encode_channel_list(channel)});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view value(reinterpret_cast<const char *>(data) + 1, size - 1);
  try {
    if (data[0] == 'h') {
      ChannelHead head = decode_channel_head(value, "fuzz");
      if (encode_channel_head(head) != value)
        __builtin_trap(); // accepted a non-canonical head
    } else {
      CreatorChannel channel =
          decode_channel_list(value, fuzz::creator().public_key(), "fuzz");
      if (encode_channel_list(channel) != value)
        __builtin_trap(); // accepted a non-canonical list
    }
  } catch (const Error &) {
  }
  return 0;
}
