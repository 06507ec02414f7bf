// libFuzzer target: the chain torrent's file (every record of a room, one
// after another), as a viewer downloads it from any peer. What is accepted
// must be exactly the records it was read into, linked from seq 0.
#include <cstdint>
#include <string>
#include <string_view>

#include "hlswarm/room/room_head.hpp"
#include "seeds.hpp"

using namespace hlswarm;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  std::string all, fmp4;
  for (const auto &record : fuzz::records(4))
    all += record.bytes;
  for (const auto &record : fuzz::records(4, true))
    fmp4 += record.bytes;
  fuzz::write_seeds({all, all.substr(0, all.size() / 2), fmp4});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  try {
    auto records = read_chain_records(bytes, fuzz::room(), "fuzz");
    std::string again;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].fields.seq != static_cast<std::int64_t>(i) ||
          !(records[i].fields.room == fuzz::room()))
        __builtin_trap(); // out of order, or another room's record
      again += records[i].bytes;
    }
    if (again != bytes)
      __builtin_trap(); // bytes accepted that are not the records
  } catch (const Error &) {
  }
  return 0;
}
