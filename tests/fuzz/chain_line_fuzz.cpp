// libFuzzer target: chain lines and whole chain files, as read by
// `seg-chain verify` and by seg-chain before it appends. What is accepted
// must render back to exactly the input.
#include <cstdint>
#include <string_view>

#include "hlswarm/chain/chain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  try {
    auto entry = hlswarm::parse_chain_line(text, "fuzz");
    if (hlswarm::render_chain_line(entry.record, entry.path) != text)
      __builtin_trap();
  } catch (const hlswarm::Error &) {
  }
  try {
    auto summary = hlswarm::read_chain(text, "fuzz");
    if (summary.complete_bytes + summary.torn_bytes != text.size())
      __builtin_trap();
  } catch (const hlswarm::Error &) {
  }
  return 0;
}
