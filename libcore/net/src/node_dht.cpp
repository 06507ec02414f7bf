// The DHT side of Node: BEP 44 mutable items (put, get, re-put) and room
// membership (announce, get_peers), plus the node's own DHT entries.
#include "node_impl.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/kademlia/item.hpp>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {

namespace {

lt::span<char const> span_of(std::string_view bytes) {
  return {bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())};
}

lt::dht::public_key lt_key(const PublicKey &key) {
  lt::dht::public_key result;
  result.bytes = key;
  return result;
}

lt::dht::signature lt_signature(const Signature &signature) {
  lt::dht::signature result;
  result.bytes = signature;
  return result;
}

// The item's name in log lines: "<key hex>/<salt>".
std::string item_name(const PublicKey &key, std::string_view salt) {
  return fmt::format("{}/{}", public_key_hex(key), salt);
}

std::string bencoded(const lt::entry &entry) {
  std::string bytes;
  lt::bencode(std::back_inserter(bytes), entry);
  return bytes;
}

// A canonical value (is_canonical_item_value) as libtorrent's put wants it.
lt::entry entry_of(std::string_view value) {
  return lt::entry(lt::bdecode(span_of(value)));
}

} // namespace

std::string item_slot(const PublicKey &key, std::string_view salt) {
  std::string slot(key.data(), key.size());
  slot += salt;
  return slot;
}

// ---------------------------------------------------------------- own entries

void OwnDhtEntries::copy_into(lt::dht::dht_storage_interface &target) const {
  for (const auto &[slot, item] : items) {
    target.put_mutable_item(
        lt::sha1_hash(item_target(item.key, item.salt).data()),
        span_of(item.value),
        lt_signature(item.signature), lt::dht::sequence_number(item.seq),
        lt_key(item.key),
        span_of(item.salt),
        lt::address());
  }
  for (const auto &[member_target, endpoint] : members)
    target.announce_peer(lt::sha1_hash(member_target.data()), endpoint, {}, false);
}

std::vector<std::string> OwnDhtEntries::stored_peers(const DhtTarget &target) {
  std::vector<std::string> result;
  std::lock_guard lock(mutex);
  if (!storage)
    return result;
  // The storage answers as for a get_peers query: compact endpoints, IPv4
  // or IPv6 ones depending on the family of the one asking.
  for (auto requester : {lt::address(lt::address_v4::loopback()),
                         lt::address(lt::address_v6::loopback())}) {
    lt::entry reply;
    storage->get_peers(lt::sha1_hash(target.data()), false, false, requester, reply);
    const lt::entry *values = reply.find_key("values");
    if (!values || values->type() != lt::entry::list_t)
      continue;
    for (const auto &value : values->list()) {
      if (value.type() != lt::entry::string_t)
        continue;
      const std::string &bytes = value.string();
      auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
      if (bytes.size() == 6) {
        lt::address_v4::bytes_type ip;
        std::copy(bytes.begin(), bytes.begin() + 4, ip.begin());
        auto port = static_cast<std::uint16_t>(byte(4) << 8 | byte(5));
        result.push_back(endpoint_text({lt::address_v4(ip), port}));
      } else if (bytes.size() == 18) {
        lt::address_v6::bytes_type ip;
        std::copy(bytes.begin(), bytes.begin() + 16, ip.begin());
        auto port = static_cast<std::uint16_t>(byte(16) << 8 | byte(17));
        result.push_back(endpoint_text({lt::address_v6(ip), port}));
      }
    }
  }
  return result;
}

