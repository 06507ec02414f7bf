#include "hlswarm/room/pinner_offer.hpp"

#include <gtest/gtest.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "record_fixtures.hpp"

using namespace hlswarm;

namespace {

PinnerOffer an_offer() {
  PinnerOffer offer;
  offer.price_micros = 2'500'000;
  offer.currency = "EUR";
  offer.free_bytes = 10LL << 30;
  offer.contact = "mailto:pins@example.org";
  offer.time_s = 1'795'627'511;
  return offer;
}

void expect_rejected(const std::string &bytes, const char *why) {
  try {
    decode_offer(bytes, "t");
    ADD_FAILURE() << "accepted: " << why;
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), Exit::data) << why << ": " << e.what();
  }
}

// The signed offer's dictionary with one value replaced (the signature
// kept as it was).
std::string altered(const SignedOffer &offer, const std::string &key, bencode::Value value) {
  bencode::Dict dict = bencode::decode(offer.bytes, "t", {.max_bytes = 1000}).dict("t");
  dict.insert_or_assign(key, std::move(value));
  return bencode::encode(dict);
}

} // namespace

TEST(PinnerOffer, SignedOfferRoundTrips) {
  Identity id = creator();
  SignedOffer signed_offer = sign_offer(an_offer(), id);
  EXPECT_EQ(signed_offer.offer.key, id.public_key());
  EXPECT_LE(signed_offer.bytes.size(), 1000u);
  SignedOffer back = decode_offer(signed_offer.bytes, "t");
  EXPECT_EQ(back.offer, signed_offer.offer);
  EXPECT_EQ(back.bytes, signed_offer.bytes);
}

TEST(PinnerOffer, AnAlteredOfferIsRejected) {
  SignedOffer signed_offer = sign_offer(an_offer(), creator());
  expect_rejected(altered(signed_offer, "price", 1), "a lower price");
  expect_rejected(altered(signed_offer, "free", std::int64_t{1} << 40), "more capacity");
  expect_rejected(altered(signed_offer, "contact", "mailto:thief@example.org"),
                  "another contact");
  expect_rejected(altered(signed_offer, "t", 1'900'000'000), "a newer time");
}

TEST(PinnerOffer, AForgedOfferIsRejected) {
  Identity victim = creator(3);
  Identity forger = creator(4);
  SignedOffer forged = sign_offer(an_offer(), forger);
  // The victim's key with the forger's signature.
  expect_rejected(altered(forged, "pk", std::string(victim.public_key().begin(),
                                                    victim.public_key().end())),
                  "another key's offer");
  std::string sig(64, '\0');
  expect_rejected(altered(forged, "sig", sig), "a zero signature");
}

TEST(PinnerOffer, HostileBytesAreRejected) {
  SignedOffer signed_offer = sign_offer(an_offer(), creator());
  const std::string &bytes = signed_offer.bytes;
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1})
    expect_rejected(bytes.substr(0, cut), "truncated");
  expect_rejected(altered(signed_offer, "v", 2), "another version");
  expect_rejected(altered(signed_offer, "x", 1), "an unknown key");
  expect_rejected(std::string(2000, 'd'), "too long");
  // Out of range, even when properly signed.
  auto signed_raw = [](PinnerOffer offer) {
    Identity id = creator();
    offer.key = id.public_key();
    bencode::Dict dict{{"contact", offer.contact}, {"cur", offer.currency},
                       {"free", offer.free_bytes},
                       {"pk", std::string(offer.key.begin(), offer.key.end())},
                       {"price", offer.price_micros}, {"t", offer.time_s}, {"v", 1}};
    Signature sig = id.sign(bencode::encode(dict));
    dict.emplace("sig", std::string(sig.begin(), sig.end()));
    return bencode::encode(dict);
  };
  PinnerOffer offer = an_offer();
  offer.price_micros = -1;
  expect_rejected(signed_raw(offer), "a negative price");
  offer = an_offer();
  offer.contact = std::string(201, 'c');
  expect_rejected(signed_raw(offer), "a contact over 200 bytes");
  offer = an_offer();
  offer.contact = "\x1b[31mred";
  expect_rejected(signed_raw(offer), "a contact with an escape sequence");
  offer = an_offer();
  offer.currency = "eur";
  expect_rejected(signed_raw(offer), "a lower-case currency");
}

TEST(PinnerOffer, SigningRefusesAnOfferOutOfRange) {
  PinnerOffer offer = an_offer();
  offer.contact = std::string(201, 'c');
  EXPECT_THROW(sign_offer(offer, creator()), Error);
}

TEST(PinnerOffer, PricesAreExactDecimals) {
  EXPECT_EQ(parse_price("2.5", "t"), 2'500'000);
  EXPECT_EQ(parse_price("0.000001", "t"), 1);
  EXPECT_EQ(parse_price("12", "t"), 12'000'000);
  for (const char *bad : {"", ".5", "1.", "1.0000001", "-1", "1e3", "1,5", "abc"})
    EXPECT_THROW(parse_price(bad, "t"), Error) << bad;
  EXPECT_EQ(format_price(2'500'000), "2.50");
  EXPECT_EQ(format_price(1), "0.000001");
  EXPECT_EQ(format_price(12'000'000), "12.00");
}

TEST(PinnerOffer, CheapestFirstWithinACurrency) {
  auto found = [](std::int64_t price, std::string currency, std::int64_t free, char key) {
    FoundOffer f;
    f.offer.price_micros = price;
    f.offer.currency = std::move(currency);
    f.offer.free_bytes = free;
    f.offer.key.fill(key);
    return f;
  };
  std::vector<FoundOffer> offers{found(3, "EUR", 1, 'a'), found(1, "USD", 1, 'b'),
                                 found(1, "EUR", 1, 'c'), found(1, "EUR", 9, 'd')};
  sort_cheapest_first(offers);
  std::string order;
  for (const auto &offer : offers)
    order += offer.offer.key[0];
  EXPECT_EQ(order, "dcab");
}
