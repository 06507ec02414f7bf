#include "hlswarm/room/hls_gateway.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "temp_folder.hpp"

namespace hlswarm {
namespace {

TEST(GatewayAddress, PortAloneIsLoopback) {
  EXPECT_EQ(parse_gateway_address(":8080"), (HostPort{"127.0.0.1", 8080}));
  EXPECT_EQ(parse_gateway_address("0.0.0.0:80"), (HostPort{"0.0.0.0", 80}));
  EXPECT_EQ(parse_gateway_address("[::1]:0"), (HostPort{"::1", 0}));
  EXPECT_THROW(parse_gateway_address("8080"), Error);
  EXPECT_THROW(parse_gateway_address(":"), Error);
}

class HlsGatewayTest : public test::TempFolderTest {
protected:
  HlsGatewayTest() {
    std::filesystem::create_directories(folder_ / "hls");
    for (int i = 0; i < 100000; ++i)
      segment_.push_back(static_cast<char>(i * 7 % 251));
  }

  /// A client of the gateway.
  httplib::Client client() {
    std::string url = gateway_.url(); // http://HOST:PORT/
    HostPort where = parse_host_port(url.substr(7, url.size() - 8), "url");
    return httplib::Client(where.host, where.port);
  }

  std::string path(const std::string &name) {
    std::string playlist = gateway_.playlist_path();
    return playlist.substr(0, playlist.rfind('/') + 1) + name;
  }

  std::string segment_;
  HlsGateway gateway_{HostPort{"127.0.0.1", 0}, Room{{}, "news"}, folder_ / "hls"};
};

TEST_F(HlsGatewayTest, ServesTheFolderWithTypesCachingAndRanges) {
  write_file_atomically(folder_ / "hls" / "index.m3u8", "#EXTM3U\n#EXTINF:2,\nseg0.ts\n");
  write_file_atomically(folder_ / "hls" / "seg0.ts", segment_);
  auto http = client();

  auto playlist = http.Get(gateway_.playlist_path());
  ASSERT_TRUE(playlist);
  EXPECT_EQ(playlist->status, 200);
  EXPECT_EQ(playlist->body, "#EXTM3U\n#EXTINF:2,\nseg0.ts\n");
  EXPECT_EQ(playlist->get_header_value("Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(playlist->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(playlist->get_header_value("Access-Control-Allow-Origin"), "*");

  auto whole = http.Get(path("seg0.ts"));
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, segment_);
  EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp2t");
  EXPECT_EQ(whole->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");

  auto range = http.Get(path("seg0.ts"), {{"Range", "bytes=70000-70009"}});
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, segment_.substr(70000, 10));
  EXPECT_EQ(range->get_header_value("Content-Range"), "bytes 70000-70009/100000");

  auto redirect = http.Get("/index.m3u8");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location"), gateway_.playlist_path());
}

TEST_F(HlsGatewayTest, AnythingNotThereIs503WhileGrowingThen404) {
  auto http = client();
  auto early = http.Get(gateway_.playlist_path());
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(early->get_header_value("Retry-After"), "1");
  EXPECT_EQ(http.Get(path("seg1.ts"))->status, 503);

  GatewayStatus done;
  done.complete = true;
  gateway_.update(done);
  EXPECT_EQ(http.Get(path("seg1.ts"))->status, 404);
}

TEST_F(HlsGatewayTest, NeverServesHiddenOrTemporaryFilesOrAnotherRoom) {
  write_file_atomically(folder_ / "hls" / ".seg0.ts", segment_);
  write_file_atomically(temporary_name_for(folder_ / "hls" / "seg0.ts"), segment_);
  write_file_atomically(folder_ / "hls" / "seg0.ts", segment_);
  auto http = client();
  EXPECT_EQ(http.Get(path(".seg0.ts"))->status, 404);
  EXPECT_EQ(http.Get(path(temporary_name_for("seg0.ts").string()))->status, 404);
  EXPECT_EQ(http.Get("/rooms/0123456789abcdef/seg0.ts")->status, 404);
  EXPECT_EQ(http.Get(path("seg0.ts"))->status, 200);
}

TEST_F(HlsGatewayTest, StatusPageAndHlsJs) {
  GatewayStatus status;
  status.state = "live";
  status.segments = 3;
  status.media_seconds = 6;
  status.peers = 2;
  status.origin_bytes = 100;
  status.peer_bytes = 300;
  gateway_.update(status);
  auto http = client();

  auto answer = http.Get("/status.json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json");
  auto json = nlohmann::json::parse(answer->body);
  EXPECT_EQ(json["v"], 1);
  EXPECT_EQ(json["name"], "news");
  EXPECT_EQ(json["state"], "live");
  EXPECT_EQ(json["complete"], false);
  EXPECT_EQ(json["segments"], 3);
  EXPECT_EQ(json["peers"], 2);
  EXPECT_EQ(json["playlist"], gateway_.playlist_path());
  EXPECT_DOUBLE_EQ(json["peer_share"].get<double>(), 0.75);

  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<video"), std::string::npos);
  EXPECT_NE(page->body.find("status.json"), std::string::npos);
  auto hls = http.Get("/hls.min.js");
  ASSERT_TRUE(hls);
  EXPECT_GT(hls->body.size(), 100000U);
  EXPECT_EQ(hls->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
}

TEST(HlsGateway, AnAddressInUseIsUnavailable) {
  test::TempFolder folder;
  HlsGateway first(HostPort{"127.0.0.1", 0}, Room{{}, "a"}, folder.path());
  std::string url = first.url();
  HostPort taken = parse_host_port(url.substr(7, url.size() - 8), "url");
  try {
    HlsGateway second(taken, Room{{}, "b"}, folder.path());
    FAIL() << "a second gateway listens on " << taken.to_string();
  } catch (const Error &error) {
    EXPECT_EQ(error.code(), Exit::unavailable);
  }
}

} // namespace
} // namespace hlswarm