namespace {

// Forwards to libtorrent's default storage under OwnDhtEntries::mutex.
class GuardedStorage final : public lt::dht::dht_storage_interface {
public:
  GuardedStorage(std::unique_ptr<lt::dht::dht_storage_interface> inner,
                 std::shared_ptr<OwnDhtEntries> own)
      : inner_(std::move(inner)), own_(std::move(own)) {
    std::lock_guard lock(own_->mutex);
    own_->storage = inner_.get();
    own_->copy_into(*inner_);
  }
  ~GuardedStorage() override {
    std::lock_guard lock(own_->mutex);
    if (own_->storage == inner_.get())
      own_->storage = nullptr;
  }
  GuardedStorage(const GuardedStorage &) = delete;
  GuardedStorage &operator=(const GuardedStorage &) = delete;

#if TORRENT_ABI_VERSION == 1
  // Debian builds libtorrent with the deprecated API (ABI version 1), which
  // keeps these two in the interface.
  size_t num_torrents() const override {
    std::lock_guard lock(own_->mutex);
    return inner_->num_torrents();
  }
  size_t num_peers() const override {
    std::lock_guard lock(own_->mutex);
    return inner_->num_peers();
  }
#endif
  void update_node_ids(std::vector<lt::dht::node_id> const &ids) override {
    std::lock_guard lock(own_->mutex);
    inner_->update_node_ids(ids);
  }
  bool get_peers(lt::sha1_hash const &info_hash, bool noseed, bool scrape,
                 lt::address const &requester, lt::entry &peers) const override {
    std::lock_guard lock(own_->mutex);
    return inner_->get_peers(info_hash, noseed, scrape, requester, peers);
  }
  void announce_peer(lt::sha1_hash const &info_hash, lt::tcp::endpoint const &endp,
                     lt::string_view name, bool seed) override {
    std::lock_guard lock(own_->mutex);
    inner_->announce_peer(info_hash, endp, name, seed);
  }
  bool get_immutable_item(lt::sha1_hash const &target, lt::entry &item) const override {
    std::lock_guard lock(own_->mutex);
    return inner_->get_immutable_item(target, item);
  }
  void put_immutable_item(lt::sha1_hash const &target, lt::span<char const> buf,
                          lt::address const &addr) override {
    std::lock_guard lock(own_->mutex);
    inner_->put_immutable_item(target, buf, addr);
  }
  bool get_mutable_item_seq(lt::sha1_hash const &target,
                            lt::dht::sequence_number &seq) const override {
    std::lock_guard lock(own_->mutex);
    return inner_->get_mutable_item_seq(target, seq);
  }
  bool get_mutable_item(lt::sha1_hash const &target, lt::dht::sequence_number seq,
                        bool force_fill, lt::entry &item) const override {
    std::lock_guard lock(own_->mutex);
    return inner_->get_mutable_item(target, seq, force_fill, item);
  }
  void put_mutable_item(lt::sha1_hash const &target, lt::span<char const> buf,
                        lt::dht::signature const &sig, lt::dht::sequence_number seq,
                        lt::dht::public_key const &pk, lt::span<char const> salt,
                        lt::address const &addr) override {
    std::lock_guard lock(own_->mutex);
    inner_->put_mutable_item(target, buf, sig, seq, pk, salt, addr);
  }
  int get_infohashes_sample(lt::entry &item) override {
    std::lock_guard lock(own_->mutex);
    return inner_->get_infohashes_sample(item);
  }
  void tick() override {
    std::lock_guard lock(own_->mutex);
    inner_->tick();
    // Items and peers expire from the default storage; ours must not.
    own_->copy_into(*inner_);
  }
  lt::dht::dht_storage_counters counters() const override {
    std::lock_guard lock(own_->mutex);
    return inner_->counters();
  }

private:
  std::unique_ptr<lt::dht::dht_storage_interface> inner_;
  std::shared_ptr<OwnDhtEntries> own_;
};

} // namespace

lt::dht::dht_storage_constructor_type
own_entries_storage(std::shared_ptr<OwnDhtEntries> own) {
  return [own](lt::settings_interface const &settings)
             -> std::unique_ptr<lt::dht::dht_storage_interface> {
    return std::make_unique<GuardedStorage>(
        lt::dht::dht_default_storage_constructor(settings), own);
  };
}

// ---------------------------------------------------------------- put

namespace {

// Our own DHT storage answers for the item too (see OwnDhtEntries).
void keep_own_item(Node::Impl &impl, const MutableItem &item) {
  std::lock_guard lock(impl.own->mutex);
  impl.own->items[item_slot(item.key, item.salt)] = item;
  if (impl.own->storage)
    impl.own->copy_into(*impl.own->storage);
}

} // namespace

