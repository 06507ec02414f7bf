#include "hlswarm/net/dht_item.hpp"

#include <gtest/gtest.h>
#include <libtorrent/kademlia/ed25519.hpp>
#include <libtorrent/kademlia/item.hpp>

#include "hlswarm/chain/identity.hpp"

using namespace hlswarm;

namespace {

MutableItem signed_item(const Identity &identity, std::string salt,
                        std::string value, std::int64_t seq) {
  return sign_mutable_item(identity, std::move(salt), std::move(value), seq);
}

} // namespace

TEST(MutableItem, SignedBytesFollowBep44) {
  EXPECT_EQ(mutable_item_signed_bytes("", 1, "12:Hello World!"),
            "3:seqi1e1:v12:Hello World!");
  EXPECT_EQ(mutable_item_signed_bytes("foobar", 1, "12:Hello World!"),
            "4:salt6:foobar3:seqi1e1:v12:Hello World!");
}

TEST(MutableItem, LibtorrentSignaturesVerifyWithOurBytes) {
  Identity identity = Identity::generate();
  auto [key, secret] = lt::dht::ed25519_create_keypair(identity.seed());
  std::string value = "d4:head3:abce";
  MutableItem item{identity.public_key(), "room", value, 42, {}};
  item.signature = lt::dht::sign_mutable_item({value.data(), 13}, {"room", 4},
                                              lt::dht::sequence_number(42), key, secret)
                       .bytes;
  EXPECT_EQ(item.signature, signed_item(identity, "room", value, 42).signature);
  EXPECT_EQ(check_mutable_item(item, identity.public_key(), "room", -1), ItemCheck::ok);
  EXPECT_EQ(check_mutable_item(item, identity.public_key(), "room", 42), ItemCheck::ok);
}

TEST(MutableItem, ForgedWrongOrOlderItemsAreRejected) {
  Identity creator = Identity::generate();
  Identity forger = Identity::generate();
  auto good = signed_item(creator, "room", "i1e", 10);

  auto forged = signed_item(forger, "room", "i2e", 11);
  forged.key = creator.public_key(); // claims the creator's key, signed by another
  EXPECT_EQ(check_mutable_item(forged, creator.public_key(), "room", -1), ItemCheck::bad_signature);

  auto tampered = good;
  tampered.value = "i3e";
  EXPECT_EQ(check_mutable_item(tampered, creator.public_key(), "room", -1), ItemCheck::bad_signature);
  auto replayed = good;
  replayed.seq = 12; // same signature, higher seq
  EXPECT_EQ(check_mutable_item(replayed, creator.public_key(), "room", -1), ItemCheck::bad_signature);

  auto other_key = signed_item(forger, "room", "i1e", 10);
  EXPECT_EQ(check_mutable_item(other_key, creator.public_key(), "room", -1), ItemCheck::wrong_key);
  EXPECT_EQ(check_mutable_item(good, creator.public_key(), "other", -1), ItemCheck::wrong_salt);
  EXPECT_EQ(check_mutable_item(good, creator.public_key(), "room", 11), ItemCheck::older);

  auto big = signed_item(creator, "room", "1001:" + std::string(1001, 'x'), 1);
  EXPECT_EQ(check_mutable_item(big, creator.public_key(), "room", -1), ItemCheck::too_large);
  auto not_bencode = signed_item(creator, "room", "hello", 1);
  EXPECT_EQ(check_mutable_item(not_bencode, creator.public_key(), "room", -1), ItemCheck::not_bencoded);
  auto unsorted = signed_item(creator, "room", "d1:bi1e1:ai2ee", 1);
  EXPECT_EQ(check_mutable_item(unsorted, creator.public_key(), "room", -1), ItemCheck::not_bencoded);
}

TEST(MutableItem, SeqGrowsPastTheLastAndTheClock) {
  std::int64_t now = next_item_seq(-1);
  EXPECT_GT(now, 1700000000000); // Unix milliseconds
  EXPECT_EQ(next_item_seq(now + 1000), now + 1001);
}

TEST(MutableItem, PutGoesPastAHigherSeqOfAnotherValue) {
  Identity identity = Identity::generate();
  auto ours = signed_item(identity, "room", "i1e", 100);
  EXPECT_EQ(item_to_put(ours, identity, 0, {}, false)->seq, 100) << "nothing found";
  EXPECT_EQ(item_to_put(ours, identity, 99, {}, false)->seq, 100) << "older found";
  EXPECT_EQ(item_to_put(ours, identity, 100, ours.signature, true)->seq, 100)
      << "ours found";
  auto past = item_to_put(ours, identity, 120, {}, false);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->seq, 121);
  EXPECT_EQ(check_mutable_item(*past, identity.public_key(), "room", -1), ItemCheck::ok);
  EXPECT_FALSE(item_to_put(ours, identity, 120, {}, true)) << "newer of ours";
}

TEST(DhtTarget, MembershipTargetDependsOnKeyAndRoomOnly) {
  PublicKey a = Identity::generate().public_key();
  PublicKey b = Identity::generate().public_key();
  EXPECT_EQ(membership_target(a, "r"), membership_target(a, "r"));
  EXPECT_NE(membership_target(a, "r"), membership_target(a, "s"));
  EXPECT_NE(membership_target(a, "r"), membership_target(b, "r"));
}

TEST(DhtTarget, ItemAndMembershipTargetsDiffer) {
  Identity identity = Identity::generate();
  EXPECT_NE(item_target(identity.public_key(), "room"),
            membership_target(identity.public_key(), "room"));
  EXPECT_NE(item_target(identity.public_key(), "room"),
            item_target(identity.public_key(), "hall"));
}
