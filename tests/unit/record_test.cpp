#include "hlswarm/chain/record.hpp"

#include <gtest/gtest.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/text_encoding.hpp"

using namespace hlswarm;

namespace {

Identity fixed_identity(char fill = 1) {
  std::array<char, 32> seed;
  for (std::size_t i = 0; i < seed.size(); ++i)
    seed[i] = static_cast<char>(fill + static_cast<char>(i));
  return Identity::from_seed(seed);
}

RecordFields segment_fields(const Identity &identity, std::int64_t seq = 0) {
  RecordFields fields;
  fields.room = {identity.public_key(), "test room"};
  fields.seq = seq;
  if (seq > 0)
    fields.prev = sha256("previous");
  fields.start_us = 8'000'000 * seq;
  fields.duration_us = 8'000'000;
  fields.size = 2'500'000;
  fields.info_dict = encode_segment_info(
      {"seg" + std::to_string(seq) + ".ts", 2'500'000, sha256("root")});
  return fields;
}

std::string re_signed(const bencode::Dict &dict, const Identity &identity) {
  bencode::Dict without = dict;
  without.erase("sig");
  auto signature = identity.sign(bencode::encode(without));
  without.emplace("sig", std::string(signature.begin(), signature.end()));
  return bencode::encode(without);
}

} // namespace

TEST(Record, RoundTripsSegmentAndEndRecords) {
  Identity identity = fixed_identity();
  RecordFields segment = segment_fields(identity, 3);
  segment.discontinuity = true;
  SignedRecord signed_segment = sign_record(segment, identity);
  SignedRecord decoded = decode_record(signed_segment.bytes, "t");
  EXPECT_EQ(decoded.fields, segment);
  EXPECT_EQ(decoded.id, sha256(signed_segment.bytes));
  EXPECT_EQ(decoded.bytes, signed_segment.bytes);
  EXPECT_EQ(decoded.infohash(), sha256(segment.info_dict));

  RecordFields end;
  end.room = segment.room;
  end.seq = 4;
  end.prev = decoded.id;
  end.end = true;
  SignedRecord signed_end = sign_record(end, identity);
  EXPECT_EQ(decode_record(signed_end.bytes, "t").fields, end);
  EXPECT_LE(signed_segment.bytes.size(), max_record_bytes);
}

TEST(Record, CanonicalBytesAreStableAcrossRuns) {
  // A fixed key and fixed fields give fixed bytes: ed25519 signatures are
  // deterministic and the encoding is canonical. If this id changes, the
  // record format changed: bump record_version and document it.
  SignedRecord record = sign_record(segment_fields(fixed_identity(), 1),
                                    fixed_identity());
  EXPECT_EQ(to_hex(digest_bytes(record.id)),
            "2c592bc96a438c15dfe6cda8d8ec96723abfd1be0f984e8b31a179ed990d184a");
  EXPECT_EQ(record.bytes.substr(0, 18), "d3:duri8000000e4:i");
}

TEST(Record, RejectsHostileAndDamagedRecords) {
  Identity identity = fixed_identity(), other = fixed_identity(50);
  SignedRecord record = sign_record(segment_fields(identity, 1), identity);
  bencode::Dict dict = bencode::decode(record.bytes, "t").dict("t");
  auto changed = [&](const std::string &key, bencode::Value value,
                     bool resign = true) {
    bencode::Dict copy = dict;
    copy.insert_or_assign(key, std::move(value));
    return resign ? re_signed(copy, identity) : bencode::encode(copy);
  };
  auto without = [&](const std::string &key) {
    bencode::Dict copy = dict;
    copy.erase(key);
    return re_signed(copy, identity);
  };

  std::vector<std::string> bad = {
      changed("seq", 2, false),           // signature no longer matches
      re_signed(dict, other),             // signed by another key
      changed("v", 2),                    // unknown version
      changed("seq", -1),
      changed("seq", std::int64_t{1} << 53),
      changed("start", -1),
      changed("dur", -5),
      changed("size", 2'500'001),         // differs from the info dict
      changed("pk", "short"),
      changed("prev", "short"),
      changed("room", ""),
      changed("room", std::string(65, 'x')),
      changed("room", "bad\x01"),
      changed("info", "d4:name3:abce"),
      changed("extra", 1),
      changed("end", 1),                  // end flag on a segment record
      changed("end", 0),
      changed("disc", 2),
      without("prev"),                    // seq 1 without prev
      without("info"),
      [&] {
        bencode::Dict copy = dict;
        copy.erase("sig");
        return bencode::encode(copy);
      }(),
      record.bytes.substr(0, record.bytes.size() - 1),
      record.bytes + "x",
      "",
      "le",
      std::string(1001, 'x'),
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    try {
      decode_record(bad[i], "t");
      ADD_FAILURE() << "accepted case " << i;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::data) << i;
    }
  }
  // Every single flipped bit anywhere in a valid record is rejected.
  for (std::size_t at = 0; at < record.bytes.size(); ++at) {
    std::string flipped = record.bytes;
    flipped[at] ^= 0x04;
    EXPECT_THROW(decode_record(flipped, "t"), Error) << "byte " << at;
  }
}

TEST(Record, SeqZeroHasNoPrevAndEndRecordsHaveNoSegment) {
  Identity identity = fixed_identity();
  RecordFields fields = segment_fields(identity, 0);
  fields.prev = sha256("x");
  EXPECT_THROW(sign_record(fields, identity), Error);
  RecordFields end = segment_fields(identity, 0);
  end.end = true;
  EXPECT_THROW(sign_record(end, identity), Error);
  EXPECT_THROW(sign_record(segment_fields(identity), fixed_identity(9)), Error);
}