void Node::Impl::start_put(const PublishedItem &published_item, bool republishing) {
  // The callback runs on libtorrent's network thread once the closest nodes
  // have said what they hold; it must not block, so everything it needs
  // travels with it.
  struct Plan {
    PublishedItem published;
    lt::entry value;
    bool republishing;
  };
  auto plan = std::make_shared<Plan>(
      Plan{published_item, entry_of(published_item.item.value), republishing});
  session->dht_put_item(
      published_item.item.key,
      [plan](lt::entry &value, std::array<char, 64> &sig, std::int64_t &seq,
             std::string const &) {
        const MutableItem &ours = plan->published.item;
        if (!plan->published.identity) {
          // Kept for someone else: their signature, their seq. A newer
          // item of theirs out there is stored again as it is.
          if (seq > ours.seq)
            return;
          value = plan->value;
          seq = ours.seq;
          sig = ours.signature;
          return;
        }
        auto put = item_to_put(ours, *plan->published.identity, seq, sig,
                               plan->republishing);
        if (!put)
          return; // a newer item of ours is out there: store it again as is
        value = plan->value;
        seq = put->seq;
        sig = put->signature;
      },
      published_item.item.salt);
}

PutResult Node::put_item(const Identity &identity, std::string salt,
                         std::string value, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  const PublicKey &key = identity.public_key();
  std::string name = item_name(key, salt);
  if (value.size() > max_item_value_bytes)
    throw Error(Exit::data, name,
                fmt::format("value is {} bytes, more than the {} a DHT item may hold",
                            value.size(), max_item_value_bytes));
  if (!is_canonical_item_value(value))
    throw Error(Exit::data, name, "value is not one canonical bencoded object");
  if (impl_->options.dht_read_only)
    throw Error(Exit::software, name, "a read-only DHT node cannot publish");

  auto &impl = *impl_;
  std::string slot = item_slot(key, salt);
  PublishedItem published;
  {
    std::lock_guard lock(impl.mutex);
    std::int64_t last_seq = -1;
    if (auto it = impl.published.find(slot); it != impl.published.end())
      last_seq = std::max(last_seq, it->second.item.seq);
    if (auto it = impl.newest.find(slot); it != impl.newest.end())
      last_seq = std::max(last_seq, it->second.seq);
    published.item = sign_mutable_item(identity, salt, std::move(value),
                                       next_item_seq(last_seq));
    published.identity = identity;
    impl.published[slot] = published;
    impl.newest[slot] = published.item;
    impl.share_head(published.item);
  }
  keep_own_item(impl, published.item);

  PutResult result{published.item.seq, -1};
  wait_for_dht(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(deadline - Clock::now(), Clock::duration::zero())));
  impl.start_put(published, false);
  if (timeout.count() == 0)
    return result;

  std::unique_lock lock(impl.mutex);
  impl.changed.wait_until(lock, deadline, [&] {
    auto it = impl.puts.find(slot);
    return it != impl.puts.end() && it->second.finished_seq >= published.item.seq;
  });
  if (auto it = impl.puts.find(slot);
      it != impl.puts.end() && it->second.finished_seq >= published.item.seq) {
    result.seq = it->second.finished_seq;
    result.stored_on = it->second.stored_on;
  }
  return result;
}

void Node::keep_item(const MutableItem &item) {
  std::string name = item_name(item.key, item.salt);
  if (auto check = check_mutable_item(item, item.key, item.salt, -1);
      check != ItemCheck::ok)
    throw Error(Exit::data, name, fmt::format("cannot keep the item: {}", describe(check)));
  if (impl_->options.dht_read_only)
    throw Error(Exit::software, name, "a read-only DHT node cannot publish");

  auto &impl = *impl_;
  std::string slot = item_slot(item.key, item.salt);
  PublishedItem kept{item, std::nullopt};
  {
    std::lock_guard lock(impl.mutex);
    // The newest of what is given and what this node has seen is kept.
    if (auto it = impl.newest.find(slot); it != impl.newest.end() && it->second.seq > item.seq)
      kept.item = it->second;
    if (auto it = impl.published.find(slot); it != impl.published.end()) {
      if (it->second.identity)
        return; // our own item: put_item keeps it already
      if (it->second.item.seq > kept.item.seq)
        kept.item = it->second.item;
    }
    impl.newest[slot] = kept.item;
    impl.published[slot] = kept;
    keep_own_item(impl, kept.item);
    impl.share_head(kept.item);
  }
  impl.start_put(kept, false);
}

