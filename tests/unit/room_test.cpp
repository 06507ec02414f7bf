#include "hlswarm/chain/room.hpp"

#include <gtest/gtest.h>

using namespace hlswarm;

namespace {

const std::string key_hex(64, 'a');

Room room(std::string name) {
  return Room{*public_key_from_hex(key_hex), std::move(name)};
}

} // namespace

TEST(RoomName, AcceptsUpTo64BytesOfCleanUtf8) {
  EXPECT_FALSE(room_name_problem("news"));
  EXPECT_FALSE(room_name_problem("a b/c?d#e%f"));
  EXPECT_FALSE(room_name_problem("Grüße, 世界 🎥"));
  EXPECT_FALSE(room_name_problem(std::string(64, 'x')));
  EXPECT_TRUE(room_name_problem(std::string(65, 'x')));
  EXPECT_TRUE(room_name_problem(""));
  EXPECT_TRUE(room_name_problem("tab\there"));
  EXPECT_TRUE(room_name_problem("del\x7f"));
  EXPECT_TRUE(room_name_problem("c1 \xc2\x85"));        // U+0085 (NEL)
  EXPECT_TRUE(room_name_problem("\xff"));               // not UTF-8
  EXPECT_TRUE(room_name_problem("\xc0\xaf"));           // overlong '/'
  EXPECT_TRUE(room_name_problem("\xed\xa0\x80"));       // surrogate
  EXPECT_TRUE(room_name_problem("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_TRUE(room_name_problem("cut \xe4\xb8"));       // truncated sequence
  EXPECT_TRUE(room_name_problem(" "));
  EXPECT_TRUE(room_name_problem(" news"));
  EXPECT_TRUE(room_name_problem("news "));
  // 64 bytes is the bound, not 64 characters: 22 three-byte characters.
  std::string wide;
  for (int i = 0; i < 22; ++i)
    wide += "世";
  EXPECT_TRUE(room_name_problem(wide));
}

TEST(RoomUri, PrintsAndParsesOneForm) {
  struct Case {
    std::string name, uri_tail;
  } cases[] = {
      {"news", "news"},
      {"my room", "my%20room"},
      {"a/b", "a%2Fb"},
      {"50%", "50%25"},
      {"q?x#y&z=1", "q%3Fx%23y%26z%3D1"},
      {"世界", "%E4%B8%96%E7%95%8C"},
      {"~-._", "~-._"},
  };
  for (const auto &c : cases) {
    std::string text = format_room_uri(room(c.name));
    EXPECT_EQ(text, "hlswarm://" + key_hex + "/" + c.uri_tail);
    RoomUri parsed = parse_room_uri(text);
    EXPECT_EQ(parsed.room, room(c.name));
    EXPECT_EQ(format_room_uri(parsed), text);
  }
}

TEST(RoomUri, KeepsParametersAndOriginHints) {
  std::string text = "hlswarm://" + key_hex +
                     "/live?x.pe=127.0.0.2:6881&x.pe=%5B::1%5D:7000&later=a%20b";
  RoomUri uri = parse_room_uri(text);
  EXPECT_EQ(uri.origin_hints(),
            (std::vector<std::string>{"127.0.0.2:6881", "[::1]:7000"}));
  EXPECT_EQ(format_room_uri(uri), text);
  EXPECT_EQ(parse_room_uri(format_room_uri(uri)), uri);
}

TEST(RoomUri, IsLenientOnlyWhereItCannotMislead) {
  // Scheme case, upper-case key and unescaped spaces or UTF-8 from a
  // browser are read; the printed form is canonical.
  std::string upper(64, 'A');
  RoomUri uri = parse_room_uri("HLSWARM://" + upper + "/my room 世");
  EXPECT_EQ(uri.room.name, "my room 世");
  EXPECT_EQ(format_room_uri(uri),
            "hlswarm://" + key_hex + "/my%20room%20%E4%B8%96");
}

TEST(RoomUri, RejectsWhatIsNotARoom) {
  for (std::string bad : {
           "http://" + key_hex + "/news",            // wrong scheme
           "hlswarm:" + key_hex + "/news",           // no //
           "hlswarm://" + key_hex,                   // no name
           "hlswarm://" + key_hex + "/",             // empty name
           "hlswarm://" + key_hex + "/a/b",          // raw slash
           "hlswarm://" + key_hex + "/news#top",     // fragment
           "hlswarm://" + key_hex + "/bad%2",        // broken escape
           "hlswarm://" + key_hex + "/bad%zz",
           "hlswarm://" + key_hex + "/%00",          // control character
           "hlswarm://" + key_hex + "/%FF",          // not UTF-8
           "hlswarm://" + key_hex + "/" + std::string(65, 'x'), // too long
           "hlswarm://" + std::string(63, 'a') + "/news",       // short key
           "hlswarm://" + std::string(64, 'g') + "/news",       // bad hex
           "hlswarm://" + key_hex + "/n?x.pe=nohost",           // bad hint
           "hlswarm://" + key_hex + "/n?x.pe=h:0",
           "hlswarm://" + key_hex + "/n?x.pe=h:65536",
           "hlswarm://" + key_hex + "/n?novalue",
       }) {
    try {
      parse_room_uri(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
    }
  }
  EXPECT_THROW(parse_room_uri("http://x/y", Exit::data), Error);
}

TEST(RoomUri, TellsUrisFromNames) {
  EXPECT_TRUE(looks_like_uri("hlswarm://x/y"));
  EXPECT_TRUE(looks_like_uri("HLSwarm:x"));
  EXPECT_TRUE(looks_like_uri("http://x/y"));
  EXPECT_FALSE(looks_like_uri("my room"));
  EXPECT_FALSE(looks_like_uri("a/b: c"));
}
