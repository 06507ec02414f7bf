#include "hlswarm/net/network_options.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/net/host_port.hpp"

using namespace hlswarm;

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

TEST(NetworkOptions, SameOptionsOnAProgramAndItsSubcommand) {
  CLI::App app("test");
  NetworkOptions network;
  add_network_options(app, network, default_listen);
  CLI::App *status = app.add_subcommand("status", "");
  add_network_options(*status, network, any_free_port);
  status->fallthrough();
  EXPECT_NE(status->help().find("a free port"), std::string::npos);
  EXPECT_NE(app.help().find("default 0.0.0.0:6881"), std::string::npos);
  std::vector<std::string> args = {"--peer", "127.0.0.2:7", "status", "--listen",
                                   "127.0.0.1:0", "--no-bootstrap"};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  EXPECT_EQ(network.listen, "127.0.0.1:0");
  EXPECT_TRUE(network.no_bootstrap);
  EXPECT_EQ(network.peers, std::vector<std::string>{"127.0.0.2:7"});
}

TEST(NetworkOptions, NodeOptionsFromThem) {
  ::unsetenv("HLSWARM_BOOTSTRAP");
  NetworkOptions network;
  EXPECT_EQ(make_node_options(network, any_free_port).listen, "0.0.0.0:0");
  EXPECT_EQ(make_node_options(network, default_listen).bootstrap,
            default_bootstrap_nodes());
  network.listen = "127.0.0.1:7";
  network.no_bootstrap = true;
  auto options = make_node_options(network, default_listen, {"127.0.0.3:9"});
  EXPECT_EQ(options.listen, "127.0.0.1:7");
  EXPECT_EQ(options.bootstrap, std::vector<std::string>{"127.0.0.3:9"});
}

TEST(NetworkOptions, PortMappingOnUnlessTurnedOff) {
  ::unsetenv("HLSWARM_NO_PORT_MAPPING");
  ::unsetenv("HLSWARM_DHT_LOOPBACK");
  ::setenv("HLSWARM_BOOTSTRAP", "127.0.0.2:7000", 1);
  CLI::App app("test");
  NetworkOptions network;
  add_network_options(app, network, default_listen);
  EXPECT_NE(app.help().find("--no-port-mapping"), std::string::npos);
  app.parse(std::vector<std::string>{});
  EXPECT_TRUE(make_node_options(network, default_listen).port_mapping);
  app.parse(std::vector<std::string>{"--no-port-mapping"});
  EXPECT_TRUE(network.no_port_mapping);
  EXPECT_FALSE(make_node_options(network, default_listen).port_mapping);

  NetworkOptions unset;
  ::setenv("HLSWARM_NO_PORT_MAPPING", "1", 1);
  EXPECT_FALSE(make_node_options(unset, default_listen).port_mapping);
  ::setenv("HLSWARM_NO_PORT_MAPPING", "0", 1);
  EXPECT_TRUE(make_node_options(unset, default_listen).port_mapping);
  ::unsetenv("HLSWARM_NO_PORT_MAPPING");
  ::unsetenv("HLSWARM_BOOTSTRAP");
}