void Node::forget_item(const PublicKey &key, std::string_view salt) {
  std::string slot = item_slot(key, salt);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->published.erase(slot);
  }
  std::lock_guard lock(impl_->own->mutex);
  impl_->own->items.erase(slot);
}

void Node::Impl::republish() {
  for (const auto &[slot, item] : published)
    start_put(item, true);
  for (const auto &target : announced)
    session->dht_announce(lt::sha1_hash(target.data()),
                          listening.empty() ? 0 : listening.front().port);
}

// ---------------------------------------------------------------- get

std::optional<MutableItem> Node::get_item(const PublicKey &key, std::string_view salt,
                                          std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto &impl = *impl_;
  wait_for_dht(timeout);
  std::string slot = item_slot(key, salt);
  {
    std::lock_guard lock(impl.mutex);
    ++impl.item_lookups;
  }
  std::unique_lock lock(impl.mutex);
  auto &lookup = impl.lookups[slot];
  if (lookup.waiters == 0) {
    lookup.best.reset();
    lookup.done = false;
  }
  ++lookup.waiters;
  impl.session->dht_get_item(key, std::string(salt));
  // Answers come from the closest nodes within milliseconds of each other
  // when they are alive; a quarter of a second without a newer item means
  // the rest are slow or dead, and waiting for them gains nothing.
  constexpr auto settle = std::chrono::milliseconds(250);
  while (!lookup.done) {
    auto now = Clock::now();
    auto wake = deadline;
    if (lookup.best) {
      if (now >= lookup.improved_at + settle)
        break;
      wake = std::min(wake, lookup.improved_at + settle);
    }
    if (now >= deadline)
      break;
    impl.changed.wait_until(lock, wake);
  }
  std::optional<MutableItem> result = lookup.best;
  if (--lookup.waiters == 0)
    impl.lookups.erase(slot);
  // An older item than one already accepted is not news: answer the newer.
  if (auto it = impl.newest.find(slot);
      result && it != impl.newest.end() && it->second.seq > result->seq)
    result = it->second;
  return result;
}

void Node::Impl::handle_item_alert(lt::alert *alert) {
  if (auto *a = lt::alert_cast<lt::dht_mutable_item_alert>(alert)) {
    std::string slot = item_slot(a->key, a->salt);
    auto lookup = lookups.find(slot);
    if (a->item.type() != lt::entry::undefined_t) {
      MutableItem item{a->key, a->salt, bencoded(a->item), a->seq, a->signature};
      auto newest_it = newest.find(slot);
      std::int64_t newest_seq = newest_it == newest.end() ? -1 : newest_it->second.seq;
      ItemCheck check = check_mutable_item(item, a->key, a->salt, newest_seq);
      if (check == ItemCheck::ok) {
        newest[slot] = item;
        share_head(item);
        // An item kept for someone else gives way to their newer one.
        if (auto kept = published.find(slot);
            kept != published.end() && !kept->second.identity &&
            kept->second.item.seq < item.seq) {
          kept->second.item = item;
          keep_own_item(*this, item);
        }
        if (lookup != lookups.end() &&
            (!lookup->second.best || lookup->second.best->seq < item.seq)) {
          lookup->second.best = item;
          lookup->second.improved_at = Clock::now();
        }
      } else if (check == ItemCheck::older) {
        // Normal while a new item spreads; the lookup answers the newer one.
        if (a->authoritative)
          diag::notef("dht: {}: ignoring seq {}: {} (seq {})",
                      item_name(a->key, a->salt), item.seq, describe(check),
                      newest_seq);
        if (lookup != lookups.end() && !lookup->second.best) {
          lookup->second.best = newest_it->second;
          lookup->second.improved_at = Clock::now();
        }
      } else {
        diag::warningf("dht: {}: ignoring item seq {}: {}", item_name(a->key, a->salt),
                       item.seq, describe(check));
      }
    }
    if (a->authoritative && lookup != lookups.end())
      lookup->second.done = true;
    return;
  }
  if (auto *a = lt::alert_cast<lt::dht_put_alert>(alert)) {
    if (a->target != lt::sha1_hash())
      return; // an immutable item: not ours
    std::string slot = item_slot(a->public_key, a->salt);
    auto &progress = puts[slot];
    if (a->seq >= progress.finished_seq) {
      progress.finished_seq = a->seq;
      progress.stored_on = a->num_success;
    }
    if (a->num_success > 0)
      ++items_stored;
    if (auto it = published.find(slot); it != published.end() && it->second.identity &&
                                        a->seq > it->second.item.seq) {
      // The put went past a seq found on the DHT: remember what was signed.
      it->second.item.seq = a->seq;
      it->second.item.signature = a->signature;
      newest[slot] = it->second.item;
      share_head(it->second.item);
    }
    // Normal for a private swarm's first node (nobody else yet; its own
    // storage serves the item), a problem for anyone else.
    if (a->num_success == 0 && options.bootstrap.empty())
      diag::notef("dht: {}: put seq {} reached no other DHT node yet",
                  item_name(a->public_key, a->salt), a->seq);
    else if (a->num_success == 0)
      diag::warningf("dht: {}: put seq {} reached no DHT node",
                     item_name(a->public_key, a->salt), a->seq);
    return;
  }
  if (auto *a = lt::alert_cast<lt::dht_get_peers_reply_alert>(alert)) {
    DhtTarget target;
    std::copy(a->info_hash.begin(), a->info_hash.end(), target.begin());
    auto it = found_peers.find(target);
    if (it == found_peers.end())
      return;
    for (const auto &peer : a->peers())
      it->second.insert(endpoint_text(peer));
    return;
  }
}

