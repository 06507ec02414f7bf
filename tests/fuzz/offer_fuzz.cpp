// libFuzzer target: a distributor's offer as any peer of the offers board
// may hand it over. Besides not crashing, an offer that decodes must be
// the canonical encoding of what it decoded to.
#include <cstdint>
#include <string_view>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/room/pinner_offer.hpp"
#include "seeds.hpp"

using namespace hlswarm;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  PinnerOffer offer;
  offer.price_micros = 1'250'000;
  offer.currency = "EUR";
  offer.free_bytes = 500LL << 30;
  offer.contact = "mailto:pins@example.org";
  offer.time_s = 1'700'000'000;
  fuzz::write_seeds({sign_offer(offer, fuzz::creator()).bytes});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  try {
    SignedOffer offer = decode_offer(bytes, "fuzz");
    auto dict = bencode::decode(encode_unsigned_offer(offer.offer), "fuzz").dict("fuzz");
    dict.emplace("sig", std::string(offer.signature.begin(), offer.signature.end()));
    if (bencode::encode(dict) != bytes)
      __builtin_trap(); // accepted other bytes than the canonical offer
  } catch (const Error &) {
  }
  return 0;
}
