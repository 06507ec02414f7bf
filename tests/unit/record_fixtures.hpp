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

/// The room, seq and prev of the record after `previous` (seq 0 without one).
inline RecordFields fields_after(const Identity &identity,
                                 const SignedRecord *previous,
                                 std::string room = "room") {
  RecordFields fields;
  fields.room = {identity.public_key(), std::move(room)};
  if (previous) {
    fields.seq = previous->fields.seq + 1;
    fields.prev = previous->id;
  }
  return fields;
}

/// The record after `previous` (seq 0 without one): a 1234-byte segment
/// named seg<seq>.ts, or the end record.
inline SignedRecord make_record(const Identity &identity, const SignedRecord *previous,
                                bool end = false, std::string room = "room") {
  RecordFields fields = fields_after(identity, previous, std::move(room));
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

/// The init record after `previous`: an 800-byte fMP4 init segment named
/// init<seq>.mp4.
inline SignedRecord make_init_record(const Identity &identity,
                                     const SignedRecord *previous,
                                     std::string room = "room") {
  RecordFields fields = fields_after(identity, previous, std::move(room));
  fields.init = true;
  fields.size = 800;
  fields.info_dict = encode_segment_info(
      {"init" + std::to_string(fields.seq) + ".mp4", 800, sha256("init")});
  return sign_record(fields, identity);
}

/// The segment record after `previous` (as make_record) that plays after
/// the init record at `init_seq`.
inline SignedRecord make_fmp4_record(const Identity &identity,
                                     const SignedRecord &previous,
                                     std::int64_t init_seq) {
  RecordFields fields = make_record(identity, &previous).fields;
  fields.init_seq = init_seq;
  return sign_record(fields, identity);
}

} // namespace hlswarm
