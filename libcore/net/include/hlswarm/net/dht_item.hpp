// BEP 44 mutable items (room heads) and DHT targets, without a session:
// what a signature covers, signing, checking an item read from the network,
// which seq a put uses, and the SHA-1 targets items and room members live
// under. Node (node.hpp) puts and gets them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/chain/ed25519.hpp"
#include "hlswarm/chain/identity.hpp"

namespace hlswarm {

/// A 160-bit DHT target (what get_peers, announce_peer and BEP 44 look up).
using DhtTarget = std::array<char, 20>;

/// BEP 44: the bencoded value of a DHT item is at most this many bytes.
inline constexpr std::size_t max_item_value_bytes = 1000;

/// A BEP 44 mutable item as read from (or put on) the DHT.
struct MutableItem {
  PublicKey key{};
  std::string salt;
  std::string value; ///< bencoded, at most max_item_value_bytes
  std::int64_t seq = 0;
  Signature signature{};
};

/// The bytes a BEP 44 signature covers: "4:salt<n>:<salt>" (only when the
/// salt is not empty) "3:seqi<seq>e1:v" and the bencoded value.
std::string mutable_item_signed_bytes(std::string_view salt, std::int64_t seq,
                                      std::string_view value);

/// The item (identity's key, salt, value, seq) signed by `identity`.
MutableItem sign_mutable_item(const Identity &identity, std::string salt,
                              std::string value, std::int64_t seq);

/// True when `value` is one bencoded object in canonical form (sorted
/// keys, no leading zeros), as an item's value must be: the signature
/// covers the bytes that DHT nodes re-encode.
bool is_canonical_item_value(std::string_view value);

/// Why an item read from the DHT is accepted or ignored.
enum class ItemCheck {
  ok,
  wrong_key,      ///< not the key that was asked for
  wrong_salt,     ///< not the salt that was asked for
  too_large,      ///< value over max_item_value_bytes
  not_bencoded,   ///< value is not one canonical bencoded object
  bad_signature,  ///< signature does not verify with the key
  older,          ///< seq lower than one already accepted
};

/// Checks an item against the key and salt that were asked for and the
/// newest seq already accepted (`newest_seq`, -1 if none). libtorrent drops
/// items whose signature fails; this is the same check at our level, plus
/// the ones libtorrent cannot know (older than what we saw).
ItemCheck check_mutable_item(const MutableItem &item, const PublicKey &key,
                             std::string_view salt, std::int64_t newest_seq);

/// Text for an ItemCheck, for log lines ("bad signature").
std::string_view describe(ItemCheck check);

/// The seq of a new item: Unix milliseconds now, so that it grows across
/// restarts even when the DHT has forgotten the item, and at least
/// `last_seq` + 1 (the last seq put or seen for it; -1 if none), so that it
/// grows within a millisecond and past a clock that went back.
std::int64_t next_item_seq(std::int64_t last_seq);

/// What a put stores once the closest nodes said what they hold (its seq
/// `found_seq` and signature `found_signature`; seq 0 if nothing): `ours`
/// when what they hold is older or is ours; `ours` re-signed at found_seq + 1
/// when they hold a seq as high for another value (another process with the
/// same key, or our clock went back). nullopt when `republishing` and they
/// hold a higher seq: a newer item of ours, to be stored again as it is.
std::optional<MutableItem> item_to_put(const MutableItem &ours,
                                       const Identity &identity,
                                       std::int64_t found_seq,
                                       const Signature &found_signature,
                                       bool republishing);

/// The DHT target of the item under (key, salt): SHA-1(key || salt).
DhtTarget item_target(const PublicKey &key, std::string_view salt);

/// The DHT target under which members of a room announce themselves:
/// SHA-1("hlswarm-room-v1" || public key || room name). It differs from the
/// room head's item_target.
DhtTarget membership_target(const PublicKey &key, std::string_view room_name);

/// A well-known DHT target: SHA-1(name). Peers that offer a service
/// announce themselves under the service's name ("hlswarm-offers-v1").
DhtTarget named_target(std::string_view name);

} // namespace hlswarm
