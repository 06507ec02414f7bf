#include "hlswarm/base/bencode.hpp"

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"

using namespace hlswarm;
using namespace hlswarm::bencode;

TEST(Bencode, EncodesCanonicallyWithKeysInByteOrder) {
  Dict dict{{"b", 1}, {"a", "xyz"}, {"\xff", List{0, -5}}, {"B", Dict{}}};
  EXPECT_EQ(encode(dict), "d1:B" "de" "1:a3:xyz1:bi1e1:\xff" "li0ei-5eee");
  EXPECT_EQ(encode(Value(INT64_MIN)), "i-9223372036854775808e");
}

TEST(Bencode, RoundTripsWhatItEncodes) {
  Value value = Dict{{"list", List{1, "two", Dict{{"k", "v"}}}},
                     {"n", INT64_MAX},
                     {"empty", ""}};
  std::string bytes = encode(value);
  EXPECT_EQ(decode(bytes, "t"), value);
  EXPECT_EQ(encode(decode(bytes, "t")), bytes);
}

TEST(Bencode, RejectsNonCanonicalAndMalformedInput) {
  for (std::string_view bad : {
           "i-0e", "i03e", "i00e", "ie", "i-e", "i1", "i12a3e",
           "i9223372036854775808e", "i-9223372036854775809e",
           "i99999999999999999999e", "03:abc", "4:abc", "3abc",
           "d1:bi1e1:ai2ee", // unsorted keys
           "d1:ai1e1:ai2ee", // repeated key
           "di1ei2ee",       // integer key
           "d1:ae",          // key without value
           "l", "d", "le0:", "i1ei2e", "x", "",
           "-1:", "1:ab",
       }) {
    EXPECT_THROW(decode(bad, "t"), Error) << bad;
  }
}

TEST(Bencode, EnforcesLimitsBeforeDoingWork) {
  EXPECT_THROW(decode(std::string(5000, 'l'), "t"), Error); // max_bytes
  std::string deep(9, 'l');
  deep += std::string(9, 'e');
  EXPECT_THROW(decode(deep, "t"), Error); // depth 9 > 8
  std::string shallow(8, 'l');
  shallow += std::string(8, 'e');
  EXPECT_NO_THROW(decode(shallow, "t"));
  std::string many = "l";
  for (int i = 0; i < 300; ++i)
    many += "i0e";
  many += "e";
  EXPECT_THROW(decode(many, "t"), Error); // 301 values > 256
  try {
    decode("d1:bi1e1:ai2ee", "record");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_EQ(e.subject(), "record");
    EXPECT_NE(e.reason().find("out of order"), std::string::npos) << e.reason();
  }
}

TEST(Bencode, ReportsWrongTypes) {
  Value value = decode("i5e", "t");
  EXPECT_THROW(value.string("field"), Error);
  EXPECT_EQ(value.integer("field"), 5);
}
