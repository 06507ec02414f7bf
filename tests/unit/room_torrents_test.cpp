#include "hlswarm/room/room_torrents.hpp"

#include <cstdio>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>
#include <nlohmann/json.hpp>

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/room/room_head.hpp"
#include "hlswarm/store/store.hpp"
#include "record_fixtures.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

void write_random_file(const std::filesystem::path &path, std::size_t size,
                       unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (auto &byte : bytes)
    byte = static_cast<char>(random());
  write_file_atomically(path, bytes);
}

// What the command line gives: ROOM, -o DIR, --magnets, --key FILE.
TorrentsOptions torrents_options(std::string room, std::filesystem::path output_dir,
                                 bool magnets = false,
                                 std::optional<std::filesystem::path> key_file = {}) {
  TorrentsOptions options;
  options.room = std::move(room);
  options.output_dir = std::move(output_dir);
  options.magnets = magnets;
  options.key_file = std::move(key_file);
  return options;
}

lt::sha256_hash lt_hash(const Sha256 &digest) {
  return lt::sha256_hash(digest_bytes(digest).data());
}

// A room in a store: seq 0 and 1 are segments of several pieces (seq 1's
// bytes are not in the store), seq 2 a one-piece segment, seq 3 the end.
class RoomTorrentsTest : public test::TempFolderTest {
protected:
  void SetUp() override {
    Store store(folder_ / "store");
    RoomId room = store.add_room(identity_.public_key_hex(), "film", RoomMode::vod);
    const std::size_t sizes[] = {300'000, 200'000, 10'000};
    const SignedRecord *previous = nullptr;
    for (std::size_t seq = 0; seq < 3; ++seq) {
      auto file = folder_ / fmt::format("seg{}.ts", seq);
      write_random_file(file, sizes[seq], static_cast<unsigned>(seq));
      SegmentTorrent torrent = hash_segment(file);
      RecordFields fields = fields_after(identity_, previous, "film");
      fields.start_us = 4'000'000 * static_cast<std::int64_t>(seq);
      fields.duration_us = 4'000'000;
      fields.size = sizes[seq];
      fields.info_dict = torrent.info_dict;
      records_.push_back(sign_record(fields, identity_));
      previous = &records_.back();
      if (seq != 1) {
        NewSegment segment;
        segment.infohash = to_hex(digest_bytes(torrent.infohash()));
        segment.room = room;
        segment.seq = static_cast<std::int64_t>(seq);
        segment.source = file;
        store.add_segment(segment);
      }
    }
    records_.push_back(make_record(identity_, previous, true, "film"));
    for (const auto &record : records_)
      store.put_record(room, record.fields.seq, to_hex(digest_bytes(record.id)),
                       record.bytes);
  }

  // Runs write_room_torrents and returns what it printed.
  std::string run(TorrentsOptions options) {
    options.store = folder_ / "store";
    std::FILE *out = std::tmpfile();
    write_room_torrents(options, out);
    std::rewind(out);
    std::string text;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, out))
      text.append(buffer, n);
    std::fclose(out);
    return text;
  }

  std::string uri() const {
    return format_room_uri(Room{identity_.public_key(), "film"}) + "?x.pe=127.0.0.5:6881";
  }

  Identity identity_ = creator();
  std::vector<SignedRecord> records_;
};

} // namespace

TEST_F(RoomTorrentsTest, EveryTorrentHasTheRecordsInfohash) {
  std::string out = run(torrents_options(uri(), folder_ / "torrents"));
  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find('\n', start)) != out.npos; start = end + 1)
    lines.push_back(nlohmann::json::parse(out.substr(start, end - start)));
  ASSERT_EQ(lines.size(), 4u) << out; // three segments and the chain

  for (std::size_t seq = 0; seq < 3; ++seq) {
    const auto &line = lines[seq];
    auto file = folder_ / "torrents" / fmt::format("00000{}.torrent", seq);
    EXPECT_EQ(line["file"], file.string());
    EXPECT_EQ(line["seq"], seq);
    EXPECT_EQ(line["kind"], "segment");
    EXPECT_EQ(line["held"], seq != 1);
    EXPECT_EQ(line["infohash"], to_hex(digest_bytes(records_[seq].infohash())));

    // What a libtorrent 2.0 client (qBittorrent 4.5) loads: v2 only, the
    // record's infohash, and the piece layers where the store held the bytes.
    lt::error_code ec;
    std::string bytes = read_whole_file(file);
    lt::torrent_info info(bytes, ec, lt::from_span);
    ASSERT_FALSE(ec) << file << ": " << ec.message();
    EXPECT_FALSE(info.info_hashes().has_v1());
    EXPECT_EQ(info.info_hashes().v2, lt_hash(records_[seq].infohash()));
    bool several_pieces = info.num_pieces() > 1;
    EXPECT_EQ(!info.piece_layer(lt::file_index_t(0)).empty(), several_pieces && seq != 1)
        << "seq " << seq;

    lt::add_torrent_params magnet = lt::parse_magnet_uri(line["magnet"].get<std::string>(), ec);
    ASSERT_FALSE(ec) << line["magnet"];
    EXPECT_EQ(magnet.info_hashes.v2, info.info_hashes().v2);
    EXPECT_EQ(magnet.name, fmt::format("seg{}.ts", seq));
    ASSERT_EQ(magnet.peers.size(), 1u);
    EXPECT_EQ(magnet.peers[0].port(), 6881);
  }

  // The chain torrent is the one the origin seeds: the records one after
  // another, in one piece.
  std::string chain;
  for (const auto &record : records_)
    chain += record.bytes;
  write_file_atomically(folder_ / "chain", chain);
  SegmentTorrent origin_chain = hash_v2_file(folder_ / "chain", chain_torrent_name, 0);
  EXPECT_EQ(lines[3]["kind"], "chain");
  EXPECT_FALSE(lines[3].contains("seq"));
  EXPECT_EQ(lines[3]["infohash"], to_hex(digest_bytes(origin_chain.infohash())));
  EXPECT_EQ(read_whole_file(folder_ / "torrents" / "chain.torrent"),
            origin_chain.torrent_file());
}

TEST_F(RoomTorrentsTest, MagnetsArePrintedOnePerLine) {
  std::string out = run(torrents_options(uri(), {}, true));
  std::string first = "magnet:?xt=urn:btmh:1220" +
                      to_hex(digest_bytes(records_[0].infohash())) +
                      "&dn=seg0.ts&x.pe=127.0.0.5:6881\n";
  EXPECT_EQ(out.substr(0, first.size()), first);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);
  EXPECT_FALSE(std::filesystem::exists(folder_ / "torrents"));
}

TEST_F(RoomTorrentsTest, RefusesWhatItCannotDo) {
  auto code = [&](TorrentsOptions options) {
    try {
      run(std::move(options));
    } catch (const Error &e) {
      return e.code();
    }
    return Exit::ok;
  };
  EXPECT_EQ(code(torrents_options(uri(), {})), Exit::usage) << "neither -o nor --magnets";
  std::string other = format_room_uri(Room{identity_.public_key(), "other"});
  EXPECT_EQ(code(torrents_options(other, {}, true)), Exit::no_input);
  EXPECT_EQ(code(torrents_options("film", {}, true, folder_ / "no.key")),
            Exit::no_input);
}
