// Distributor offers: what a Super Content Distributor asks for keeping a
// creator's rooms (a price per GB-month, its free capacity, a contact),
// signed with its own key, and how creators find them without knowing any
// distributor beforehand: every offering distributor announces itself on
// the DHT under offers_target() and hands its signed offer to whoever
// connects to the "offers" notice board (net/notice_board.hpp). Encoding
// and decoding live here and nowhere else; decoding treats its input as
// hostile. man hlswarm(7), DISTRIBUTOR OFFERS, is the reference.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/chain/identity.hpp"
#include "hlswarm/net/host_port.hpp"
#include "hlswarm/net/node.hpp"

namespace hlswarm {

class NoticeBoard;

/// The offer format version ("v").
inline constexpr std::int64_t pinner_offer_version = 1;
/// The longest contact string, in bytes.
inline constexpr std::size_t max_offer_contact_bytes = 200;
/// The notice board offers travel on.
inline constexpr std::string_view offers_board_name = "offers";
/// The name of the DHT target offering distributors announce under.
inline constexpr std::string_view offers_target_name = "hlswarm-offers-v1";

/// What a distributor asks. The price is an integer number of millionths
/// of `currency` per GB-month (10^9 bytes kept for 30 days): exact, one
/// encoding per price (bencode has no fractions, and "1.5" and "1.50"
/// would be two encodings of one decimal string), and compared as
/// integers when offers are sorted.
struct PinnerOffer {
  PublicKey key{};               ///< the distributor's ed25519 key
  std::int64_t price_micros = 0; ///< millionths of `currency` per GB-month
  std::string currency;          ///< 3-8 of A-Z 0-9: "EUR", "USD", "BTC"
  std::int64_t free_bytes = 0;   ///< capacity it can still take
  std::string contact;           ///< <= 200 bytes of UTF-8, no control characters
  std::int64_t time_s = 0;       ///< when it was made, Unix seconds
  bool operator==(const PinnerOffer &) const = default;
};

/// An offer and its signed bytes.
struct SignedOffer {
  PinnerOffer offer;
  Signature signature{};
  std::string bytes; ///< the canonical signed encoding
};

/// Why `offer` cannot be encoded (a field out of range), or nullopt.
std::optional<std::string> offer_problem(const PinnerOffer &offer);

/// The bytes the signature covers: the canonical dictionary without "sig":
///   d7:contact<s>3:cur<s>4:freei<bytes>e2:pk32:<key>5:pricei<micros>e
///    3:sig64:<sig>1:ti<unix s>e1:vi1ee   (with "sig" when signed)
/// Error(usage) naming the problem if offer_problem finds one.
std::string encode_unsigned_offer(const PinnerOffer &offer);

/// Signs `offer` with `identity` (whose key becomes offer.key).
SignedOffer sign_offer(PinnerOffer offer, const Identity &identity);

/// Reads an offer from untrusted bytes: canonical bencode of at most 1000
/// bytes, exactly the keys above, version 1, every field in range, and a
/// signature that verifies with "pk". Error(data) with subject `what`.
SignedOffer decode_offer(std::string_view bytes, std::string_view what);

/// "2.5", "0.000001", "12": a price as a decimal number of currency units
/// (at most 6 decimals) in millionths. Error(usage) naming `what`.
std::int64_t parse_price(std::string_view text, std::string_view what);
/// The inverse, with at least two decimals: "2.50", "0.000001", "12.00".
std::string format_price(std::int64_t micros);

/// The DHT target offering distributors announce under:
/// SHA-1("hlswarm-offers-v1").
DhtTarget offers_target();

/// Publishes a distributor's offer while it lives: announces the node
/// under offers_target() and posts the signed offer on the offers board.
class OfferPublisher {
public:
  /// Signs `offer` (its time set to now) with `identity` and publishes it.
  /// Error(usage) for an offer out of range.
  OfferPublisher(Node &node, const Identity &identity, PinnerOffer offer);
  /// Stops announcing and takes the offer off the board.
  ~OfferPublisher();
  OfferPublisher(const OfferPublisher &) = delete;
  OfferPublisher &operator=(const OfferPublisher &) = delete;

  /// Replaces the offer (signed again, time now): peers met from now on
  /// get this one.
  void update(PinnerOffer offer);
  /// The offer as published.
  const SignedOffer &current() const { return current_; }

private:
  Node &node_;
  Identity identity_;
  std::shared_ptr<NoticeBoard> board_;
  SignedOffer current_;
};

/// An offer found, and where the distributor listens.
struct FoundOffer {
  PinnerOffer offer;
  HostPort where;
};

/// Orders offers cheapest first: by currency (prices in different
/// currencies do not compare), price, then the most free capacity.
void sort_cheapest_first(std::vector<FoundOffer> &offers);

/// Finds the distributors announced under offers_target() and reads their
/// offers from the board within `timeout` (the DHT lookup takes up to half
/// of it): verified offers only, one per key (the newest), cheapest first.
/// An offer that fails its checks is a warning on stderr and left out.
std::vector<FoundOffer> find_offers(Node &node, std::chrono::milliseconds timeout);

} // namespace hlswarm
