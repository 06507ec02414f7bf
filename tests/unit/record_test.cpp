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

RecordFields init_fields(const Identity &identity, std::int64_t seq = 0) {
  RecordFields fields;
  fields.room = {identity.public_key(), "test room"};
  fields.seq = seq;
  if (seq > 0)
    fields.prev = sha256("previous");
  fields.init = true;
  fields.size = 1100;
  fields.info_dict = encode_segment_info({"init.mp4", 1100, sha256("moov")});
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

TEST(Record, RoundTripsInitRecordsAndTheSegmentsThatNameThem) {
  Identity identity = fixed_identity();
  RecordFields init = init_fields(identity, 2);
  SignedRecord signed_init = sign_record(init, identity);
  SignedRecord decoded = decode_record(signed_init.bytes, "t");
  EXPECT_EQ(decoded.fields, init);
  EXPECT_EQ(decoded.bytes, signed_init.bytes);
  EXPECT_EQ(decoded.infohash(), sha256(init.info_dict));
  EXPECT_FALSE(decoded.fields.is_segment());
  EXPECT_EQ(record_version_of(init), 2);

  RecordFields segment = segment_fields(identity, 5);
  segment.init_seq = 2;
  segment.discontinuity = true;
  SignedRecord signed_segment = sign_record(segment, identity);
  EXPECT_EQ(decode_record(signed_segment.bytes, "t").fields, segment);
  EXPECT_EQ(record_version_of(segment), 2);
  EXPECT_EQ(record_version_of(segment_fields(identity, 5)), 1);
}

TEST(Record, Version2BytesAreStableAcrossRuns) {
  // As CanonicalBytesAreStableAcrossRuns, for the keys of version 2.
  Identity identity = fixed_identity();
  SignedRecord init = sign_record(init_fields(identity, 0), identity);
  EXPECT_EQ(init.bytes.substr(0, 13), "d4:info150:d9");
  EXPECT_NE(init.bytes.find("4:initi1e2:pk32:"), std::string::npos);
  EXPECT_EQ(init.bytes.substr(init.bytes.size() - 19), "4:sizei1100e1:vi2ee");
  EXPECT_EQ(to_hex(digest_bytes(init.id)),
            "b0be7658fa11b56d59409e0cb310771d9975b57a9ca5f4f29f8d039a859b89f8");
  RecordFields fields = segment_fields(identity, 1);
  fields.init_seq = 0;
  SignedRecord segment = sign_record(fields, identity);
  EXPECT_NE(segment.bytes.find("4:iseqi0e2:pk32:"), std::string::npos);
  EXPECT_EQ(segment.bytes.substr(segment.bytes.size() - 7), "1:vi2ee");
  EXPECT_EQ(to_hex(digest_bytes(segment.id)),
            "a62cf837edcc8882046e10b37f61e1af6bd020a04439dd8e96cf8dcdde3d8867");
}

TEST(Record, Version1RecordsWrittenByEarlierProgramsStayValid) {
  // The dictionaries version 1 wrote (before init records existed), built
  // by hand: they decode, and encode back to the same bytes.
  Identity identity = fixed_identity();
  RecordFields segment = segment_fields(identity, 1);
  bencode::Dict v1{{"dur", segment.duration_us},
                   {"info", segment.info_dict},
                   {"pk", std::string(segment.room.creator.begin(),
                                      segment.room.creator.end())},
                   {"prev", digest_bytes(*segment.prev)},
                   {"room", segment.room.name},
                   {"seq", segment.seq},
                   {"sig", ""},
                   {"size", static_cast<std::int64_t>(segment.size)},
                   {"start", segment.start_us},
                   {"v", 1}};
  std::string bytes = re_signed(v1, identity);
  EXPECT_EQ(decode_record(bytes, "t").fields, segment);
  EXPECT_EQ(sign_record(segment, identity).bytes, bytes);

  bencode::Dict end{{"end", 1}, {"pk", v1.at("pk")}, {"prev", v1.at("prev")},
                    {"room", v1.at("room")}, {"seq", 2}, {"v", 1}};
  EXPECT_TRUE(decode_record(re_signed(end, identity), "t").fields.end);
}

TEST(Record, TheLargestRecordFitsInARoomHead) {
  Identity identity = fixed_identity();
  RecordFields fields = segment_fields(identity, 1);
  fields.seq = max_record_integer;
  fields.room.name = std::string(64, 'r');
  fields.start_us = fields.duration_us = max_record_integer;
  fields.size = max_segment_bytes;
  fields.info_dict = encode_segment_info(
      {std::string(max_segment_name_bytes, 'n'), max_segment_bytes, sha256("x")});
  fields.discontinuity = true;
  fields.init_seq = max_record_integer - 1;
  SignedRecord record = sign_record(fields, identity);
  EXPECT_LE(record.bytes.size(), max_record_bytes);
  EXPECT_EQ(decode_record(record.bytes, "t").fields, fields);
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
      changed("v", 2),                    // version 2 without its keys
      changed("v", 3),                    // unknown version
      changed("v", 0),
      changed("iseq", 0),                 // version 2 key in version 1
      changed("init", 1),                 // init flag on a segment record
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

TEST(Record, RejectsHostileInitRecordsAndInitSeqs) {
  Identity identity = fixed_identity();
  SignedRecord init = sign_record(init_fields(identity, 3), identity);
  RecordFields named = segment_fields(identity, 4);
  named.init_seq = 3;
  SignedRecord segment = sign_record(named, identity);
  auto changed = [&](const SignedRecord &record, const std::string &key,
                     bencode::Value value) {
    bencode::Dict copy = bencode::decode(record.bytes, "t").dict("t");
    copy.insert_or_assign(key, std::move(value));
    return re_signed(copy, identity);
  };
  auto without = [&](const SignedRecord &record, const std::string &key) {
    bencode::Dict copy = bencode::decode(record.bytes, "t").dict("t");
    copy.erase(key);
    return re_signed(copy, identity);
  };
  std::vector<std::string> bad = {
      changed(init, "start", 0),          // an init record has no media time
      changed(init, "dur", 8'000'000),
      changed(init, "disc", 1),
      changed(init, "iseq", 2),
      changed(init, "end", 1),            // not both init and end
      changed(init, "init", 0),
      changed(init, "init", 2),
      changed(init, "v", 1),              // init records are version 2
      changed(init, "size", 1101),
      changed(init, "extra", 1),
      without(init, "info"),
      without(init, "size"),
      changed(segment, "iseq", 4),        // not an earlier seq
      changed(segment, "iseq", 5),
      changed(segment, "iseq", -1),
      changed(segment, "iseq", "3"),
      changed(segment, "iseq", std::int64_t{1} << 53),
      changed(segment, "v", 1),           // iseq needs version 2
      changed(segment, "init", 1),
      without(segment, "start"),
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    try {
      decode_record(bad[i], "t");
      ADD_FAILURE() << "accepted case " << i;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::data) << i;
    }
  }
  for (const SignedRecord *record : {&init, &segment})
    for (std::size_t at = 0; at < record->bytes.size(); ++at) {
      std::string flipped = record->bytes;
      flipped[at] ^= 0x04;
      EXPECT_THROW(decode_record(flipped, "t"), Error) << "byte " << at;
    }
  // The encoder keeps the same rules.
  RecordFields timed_init = init_fields(identity, 3);
  timed_init.start_us = 1;
  EXPECT_THROW(sign_record(timed_init, identity), Error);
  RecordFields init_end = init_fields(identity, 3);
  init_end.end = true;
  init_end.size = 0;
  init_end.info_dict.clear();
  EXPECT_THROW(sign_record(init_end, identity), Error);
  RecordFields ahead = segment_fields(identity, 4);
  ahead.init_seq = 4;
  EXPECT_THROW(sign_record(ahead, identity), Error);
  RecordFields end;
  end.room = ahead.room;
  end.seq = 4;
  end.prev = ahead.prev;
  end.end = true;
  end.init_seq = 1;
  EXPECT_THROW(sign_record(end, identity), Error);
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
