// Distributor offers: the signed format and how they are found.
#include "hlswarm/room/pinner_offer.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/chain/record.hpp"
#include "hlswarm/net/notice_board.hpp"
#include "hlswarm/net/transfer_stats.hpp"
#include "bencode_fields.hpp"

namespace hlswarm {
namespace {

using Clock = std::chrono::steady_clock;

// An offer is one flat dictionary of eight keys, well under a notice.
constexpr bencode::Limits offer_limits{.max_bytes = max_notice_bytes,
                                       .max_depth = 1, .max_items = 24};

bool is_currency_code(std::string_view code) {
  return code.size() >= 3 && code.size() <= 8 &&
         std::all_of(code.begin(), code.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

bencode::Dict unsigned_dict(const PinnerOffer &offer) {
  return bencode::Dict{
      {"contact", offer.contact},
      {"cur", offer.currency},
      {"free", offer.free_bytes},
      {"pk", std::string(offer.key.begin(), offer.key.end())},
      {"price", offer.price_micros},
      {"t", offer.time_s},
      {"v", pinner_offer_version}};
}

} // namespace

std::optional<std::string> offer_problem(const PinnerOffer &offer) {
  // Integers stay below 2^53 so that JSON readers (doubles) get them exactly.
  if (offer.price_micros < 0 || offer.price_micros > max_record_integer)
    return fmt::format("price {} out of range", offer.price_micros);
  if (!is_currency_code(offer.currency))
    return fmt::format("currency '{}' is not 3-8 of A-Z 0-9", offer.currency);
  if (offer.free_bytes < 0 || offer.free_bytes > max_record_integer)
    return fmt::format("free capacity {} out of range", offer.free_bytes);
  if (offer.contact.size() > max_offer_contact_bytes)
    return fmt::format("contact is {} bytes, at most {}", offer.contact.size(),
                       max_offer_contact_bytes);
  // Contacts are printed on terminals: no escape sequences.
  if (!is_clean_utf8(offer.contact))
    return std::string("contact is not UTF-8 without control characters");
  if (offer.time_s < 0 || offer.time_s > max_record_integer)
    return fmt::format("time {} out of range", offer.time_s);
  return std::nullopt;
}

std::string encode_unsigned_offer(const PinnerOffer &offer) {
  if (auto problem = offer_problem(offer))
    throw Error(Exit::usage, "offer", *problem);
  return bencode::encode(unsigned_dict(offer));
}

SignedOffer sign_offer(PinnerOffer offer, const Identity &identity) {
  offer.key = identity.public_key();
  SignedOffer signed_offer;
  signed_offer.signature = identity.sign(encode_unsigned_offer(offer));
  bencode::Dict dict = unsigned_dict(offer);
  dict.emplace("sig", std::string(signed_offer.signature.begin(),
                                  signed_offer.signature.end()));
  signed_offer.bytes = bencode::encode(dict);
  signed_offer.offer = std::move(offer);
  return signed_offer;
}

SignedOffer decode_offer(std::string_view bytes, std::string_view what) {
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, what, fmt::format("offer: {}", reason));
  };
  bencode::Value decoded = bencode::decode(bytes, what, offer_limits);
  const bencode::Dict &dict = decoded.dict("offer");
  expect_exact_keys(dict, {"contact", "cur", "free", "pk", "price", "sig", "t", "v"},
                    what, "offer");
  auto field = [&](const char *key) -> const bencode::Value & {
    return dict.find(key)->second;
  };
  if (auto v = field("v").integer("v"); v != pinner_offer_version)
    throw fail(fmt::format("version {} is not {}", v, pinner_offer_version));
  SignedOffer result;
  PinnerOffer &offer = result.offer;
  const std::string &pk = field("pk").string("pk");
  const std::string &sig = field("sig").string("sig");
  if (pk.size() != offer.key.size())
    throw fail("pk is not 32 bytes");
  if (sig.size() != result.signature.size())
    throw fail("sig is not 64 bytes");
  std::copy(pk.begin(), pk.end(), offer.key.begin());
  std::copy(sig.begin(), sig.end(), result.signature.begin());
  offer.contact = field("contact").string("contact");
  offer.currency = field("cur").string("cur");
  offer.free_bytes = field("free").integer("free");
  offer.price_micros = field("price").integer("price");
  offer.time_s = field("t").integer("t");
  if (auto problem = offer_problem(offer))
    throw fail(*problem);
  if (!verify_signature(offer.key, bencode::encode(unsigned_dict(offer)),
                        result.signature))
    throw fail("bad signature");
  result.bytes = std::string(bytes);
  return result;
}

std::int64_t parse_price(std::string_view text, std::string_view what) {
  auto fail = [&] {
    return Error(Exit::usage, what,
                 fmt::format("'{}' is not a price (a decimal number such as "
                             "2.50, at most 6 decimals)", text));
  };
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || !digits(fraction) ||
      fraction.size() > 6 || (dot != std::string_view::npos && fraction.empty()))
    throw fail();
  std::int64_t micros = 0;
  for (char c : whole)
    micros = micros * 10 + (c - '0');
  for (std::size_t i = 0; i < 6; ++i)
    micros = micros * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  return micros;
}

