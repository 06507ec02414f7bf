#include "hlswarm/net/node.hpp"

#include <cstdlib>
#include <fstream>
#include <thread>

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

TEST(Node, LoopbackOnlyNodeMapsNoPort) {
  // Port mapping asked for, but nothing beyond loopback to map: no UPnP or
  // NAT-PMP traffic, and the stats say so.
  NodeOptions options = loopback_node("127.0.0.1:0,127.0.0.2:0");
  options.loopback_test_mode = false;
  ASSERT_TRUE(options.port_mapping);
  Node node(options);
  auto mapping = node.stats()["port_mapping"];
  EXPECT_EQ(mapping["upnp"], "off");
  EXPECT_EQ(mapping["natpmp"], "off");
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

// A block written into a finished download's file after its pieces passed
// their checks (libtorrent 2.0.8 has been seen to leave a corrupt peer's
// copy of a piece there) must never be handed on as verified: the file is
// not settled, its bad piece is fetched again, and the settled file holds
// the seeder's bytes.
TEST(Node, SettlesADownloadOnlyWhenItsFileHashesToTheRoot) {
  using namespace std::chrono_literals;
  test::TempFolder dir;
  auto original = dir / "seg.ts";
  std::string bytes;
  for (int i = 0; i < 300000; ++i)
    bytes.push_back(static_cast<char>(i * 7 + i / 1000));
  {
    std::ofstream out(original, std::ios::binary);
    out << bytes;
  }
  std::string info = make_v2_info_dict(original);
  Node seeder(loopback_node("127.0.0.106:0"));
  Node viewer(loopback_node("127.0.0.107:0"));
  std::string infohash = seeder.seed(original, info);
  auto fetched = dir / "fetched.ts";
  viewer.download(info, fetched, seeder.listen_endpoints());
  ASSERT_TRUE(viewer.wait_complete(infohash, 20s));

  {
    std::fstream late(fetched, std::ios::binary | std::ios::in | std::ios::out);
    late.seekp(100000);
    late.put(static_cast<char>(bytes[100000] ^ 1));
  }
  EXPECT_FALSE(viewer.settle_verified(infohash));
  ASSERT_TRUE(viewer.progress(infohash));
  EXPECT_FALSE(viewer.progress(infohash)->complete);
  // Two seeds had no reason to stay connected; a viewer gives a fetch in
  // flight its sources again, as RoomViewer does.
  viewer.connect_peers(infohash, seeder.listen_endpoints());

  ASSERT_TRUE(viewer.wait_complete(infohash, 20s));
  ASSERT_TRUE(viewer.settle_verified(infohash));
  std::ifstream in(fetched, std::ios::binary);
  std::string settled((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(settled == bytes) << "the settled file differs from the seeder's";
}

TEST(Node, ASharedTorrentMovesOntoTheSeedsFileAndOutlivesTheDownloadsFile) {
  // peer-seed: a viewer's download and a room server's seed of the same
  // segment share one torrent; the viewer's fetch folder is deleted when it
  // is done, and the seed must go on serving from the store's file.
  using namespace std::chrono_literals;
  test::TempFolder dir;
  std::string bytes;
  for (int i = 0; i < 200000; ++i)
    bytes.push_back(static_cast<char>(i * 13 + i / 777));
  auto write = [&](const std::filesystem::path &file) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
  };
  write(dir / "origin.ts");
  write(dir / "store" / "seg.ts");
  std::string info = make_v2_info_dict(dir / "origin.ts");

  auto origin = std::make_unique<Node>(loopback_node("127.0.0.108:0"));
  std::string infohash = origin->seed(dir / "origin.ts", info);
  Node distributor(loopback_node("127.0.0.109:0"));
  distributor.download(info, dir / "fetching" / "seg.ts", origin->listen_endpoints());
  ASSERT_TRUE(distributor.wait_complete(infohash, 20s));
  distributor.seed(dir / "store" / "seg.ts", info);
  EXPECT_EQ(distributor.progress(infohash)->file, std::filesystem::absolute(dir / "store" / "seg.ts"));
  distributor.remove(infohash); // the viewer is done
  std::filesystem::remove_all(dir / "fetching");
  origin.reset();

  Node viewer(loopback_node("127.0.0.110:0"));
  viewer.download(info, dir / "viewer.ts", distributor.listen_endpoints());
  EXPECT_TRUE(viewer.wait_complete(infohash, 20s)) << "the distributor did not serve";
}

TEST(Node, ASeedWithAConnectionLimitServesNoMorePeersAtOnce) {
  // room-announce serves a live room's new segment to
  // viewer_policy::origin_max_connections viewers at once; the others
  // fetch from them. Here three downloaders that know only the seed ask a
  // seed limited to two; they are on loopback, where libtorrent would
  // scale the limit down (Node undoes that). The file is large enough
  // (48 MB, about a second a copy) for all three to be asking at once.
  using namespace std::chrono_literals;
  test::TempFolder dir;
  {
    std::string block(1 << 20, '\0');
    std::ofstream out(dir / "big.ts", std::ios::binary);
    for (int mb = 0; mb < 48; ++mb) {
      for (std::size_t i = 0; i < block.size(); ++i)
        block[i] = static_cast<char>(i * 11 + i / 313 + static_cast<std::size_t>(mb) * 7);
      out << block;
    }
  }
  std::string info = make_v2_info_dict(dir / "big.ts");
  Node origin(loopback_node("127.0.0.200:0"));
  SeedOptions limited;
  limited.max_connections = 2;
  std::string infohash = origin.seed(dir / "big.ts", info, limited);
  std::vector<std::unique_ptr<Node>> viewers;
  for (const char *address : {"127.0.0.201:0", "127.0.0.202:0", "127.0.0.203:0"})
    viewers.push_back(std::make_unique<Node>(loopback_node(address)));
  for (std::size_t i = 0; i < viewers.size(); ++i)
    viewers[i]->download(info, dir / ("fetched-" + std::to_string(i) + ".ts"),
                         origin.listen_endpoints());
  // Sampled every 10 ms (a peak, not a condition to wait for), until all
  // three finish or a minute has passed.
  int most = 0, done = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (done < 3 && std::chrono::steady_clock::now() < deadline) {
    most = std::max(most, origin.connected_peers(infohash));
    done = 0;
    for (auto &viewer : viewers)
      done += viewer->progress(infohash)->complete;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(done, 3) << "a viewer turned away never came back";
  EXPECT_EQ(most, 2) << "peers connected to the seed at once, at most";
}

TEST(Node, KeepsAnItemOfSomeoneElseAfterItsPublisherLeft) {
  using namespace std::chrono_literals;
  Identity identity = Identity::generate();
  auto publisher = std::make_unique<Node>(loopback_node("127.0.0.103:0"));
  // Alone: the item is only in the publisher's own DHT storage.
  auto put = publisher->put_item(identity, "room", "d1:ai1ee", 0ms);

  auto keeper_options = loopback_node("127.0.0.104:0");
  keeper_options.bootstrap = {publisher->listen_endpoints().front().to_string()};
  keeper_options.republish_interval = 1s;
  auto keeper = std::make_unique<Node>(keeper_options);
  auto item = keeper->get_item(identity.public_key(), "room", 10s);
  ASSERT_TRUE(item.has_value());
  MutableItem forged = *item;
  forged.value = "d1:ai2ee";
  EXPECT_THROW(keeper->keep_item(forged), Error);
  keeper->keep_item(*item);
  publisher.reset();

  // A node that joins after the publisher left gets the item from the
  // keeper's re-put, which is all it stores once the keeper is gone too.
  auto holder_options = loopback_node("127.0.0.105:0");
  holder_options.bootstrap = {keeper->listen_endpoints().front().to_string()};
  Node holder(holder_options);
  holder.wait_for_dht(5s);
  auto stored_before = keeper->stats()["dht"]["items_stored"].get<std::int64_t>();
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (keeper->stats()["dht"]["items_stored"].get<std::int64_t>() == stored_before &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_GT(keeper->stats()["dht"]["items_stored"].get<std::int64_t>(), stored_before);
  keeper.reset();

  auto reader_options = loopback_node("127.0.0.106:0");
  reader_options.bootstrap = {holder.listen_endpoints().front().to_string()};
  Node reader(reader_options);
  auto read = reader.get_item(identity.public_key(), "room", 10s);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->seq, put.seq);
  EXPECT_EQ(read->value, "d1:ai1ee");
  EXPECT_EQ(read->signature, item->signature);
}
