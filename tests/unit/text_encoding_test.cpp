#include "hlswarm/base/text_encoding.hpp"

#include <gtest/gtest.h>

using namespace hlswarm;

TEST(TextEncoding, HexAndBase64HaveOneSpelling) {
  EXPECT_EQ(to_hex(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(from_hex("00ABff"), std::string("\x00\xab\xff", 3));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  for (std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(from_base64(to_base64(bytes)), bytes);
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(to_base64("fo"), "Zm8=");
  EXPECT_FALSE(from_base64("Zm9="));  // stray bits in the last character
  EXPECT_FALSE(from_base64("Zm8"));   // padding missing
  EXPECT_FALSE(from_base64("Zm 8="));
  EXPECT_FALSE(from_base64("Zm8=Zm8="));
  EXPECT_FALSE(from_base64("===="));
}

TEST(TextEncoding, HexIsTheOneWayBackForEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  EXPECT_EQ(from_hex(to_hex(all)), all);
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(from_hex(""), std::string());
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("-1"));
  EXPECT_FALSE(from_hex(" 00"));
}

TEST(PercentEncoding, DecodesWhatItEncodes) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  EXPECT_EQ(percent_decode(percent_encode(all)), all);
  EXPECT_EQ(percent_encode("a b"), "a%20b");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
}

TEST(PercentEncoding, KeepsOnlyUnreservedBytesAndThoseAskedFor) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a/b%c\xff"), "a%2Fb%25c%FF");
  EXPECT_EQ(percent_encode("127.0.0.1:80"), "127.0.0.1%3A80");
  EXPECT_EQ(percent_encode("127.0.0.1:80", ":"), "127.0.0.1:80");
  EXPECT_EQ(percent_decode("a%2fb%2F"), "a/b/");
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("a%2"));
}

TEST(CleanUtf8, AcceptsValidTextWithoutControlCharacters) {
  EXPECT_TRUE(is_clean_utf8(""));
  EXPECT_TRUE(is_clean_utf8("news"));
  EXPECT_TRUE(is_clean_utf8("Grüße, 世界 🎥"));
  EXPECT_TRUE(is_clean_utf8("\xf4\x8f\xbf\xbf"));    // U+10FFFF
  EXPECT_TRUE(is_clean_utf8("\xc2\xa0"));            // U+00A0, after C1
  EXPECT_FALSE(is_clean_utf8("tab\there"));
  EXPECT_FALSE(is_clean_utf8(std::string("nul\0", 4)));
  EXPECT_FALSE(is_clean_utf8("del\x7f"));
  EXPECT_FALSE(is_clean_utf8("c1 \xc2\x85"));        // U+0085 (NEL)
  EXPECT_FALSE(is_clean_utf8("\xff"));               // not UTF-8
  EXPECT_FALSE(is_clean_utf8("\x80"));               // a lone continuation
  EXPECT_FALSE(is_clean_utf8("\xc0\xaf"));           // overlong '/'
  EXPECT_FALSE(is_clean_utf8("\xe0\x80\xaf"));       // overlong, 3 bytes
  EXPECT_FALSE(is_clean_utf8("\xed\xa0\x80"));       // surrogate
  EXPECT_FALSE(is_clean_utf8("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(is_clean_utf8("cut \xe4\xb8"));       // truncated sequence
  EXPECT_FALSE(is_clean_utf8("\xe4\x41\x41"));       // not a continuation
}
