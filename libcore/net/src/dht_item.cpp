#include "hlswarm/net/dht_item.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <libtorrent/hasher.hpp>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/net/transfer_stats.hpp"

namespace hlswarm {
namespace {

std::string_view bytes_of(const PublicKey &key) { return {key.data(), key.size()}; }

lt::span<char const> span_of(std::string_view bytes) {
  return {bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())};
}

DhtTarget target_of(const lt::sha1_hash &digest) {
  DhtTarget target;
  std::copy(digest.begin(), digest.end(), target.begin());
  return target;
}

} // namespace

std::string mutable_item_signed_bytes(std::string_view salt, std::int64_t seq,
                                      std::string_view value) {
  std::string bytes;
  if (!salt.empty())
    bytes = fmt::format("4:salt{}:{}", salt.size(), salt);
  bytes += fmt::format("3:seqi{}e1:v", seq);
  bytes += value;
  return bytes;
}

MutableItem sign_mutable_item(const Identity &identity, std::string salt,
                              std::string value, std::int64_t seq) {
  MutableItem item{identity.public_key(), std::move(salt), std::move(value), seq, {}};
  item.signature = identity.sign(mutable_item_signed_bytes(item.salt, seq, item.value));
  return item;
}

bool is_canonical_item_value(std::string_view value) {
  // At most 1000 bytes hold at most 500 values; libtorrent nests 100 deep.
  constexpr bencode::Limits limits{
      .max_bytes = max_item_value_bytes, .max_depth = 100, .max_items = 1000};
  try {
    bencode::decode(value, "item value", limits);
    return true;
  } catch (const Error &) {
    return false;
  }
}

ItemCheck check_mutable_item(const MutableItem &item, const PublicKey &key,
                             std::string_view salt, std::int64_t newest_seq) {
  if (item.key != key)
    return ItemCheck::wrong_key;
  if (item.salt != salt)
    return ItemCheck::wrong_salt;
  if (item.value.size() > max_item_value_bytes)
    return ItemCheck::too_large;
  if (!is_canonical_item_value(item.value))
    return ItemCheck::not_bencoded;
  if (!verify_signature(item.key,
                        mutable_item_signed_bytes(item.salt, item.seq, item.value),
                        item.signature))
    return ItemCheck::bad_signature;
  if (item.seq < newest_seq)
    return ItemCheck::older;
  return ItemCheck::ok;
}

std::string_view describe(ItemCheck check) {
  switch (check) {
  case ItemCheck::ok: return "ok";
  case ItemCheck::wrong_key: return "signed for another key";
  case ItemCheck::wrong_salt: return "stored under another salt";
  case ItemCheck::too_large: return "value larger than 1000 bytes";
  case ItemCheck::not_bencoded: return "value is not canonical bencode";
  case ItemCheck::bad_signature: return "bad signature";
  case ItemCheck::older: return "older than an item already seen";
  }
  return "unknown";
}

std::int64_t next_item_seq(std::int64_t last_seq) {
  return std::max(unix_time_ms(), last_seq + 1);
}

std::optional<MutableItem> item_to_put(const MutableItem &ours,
                                       const Identity &identity,
                                       std::int64_t found_seq,
                                       const Signature &found_signature,
                                       bool republishing) {
  bool same_item = found_seq == ours.seq && found_signature == ours.signature;
  if (found_seq < ours.seq || same_item)
    return ours;
  if (republishing && found_seq > ours.seq)
    return std::nullopt;
  return sign_mutable_item(identity, ours.salt, ours.value, found_seq + 1);
}

DhtTarget item_target(const PublicKey &key, std::string_view salt) {
  // libtorrent's item_target_id is not exported from its shared library.
  lt::hasher h(span_of(bytes_of(key)));
  h.update(span_of(salt));
  return target_of(h.final());
}

DhtTarget membership_target(const PublicKey &key, std::string_view room_name) {
  lt::hasher h("hlswarm-room-v1");
  h.update(span_of(bytes_of(key)));
  h.update(span_of(room_name));
  return target_of(h.final());
}

DhtTarget named_target(std::string_view name) {
  lt::hasher h(span_of(name));
  return target_of(h.final());
}

} // namespace hlswarm
