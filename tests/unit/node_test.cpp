#include "hlswarm/net/node.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "loopback_node.hpp"

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

TEST(InfoDict, OnePieceForASegmentAndInfohashIsItsSha256) {
  test::TempFolder dir;
  auto file = dir / "seg.ts";
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 100000; ++i)
      out.put(static_cast<char>(i * 7));
  }
  std::string info = make_v2_info_dict(file);
  EXPECT_NE(info.find("12:piece lengthi131072e"), std::string::npos) << info.substr(0, 200);
  EXPECT_NE(info.find("12:meta versioni2e"), std::string::npos);
  EXPECT_LT(info.size(), 200u);
  EXPECT_EQ(v2_infohash(info).size(), 64u);
  EXPECT_EQ(make_v2_info_dict(file), info) << "not deterministic";
  EXPECT_THROW(make_v2_info_dict(dir / "missing"), Error);
}

using test::loopback_node;

TEST(Node, StartsOnLoopbackAndStopsQuickly) {
  auto started = std::chrono::steady_clock::now();
  Node node(loopback_node("127.0.0.1:0"));
  EXPECT_NE(node.listen_port(), 0);
  ASSERT_FALSE(node.listen_endpoints().empty());
  EXPECT_EQ(node.listen_endpoints().front().host, "127.0.0.1");
  auto stats = node.stats();
  EXPECT_EQ(stats["uploaded_bytes"], 0);
  EXPECT_EQ(stats["downloaded_bytes"], 0);
  node.stop();
  node.stop(); // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(Node, RefusesAnAddressItCannotListenOn) {
  try {
    Node node(loopback_node("192.0.2.1:0")); // TEST-NET-1, not ours
    FAIL() << "listened on a foreign address";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::unavailable);
  }
  EXPECT_THROW(Node(loopback_node("localhost:0")), Error);
  EXPECT_THROW(Node(loopback_node("127.0.0.1")), Error);
}

TEST(Node, PutAndGetBetweenTwoNodesInOneProcess) {
  Identity identity = Identity::generate();
  Node creator(loopback_node("127.0.0.80:0"));
  auto options = loopback_node("127.0.0.81:0");
  options.bootstrap = {creator.listen_endpoints().front().to_string()};
  Node viewer(options);

  auto put = creator.put_item(identity, "room", "d1:ai1ee", std::chrono::seconds(10));
  auto item = viewer.get_item(identity.public_key(), "room", std::chrono::seconds(10));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->value, "d1:ai1ee");
  EXPECT_EQ(item->seq, put.seq);

  auto second = creator.put_item(identity, "room", "d1:ai2ee", std::chrono::seconds(10));
  EXPECT_GT(second.seq, put.seq);
  EXPECT_THROW(creator.put_item(identity, "room", "not bencode", std::chrono::seconds(1)),
               Error);
}

// A segment seeded by two parts of one program (a viewer and peer-seed's
// store) stays seeded until both let go of it.
TEST(Node, ATorrentAddedTwiceStaysUntilRemovedTwice) {
  test::TempFolder dir;
  auto file = dir / "seg.ts";
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 50000; ++i)
      out.put(static_cast<char>(i * 13));
  }
  std::string info = make_v2_info_dict(file);
  Node node(loopback_node("127.0.0.1:0"));
  std::string infohash = node.seed(file, info);
  EXPECT_EQ(node.seed(file, info), infohash);
  EXPECT_EQ(node.download(info, dir / "again.ts"), infohash);
  node.remove(infohash);
  node.remove(infohash);
  ASSERT_TRUE(node.progress(infohash));
  EXPECT_TRUE(node.progress(infohash)->complete);
  node.remove(infohash);
  EXPECT_FALSE(node.progress(infohash));
}
