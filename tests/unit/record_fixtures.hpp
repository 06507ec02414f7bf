// Records for unit tests: a fixed creator and records that link up.
#pragma once

#include <string>

#include "hlswarm/chain/record.hpp"
#include "hlswarm/chain/segment_torrent.hpp"

namespace hlswarm {

/// The creator of the test records (a fixed seed, so runs are repeatable).
inline Identity creator(char fill = 3) {
  std::array<char, 32> seed;
  seed.fill(fill);
  return Identity::from_seed(seed);
}

/// The record after `previous` (seq 0 without one): a 1234-byte segment
/// named seg<seq>.ts, or the end record.
inline SignedRecord make_record(const Identity &identity, const SignedRecord *previous,
                                bool end = false, std::string room = "room") {
  RecordFields fields;
  fields.room = {identity.public_key(), std::move(room)};
  if (previous) {
    fields.seq = previous->fields.seq + 1;
    fields.prev = previous->id;
  }
  fields.end = end;
  if (!end) {
    fields.start_us = 8'000'000 * fields.seq;
    fields.duration_us = 7'960'000;
    fields.size = 1234;
    fields.info_dict = encode_segment_info(
        {"seg" + std::to_string(fields.seq) + ".ts", 1234, sha256("x")});
  }
  return sign_record(fields, identity);
}

} // namespace hlswarm