// ---------------------------------------------------------------- membership

void Node::announce(const DhtTarget &target) {
  auto &impl = *impl_;
  if (impl.options.dht_read_only)
    throw Error(Exit::software, to_hex({target.data(), target.size()}),
                "a read-only DHT node cannot announce");
  std::uint16_t port = listen_port();
  {
    std::lock_guard lock(impl.mutex);
    impl.announced.insert(target);
    // Our own storage answers get_peers for the room with us in it, when we
    // listen on one known address (a node on 0.0.0.0 does not know which
    // of its addresses others reach).
    if (impl.listening.size() == 1) {
      lt::error_code ec;
      auto address = lt::make_address(impl.listening.front().host, ec);
      if (!ec && !address.is_unspecified()) {
        std::lock_guard own_lock(impl.own->mutex);
        impl.own->members[target] = lt::tcp::endpoint(address, port);
        if (impl.own->storage)
          impl.own->copy_into(*impl.own->storage);
      }
    }
  }
  impl.session->dht_announce(lt::sha1_hash(target.data()), port);
}

void Node::leave(const DhtTarget &target) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->announced.erase(target);
  }
  std::lock_guard lock(impl_->own->mutex);
  impl_->own->members.erase(target);
}

std::vector<HostPort> Node::find_peers(const DhtTarget &target,
                                       std::chrono::milliseconds timeout,
                                       std::size_t enough) {
  auto deadline = Clock::now() + timeout;
  auto &impl = *impl_;
  wait_for_dht(timeout);
  {
    std::lock_guard lock(impl.mutex);
    ++impl.peer_lookups;
  }
  std::set<std::string> ours;
  std::unique_lock lock(impl.mutex);
  for (const auto &endpoint : impl.listening)
    ours.insert(endpoint.to_string());
  auto &found = impl.found_peers[target];
  // Our own DHT node may hold announces for the room (a creator that is
  // its viewers' bootstrap node holds them all); lookups never ask it.
  for (const auto &peer : impl.own->stored_peers(target))
    found.insert(peer);
  impl.session->dht_get_peers(lt::sha1_hash(target.data()));
  auto others = [&] {
    std::size_t count = 0;
    for (const auto &peer : found)
      count += ours.count(peer) == 0;
    return count;
  };
  // get_peers answers in pieces and has no end signal of its own: wait for
  // enough peers or the deadline.
  impl.changed.wait_until(lock, deadline, [&] { return others() >= enough; });
  std::vector<HostPort> result;
  for (const auto &peer : found)
    if (!ours.count(peer))
      result.push_back(parse_host_port(peer, "peer"));
  return result;
}

} // namespace hlswarm
