#include "hlswarm/net/transfer_stats.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include "temp_folder.hpp"

using namespace hlswarm;

TEST(TransferStats, CountsPerTorrentPerPeerAndInTotal) {
  TransferStats stats;
  stats.torrent("aa").name = "seg0.ts";
  stats.add_download("aa", "127.0.0.2", 16384, 1000);
  stats.add_download("aa", "127.0.0.3", 100, 2000);
  stats.add_upload("bb", "127.0.0.2", 500);
  EXPECT_EQ(stats.downloaded_bytes(), 16484u);
  EXPECT_EQ(stats.uploaded_bytes(), 500u);
  const auto *aa = stats.find("aa");
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(aa->first_byte_ms, 1000);
  EXPECT_EQ(aa->peers.at("127.0.0.3").downloaded_bytes, 100u);

  auto json = stats.to_json();
  EXPECT_EQ(json["v"], 2);
  EXPECT_EQ(json["uploaded_bytes"], 500);
  EXPECT_EQ(json["downloaded_bytes"], 16484);
  ASSERT_EQ(json["torrents"].size(), 2u);
  EXPECT_EQ(json["torrents"][0]["name"], "seg0.ts");
  EXPECT_EQ(json["torrents"][0]["peers"].size(), 2u);
}

TEST(TransferStats, BytesOfAFailedPieceAreTakenBack) {
  TransferStats stats;
  stats.add_download("aa", "127.0.0.2", 16384, 1000); // bad
  stats.add_download("aa", "127.0.0.3", 16384, 1000);
  stats.remove_download("aa", "127.0.0.2", 16384);
  stats.remove_download("aa", "127.0.0.2", 16384); // never below zero
  EXPECT_EQ(stats.downloaded_bytes(), 16384u);
  EXPECT_EQ(stats.find("aa")->downloaded_bytes, 16384u);
  EXPECT_EQ(stats.find("aa")->peers.at("127.0.0.2").downloaded_bytes, 0u);
}

TEST(TransferStats, FileIsReplacedWhole) {
  test::TempFolder folder;
  auto path = folder / "stats.json";
  TransferStats stats;
  stats.add_upload("aa", "127.0.0.2", 7);
  write_stats_file(path, stats.to_json());
  stats.add_upload("aa", "127.0.0.2", 7);
  write_stats_file(path, stats.to_json());
  std::ifstream in(path);
  auto json = nlohmann::json::parse(in);
  EXPECT_EQ(json["uploaded_bytes"], 14);
}
