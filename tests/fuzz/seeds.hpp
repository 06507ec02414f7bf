// Seed inputs for the fuzzers of room heads, chain torrents and room URIs,
// made with our own encoders so the fuzzer starts from values that decode.
// run.sh sets HLSWARM_FUZZ_SEEDS to the corpus folder; each fuzzer writes
// its seeds there from LLVMFuzzerInitialize, before libFuzzer reads it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/segment_torrent.hpp"

namespace hlswarm::fuzz {

/// The creator of every seed and of the room the fuzzers decode against.
inline const Identity &creator() {
  static const Identity identity = [] {
    std::array<char, 32> seed;
    seed.fill(7);
    return Identity::from_seed(seed);
  }();
  return identity;
}

inline const Room &room() {
  static const Room room{creator().public_key(), "fuzz room"};
  return room;
}

/// `count` linked records of room(), the last an end record. With `fmp4`,
/// seq 0 is an init record and every segment names it (version 2).
inline std::vector<SignedRecord> records(int count, bool fmp4 = false) {
  std::vector<SignedRecord> chain;
  for (int seq = 0; seq < count; ++seq) {
    RecordFields fields;
    fields.room = room();
    fields.seq = seq;
    if (seq > 0)
      fields.prev = chain.back().id;
    fields.end = seq == count - 1;
    fields.init = fmp4 && seq == 0 && !fields.end;
    if (!fields.end) {
      fields.size = 1234 + static_cast<std::uint64_t>(seq);
      std::string name = fields.init ? "init.mp4" : "seg" + std::to_string(seq) + ".ts";
      fields.info_dict =
          encode_segment_info({name, fields.size, sha256(std::to_string(seq))});
    }
    if (fields.is_segment()) {
      fields.start_us = 8'000'000 * seq;
      fields.duration_us = 7'960'000;
      if (fmp4)
        fields.init_seq = 0;
    }
    chain.push_back(sign_record(fields, creator()));
  }
  return chain;
}

/// Writes `inputs` as files seed0, seed1... into $HLSWARM_FUZZ_SEEDS, if set.
inline void write_seeds(const std::vector<std::string> &inputs) {
  const char *folder = std::getenv("HLSWARM_FUZZ_SEEDS");
  if (!folder)
    return;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    std::ofstream(std::filesystem::path(folder) / ("seed" + std::to_string(i)),
                  std::ios::binary)
        << inputs[i];
}

} // namespace hlswarm::fuzz
