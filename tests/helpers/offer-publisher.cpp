// offer-publisher: a TEST-ONLY distributor that publishes a signed offer
// (room/pinner_offer.hpp) and waits, until peer-seed does it. Not installed.
//
//   offer-publisher --key FILE --price 2.50 --currency EUR --free 10G
//                   [--contact TEXT] [network options] [--for DURATION]
//
// Prints {"v":1,"key":HEX,"listen":"IP:PORT"} once the offer is published.
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/base/tool.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/net/network_options.hpp"
#include "hlswarm/net/node.hpp"
#include "hlswarm/room/pinner_offer.hpp"

using namespace hlswarm;

int main(int argc, char **argv) {
  Tool tool("offer-publisher", "test distributor publishing an offer (not installed)");
  CLI::App &app = tool.app();
  NetworkOptions network;
  std::string key_file, price, contact;
  PinnerOffer offer;
  std::chrono::seconds linger{3600};
  app.add_option("--key", key_file, "distributor key file (created if missing)")->required();
  app.add_option("--price", price, "price per GB-month, a decimal number")->required();
  app.add_option("--currency", offer.currency, "currency code")->required();
  app.add_option("--contact", offer.contact, "contact string");
  add_size_option(app, "--free",
                  [&](std::uint64_t bytes) { offer.free_bytes = static_cast<std::int64_t>(bytes); },
                  "free capacity")->required();
  add_duration_option(app, "--for", [&](std::chrono::seconds s) { linger = s; },
                      "publish for DURATION, then exit 0");
  add_network_options(app, network, default_listen);
  return tool.run(argc, argv, [&] {
    offer.price_micros = parse_price(price, "--price");
    Identity identity = open_identity(key_file, true);
    Node node(make_node_options(network, default_listen));
    OfferPublisher publisher(node, identity, offer);
    write_json_line({{"v", 1},
                     {"key", identity.public_key_hex()},
                     {"listen", node.listen_endpoints().front().to_string()}});
    wait_for_stop(linger); // a stop request is the normal end
    return Exit::ok;
  });
}
