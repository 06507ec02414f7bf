#include "hlswarm/net/node.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <libtorrent/kademlia/ed25519.hpp>
#include <libtorrent/kademlia/item.hpp>

#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

struct Keys {
  PublicKey key;
  SecretKey secret;
};

Keys make_keys() {
  auto [key, secret] = lt::dht::ed25519_create_keypair(lt::dht::ed25519_create_seed());
  return {key.bytes, secret.bytes};
}

MutableItem signed_item(const Keys &keys, std::string salt, std::string value,
                        std::int64_t seq) {
  MutableItem item{keys.key, std::move(salt), std::move(value), seq, {}};
  item.signature = sign_mutable_item(item.value, item.salt, seq, keys.key, keys.secret);
  return item;
}

} // namespace

TEST(HostPort, ParsesNamesV4AndV6) {
  EXPECT_EQ(parse_host_port("127.0.0.2:6881", "x"), (HostPort{"127.0.0.2", 6881}));
  EXPECT_EQ(parse_host_port("router.bittorrent.com:6881", "x").host,
            "router.bittorrent.com");
  auto v6 = parse_host_port("[::1]:80", "x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.to_string(), "[::1]:80");
  EXPECT_EQ(parse_host_port("0.0.0.0:0", "x", true).port, 0);
}

TEST(HostPort, RejectsBadInputWithExitUsage) {
  for (const char *bad : {"", "host", ":80", "host:", "host:0", "host:65536",
                          "host:8x", "::1:80", "[::1]80"}) {
    try {
      parse_host_port(bad, "--peer");
      FAIL() << "accepted " << bad;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
    }
  }
}

TEST(Bootstrap, GivenThenEnvironmentThenPublicRouters) {
  ::unsetenv("HLSWARM_BOOTSTRAP");
  EXPECT_EQ(choose_bootstrap_nodes({}), default_bootstrap_nodes());
  ::setenv("HLSWARM_BOOTSTRAP", "127.0.0.2:7000,127.0.0.3:7001", 1);
  EXPECT_EQ(choose_bootstrap_nodes({}),
            (std::vector<std::string>{"127.0.0.2:7000", "127.0.0.3:7001"}));
  EXPECT_EQ(choose_bootstrap_nodes({"127.0.0.9:1"}),
            (std::vector<std::string>{"127.0.0.9:1"}));
  ::setenv("HLSWARM_BOOTSTRAP", "nonsense", 1);
  EXPECT_THROW(choose_bootstrap_nodes({}), Error);
  ::unsetenv("HLSWARM_BOOTSTRAP");
}

TEST(Bootstrap, LoopbackModeOnlyWhenAsked) {
  ::unsetenv("HLSWARM_DHT_LOOPBACK");
  EXPECT_FALSE(loopback_test_mode_requested(false));
  EXPECT_TRUE(loopback_test_mode_requested(true));
  ::setenv("HLSWARM_DHT_LOOPBACK", "1", 1);
  EXPECT_TRUE(loopback_test_mode_requested(false));
  ::setenv("HLSWARM_DHT_LOOPBACK", "yes", 1);
  EXPECT_FALSE(loopback_test_mode_requested(false));
  ::unsetenv("HLSWARM_DHT_LOOPBACK");
}

TEST(MutableItem, SignedBytesFollowBep44) {
  EXPECT_EQ(mutable_item_signed_bytes("", 1, "12:Hello World!"),
            "3:seqi1e1:v12:Hello World!");
  EXPECT_EQ(mutable_item_signed_bytes("foobar", 1, "12:Hello World!"),
            "4:salt6:foobar3:seqi1e1:v12:Hello World!");
}

TEST(MutableItem, LibtorrentSignaturesVerifyWithOurBytes) {
  Keys keys = make_keys();
  auto item = signed_item(keys, "room", "d4:head3:abce", 42);
  EXPECT_EQ(check_mutable_item(item, keys.key, "room", -1), ItemCheck::ok);
  EXPECT_EQ(check_mutable_item(item, keys.key, "room", 42), ItemCheck::ok);
}

TEST(MutableItem, ForgedWrongOrOlderItemsAreRejected) {
  Keys creator = make_keys();
  Keys forger = make_keys();
  auto good = signed_item(creator, "room", "i1e", 10);

  auto forged = signed_item(forger, "room", "i2e", 11);
  forged.key = creator.key; // claims the creator's key, signed by another
  EXPECT_EQ(check_mutable_item(forged, creator.key, "room", -1), ItemCheck::bad_signature);

  auto tampered = good;
  tampered.value = "i3e";
  EXPECT_EQ(check_mutable_item(tampered, creator.key, "room", -1), ItemCheck::bad_signature);
  auto replayed = good;
  replayed.seq = 12; // same signature, higher seq
  EXPECT_EQ(check_mutable_item(replayed, creator.key, "room", -1), ItemCheck::bad_signature);

  auto other_key = signed_item(forger, "room", "i1e", 10);
  EXPECT_EQ(check_mutable_item(other_key, creator.key, "room", -1), ItemCheck::wrong_key);
  EXPECT_EQ(check_mutable_item(good, creator.key, "other", -1), ItemCheck::wrong_salt);
  EXPECT_EQ(check_mutable_item(good, creator.key, "room", 11), ItemCheck::older);

  auto big = signed_item(creator, "room", "1001:" + std::string(1001, 'x'), 1);
  EXPECT_EQ(check_mutable_item(big, creator.key, "room", -1), ItemCheck::too_large);
  auto not_bencode = signed_item(creator, "room", "hello", 1);
  EXPECT_EQ(check_mutable_item(not_bencode, creator.key, "room", -1), ItemCheck::not_bencoded);
  auto unsorted = signed_item(creator, "room", "d1:bi1e1:ai2ee", 1);
  EXPECT_EQ(check_mutable_item(unsorted, creator.key, "room", -1), ItemCheck::not_bencoded);
}

TEST(MutableItem, KeyPairCheck) {
  Keys a = make_keys();
  Keys b = make_keys();
  EXPECT_TRUE(key_pair_matches(a.key, a.secret));
  EXPECT_FALSE(key_pair_matches(a.key, b.secret));
}

TEST(Membership, TargetDependsOnKeyAndRoomOnly) {
  Keys a = make_keys();
  Keys b = make_keys();
  EXPECT_EQ(membership_target(a.key, "r"), membership_target(a.key, "r"));
  EXPECT_NE(membership_target(a.key, "r"), membership_target(a.key, "s"));
  EXPECT_NE(membership_target(a.key, "r"), membership_target(b.key, "r"));
  EXPECT_EQ(to_hex(membership_target(a.key, "r")).size(), 40u);
}

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

namespace {

NodeOptions loopback_node(std::string listen) {
  NodeOptions options;
  options.listen = std::move(listen);
  options.lsd = false;
  options.loopback_test_mode = true;
  return options;
}

} // namespace

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
  Keys keys = make_keys();
  Node creator(loopback_node("127.0.0.80:0"));
  auto options = loopback_node("127.0.0.81:0");
  options.bootstrap = {creator.listen_endpoints().front().to_string()};
  Node viewer(options);

  auto put = creator.put_item(keys.key, keys.secret, "room", "d1:ai1ee",
                              std::chrono::seconds(10));
  auto item = viewer.get_item(keys.key, "room", std::chrono::seconds(10));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->value, "d1:ai1ee");
  EXPECT_EQ(item->seq, put.seq);

  auto second = creator.put_item(keys.key, keys.secret, "room", "d1:ai2ee",
                                 std::chrono::seconds(10));
  EXPECT_GT(second.seq, put.seq);
  EXPECT_THROW(creator.put_item(keys.key, make_keys().secret, "room", "i1e",
                                std::chrono::seconds(1)),
               Error);
  EXPECT_THROW(creator.put_item(keys.key, keys.secret, "room", "not bencode",
                                std::chrono::seconds(1)),
               Error);
}
