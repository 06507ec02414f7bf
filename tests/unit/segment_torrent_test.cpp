#include "hlswarm/chain/segment_torrent.hpp"

#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <libtorrent/create_torrent.hpp>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/error.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

class SegmentFiles : public test::TempFolderTest {
protected:

  std::filesystem::path write(const std::string &name, std::size_t size,
                              unsigned seed = 1) {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (char &c : bytes)
      c = static_cast<char>(random());
    auto path = folder_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

// What libtorrent makes for the same file: the reference for BEP 52.
bencode::Dict libtorrent_torrent(const std::filesystem::path &path,
                                 std::uint32_t piece_size = segment_piece_size) {
  lt::file_storage files;
  lt::add_files(files, path.string());
  lt::create_torrent creator(files, static_cast<int>(piece_size),
                             lt::create_torrent::v2_only);
  lt::error_code ec;
  lt::set_piece_hashes(creator, path.parent_path().string(), ec);
  EXPECT_FALSE(ec) << ec.message();
  std::vector<char> buffer = creator.generate_buf();
  return bencode::decode({buffer.data(), buffer.size()}, "libtorrent",
                         {.max_bytes = 1 << 20, .max_depth = 8, .max_items = 1000})
      .dict("torrent");
}

} // namespace

TEST_F(SegmentFiles, InfoDictAndPieceLayersMatchLibtorrentByteForByte) {
  const std::uint32_t block = segment_block_size, piece = segment_piece_size;
  for (std::size_t size : {std::size_t{1}, std::size_t{block - 1},
                           std::size_t{block}, std::size_t{block + 1},
                           std::size_t{3 * block}, std::size_t{piece},
                           std::size_t{piece + 1}, std::size_t{5 * piece + 7},
                           std::size_t{2'500'000}}) {
    auto path = write("seg-" + std::to_string(size) + ".ts", size,
                      static_cast<unsigned>(size));
    SegmentTorrent ours = hash_segment(path);
    bencode::Dict theirs = libtorrent_torrent(path);
    EXPECT_EQ(ours.info_dict, bencode::encode(theirs.at("info"))) << size;
    std::string their_layer;
    if (auto layers = theirs.find("piece layers"); layers != theirs.end())
      for (const auto &[root, layer] : layers->second.dict("piece layers"))
        their_layer = layer.string("layer");
    EXPECT_EQ(ours.piece_layer, their_layer) << size;
    EXPECT_EQ(ours.piece_layer.empty(), size <= piece) << size;
    EXPECT_EQ(ours.info.size, size);
    EXPECT_EQ(decode_segment_info(ours.info_dict, "t"), ours.info);
    // The .torrent we write for seeders holds the same info and layers.
    bencode::Value file = bencode::decode(ours.torrent_file(), "t",
                                          {.max_bytes = 1 << 20});
    EXPECT_EQ(bencode::encode(file.dict("t").at("info")), ours.info_dict);
  }
}

TEST_F(SegmentFiles, KnownRootForAKnownFile) {
  // 40000 bytes of 'a': 3 blocks (16384, 16384, 7232) padded to 4 leaves.
  auto path = folder_ / "a.ts";
  std::ofstream(path, std::ios::binary) << std::string(40000, 'a');
  SegmentTorrent torrent = hash_segment(path);
  Sha256 b1 = sha256(std::string(16384, 'a')), b3 = sha256(std::string(7232, 'a'));
  Sha256 zero{};
  auto pair = [](const Sha256 &l, const Sha256 &r) {
    return sha256(digest_bytes(l) + digest_bytes(r));
  };
  EXPECT_EQ(torrent.info.pieces_root, pair(pair(b1, b1), pair(b3, zero)));
  EXPECT_EQ(torrent.info.name, "a.ts");
}

TEST_F(SegmentFiles, RefusesEmptyMissingAndOddFiles) {
  auto code_of = [](const std::filesystem::path &path) {
    try {
      hash_segment(path);
    } catch (const Error &e) {
      return e.code();
    }
    return Exit::ok;
  };
  EXPECT_EQ(code_of(write("empty.ts", 0)), Exit::data);
  EXPECT_EQ(code_of(folder_ / "missing.ts"), Exit::no_input);
  EXPECT_EQ(code_of(folder_), Exit::data);
  EXPECT_EQ(code_of(write("bad\nname.ts", 10)), Exit::data);
}

TEST(SegmentInfoDict, NamesArePlainFileNames) {
  EXPECT_FALSE(segment_name_problem("seg00001.ts"));
  EXPECT_FALSE(segment_name_problem("séance 1.ts"));
  for (std::string bad : std::vector<std::string>{"", ".", "..", "a/b.ts", "/abs.ts", "a\\b.ts",
                          "ctl\x01.ts", std::string(129, 'x'), "\xff.ts"})
    EXPECT_TRUE(segment_name_problem(bad)) << bad;
}

TEST(SegmentInfoDict, DecoderRejectsAnythingButTheOneForm) {
  SegmentInfoDict info{"seg.ts", 100000, sha256("x")};
  std::string good = encode_segment_info(info);
  EXPECT_EQ(decode_segment_info(good, "t"), info);
  using namespace bencode;
  auto with = [&](const std::string &key, Value value) {
    Dict dict = decode(good, "t").dict("t");
    dict.insert_or_assign(key, std::move(value));
    return encode(dict);
  };
  Dict file{{"length", 100000}, {"pieces root", digest_bytes(info.pieces_root)}};
  for (std::string bad : {
           with("meta version", 1),
           with("piece length", 16384),
           with("name", "other.ts"), // name differs from the file tree
           with("name", "../seg.ts"),
           with("extra", 1),
           with("file tree", Dict{{"seg.ts", Dict{{"", Dict{{"length", 0},
                                  {"pieces root", digest_bytes(info.pieces_root)}}}}}}),
           with("file tree", Dict{{"seg.ts", Dict{{"", Dict{{"length", 1},
                                  {"pieces root", "short"}}}}}}),
           with("file tree", Dict{{"seg.ts", Dict{{"", file}}}, {"two.ts", Dict{{"", file}}}}),
           with("file tree", Dict{{"seg.ts", Dict{{"dir", Dict{{"", file}}}}}}),
           good + "e", good.substr(1), std::string(2000, 'd'),
       })
    EXPECT_THROW(decode_segment_info(bad, "t"), Error);
}

// The one v2 builder with other piece sizes (the chain torrent, the node's
// one-piece torrents) still makes what libtorrent makes.
TEST_F(SegmentFiles, OtherPieceSizesMatchLibtorrentToo) {
  for (std::uint32_t piece : {16u * 1024, 256u * 1024, 4u * 1024 * 1024})
    for (std::size_t size : {std::size_t{1000}, std::size_t{100'000},
                             std::size_t{700'000}}) {
      auto path = write("f-" + std::to_string(piece) + "-" + std::to_string(size),
                        size, static_cast<unsigned>(size + piece));
      SegmentTorrent ours = hash_v2_file(path, path.filename().string(), piece);
      bencode::Dict theirs = libtorrent_torrent(path, piece);
      EXPECT_EQ(ours.info_dict, bencode::encode(theirs.at("info"))) << piece << " " << size;
      std::string their_layer;
      if (auto layers = theirs.find("piece layers"); layers != theirs.end())
        for (const auto &[root, layer] : layers->second.dict("piece layers"))
          their_layer = layer.string("layer");
      EXPECT_EQ(ours.piece_layer, their_layer) << piece << " " << size;
      EXPECT_EQ(decode_v2_info_dict(ours.info_dict, "t"), ours.info);
    }
}

TEST_F(SegmentFiles, PieceLengthZeroIsOnePieceAndANameOfItsOwn) {
  auto path = write("whatever.bin", 100'000);
  SegmentTorrent torrent = hash_v2_file(path, "chain.records", 0);
  EXPECT_EQ(torrent.info.piece_length, 128u * 1024);
  EXPECT_EQ(torrent.info.name, "chain.records");
  EXPECT_TRUE(torrent.piece_layer.empty());
  EXPECT_THROW(decode_segment_info(torrent.info_dict, "t"), Error)
      << "a segment's pieces are 64 KiB";
  EXPECT_THROW(hash_v2_file(path, "x", 3000), Error);
  EXPECT_THROW(hash_v2_file(path, "a/b", 0), Error);
}