std::string format_price(std::int64_t micros) {
  std::string fraction = fmt::format("{:06}", micros % 1'000'000);
  while (fraction.size() > 2 && fraction.back() == '0')
    fraction.pop_back();
  return fmt::format("{}.{}", micros / 1'000'000, fraction);
}

DhtTarget offers_target() { return named_target(offers_target_name); }

OfferPublisher::OfferPublisher(Node &node, const Identity &identity,
                               PinnerOffer offer)
    : node_(node), identity_(identity), board_(node.join_board(offers_board_name)) {
  update(std::move(offer));
  node_.announce(offers_target());
}

OfferPublisher::~OfferPublisher() {
  node_.leave(offers_target());
  board_->post({});
}

void OfferPublisher::update(PinnerOffer offer) {
  offer.time_s = unix_time_ms() / 1000;
  current_ = sign_offer(std::move(offer), identity_);
  board_->post(current_.bytes);
}

void sort_cheapest_first(std::vector<FoundOffer> &offers) {
  std::sort(offers.begin(), offers.end(), [](const FoundOffer &a, const FoundOffer &b) {
    const PinnerOffer &x = a.offer;
    const PinnerOffer &y = b.offer;
    return std::tie(x.currency, x.price_micros, y.free_bytes, x.key) <
           std::tie(y.currency, y.price_micros, x.free_bytes, y.key);
  });
}

std::vector<FoundOffer> find_offers(Node &node, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto board = node.join_board(offers_board_name);
  std::vector<HostPort> distributors =
      node.find_peers(offers_target(), timeout / 2, 64);
  board->connect(distributors);
  // Each distributor's notice comes with its handshake, a round trip
  // after the connection: done once every one found has answered.
  auto answered = [&] {
    std::size_t count = 0;
    for (const auto &notice : board->notices())
      count += std::find(distributors.begin(), distributors.end(), notice.from) !=
               distributors.end();
    return count;
  };
  while (answered() < distributors.size() && Clock::now() < deadline &&
         !stop_requested())
    wait_for_stop(std::chrono::milliseconds(50));

  std::map<PublicKey, FoundOffer> newest;
  for (const auto &notice : board->notices()) {
    std::string what = fmt::format("offer from {}", notice.from.to_string());
    try {
      SignedOffer found = decode_offer(notice.notice, what);
      auto [it, added] = newest.try_emplace(found.offer.key,
                                            FoundOffer{found.offer, notice.from});
      if (!added && it->second.offer.time_s < found.offer.time_s)
        it->second = FoundOffer{found.offer, notice.from};
    } catch (const Error &e) {
      diag::warning(e.what());
    }
  }
  std::vector<FoundOffer> offers;
  for (auto &[key, found] : newest)
    offers.push_back(std::move(found));
  sort_cheapest_first(offers);
  return offers;
}

} // namespace hlswarm
