// libFuzzer target: the decoders a record from the network goes through
// (bencode, the segment info dict, the record). Besides not crashing, what
// they accept must be canonical: decoding then encoding gives the input.
#include <cstdint>
#include <string_view>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/chain/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  try {
    auto value = hlswarm::bencode::decode(bytes, "fuzz");
    if (hlswarm::bencode::encode(value) != bytes)
      __builtin_trap(); // accepted a non-canonical encoding
  } catch (const hlswarm::Error &) {
  }
  try {
    auto info = hlswarm::decode_segment_info(bytes, "fuzz");
    if (hlswarm::encode_segment_info(info) != bytes)
      __builtin_trap();
  } catch (const hlswarm::Error &) {
  }
  try {
    auto record = hlswarm::decode_record(bytes, "fuzz");
    if (record.bytes != bytes || record.id != hlswarm::sha256(bytes))
      __builtin_trap();
  } catch (const hlswarm::Error &) {
  }
  return 0;
}
