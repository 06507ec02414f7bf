#include "hlswarm/chain/segment_torrent.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"
#include "hlswarm/base/merkle.hpp"
#include "hlswarm/chain/room.hpp"

namespace hlswarm {
namespace {

struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

std::optional<std::string> segment_name_problem(std::string_view name) {
  if (name.empty() || name == "." || name == "..")
    return std::string("not a file name");
  if (name.size() > max_segment_name_bytes)
    return fmt::format("file name longer than {} bytes", max_segment_name_bytes);
  if (name.find('/') != name.npos || name.find('\\') != name.npos)
    return std::string("a path, not a plain file name");
  if (!is_clean_utf8(name))
    return std::string("file name is not UTF-8 without control characters");
  return std::nullopt;
}

std::string encode_segment_info(const SegmentInfoDict &info) {
  using namespace bencode;
  Dict file{{"length", static_cast<std::int64_t>(info.size)},
            {"pieces root", digest_bytes(info.pieces_root)}};
  Dict tree{{info.name, Dict{{"", std::move(file)}}}};
  return encode(Dict{{"file tree", std::move(tree)},
                     {"meta version", 2},
                     {"name", info.name},
                     {"piece length", static_cast<std::int64_t>(info.piece_length)}});
}

namespace {
bool valid_piece_length(std::int64_t length) {
  return length >= segment_block_size && length <= max_piece_size &&
         (length & (length - 1)) == 0;
}
} // namespace

SegmentInfoDict decode_segment_info(std::string_view info_dict,
                                std::string_view what, Exit code) {
  SegmentInfoDict info = decode_v2_info_dict(info_dict, what, code);
  if (info.piece_length != segment_piece_size)
    throw Error(code, what, fmt::format("segment info dict: piece length is not {}",
                                        segment_piece_size));
  return info;
}

SegmentInfoDict decode_v2_info_dict(std::string_view info_dict,
                                    std::string_view what, Exit code) {
  auto fail = [&](std::string_view reason) {
    return Error(code, what, fmt::format("segment info dict: {}", reason));
  };
  try {
    using namespace bencode;
    Value value = decode(info_dict, what, {.max_bytes = 1024, .max_depth = 5,
                                           .max_items = 16});
    const Dict &top = value.dict("info dict");
    if (top.size() != 4 || !top.contains("file tree") ||
        !top.contains("meta version") || !top.contains("name") ||
        !top.contains("piece length"))
      throw fail("keys must be exactly file tree, meta version, name, "
                 "piece length");
    if (top.at("meta version").integer("meta version") != 2)
      throw fail("meta version is not 2");
    std::int64_t piece_length = top.at("piece length").integer("piece length");
    if (!valid_piece_length(piece_length))
      throw fail(fmt::format("piece length {} is not a power of two from {} to {}",
                             piece_length, segment_block_size, max_piece_size));
    SegmentInfoDict info;
    info.piece_length = static_cast<std::uint32_t>(piece_length);
    info.name = top.at("name").string("name");
    if (auto problem = segment_name_problem(info.name))
      throw fail(fmt::format("name: {}", *problem));
    const Dict &tree = top.at("file tree").dict("file tree");
    if (tree.size() != 1 || tree.begin()->first != info.name)
      throw fail("file tree must hold exactly the one file named by name");
    const Dict &node = tree.begin()->second.dict("file tree entry");
    if (node.size() != 1 || !node.contains(""))
      throw fail("file tree entry must be a single file");
    const Dict &file = node.at("").dict("file");
    if (file.size() != 2 || !file.contains("length") ||
        !file.contains("pieces root"))
      throw fail("file must have exactly length and pieces root");
    std::int64_t length = file.at("length").integer("length");
    if (length <= 0 || static_cast<std::uint64_t>(length) > max_segment_bytes)
      throw fail(fmt::format("length {} is outside 1..{}", length,
                             max_segment_bytes));
    info.size = static_cast<std::uint64_t>(length);
    const std::string &root = file.at("pieces root").string("pieces root");
    if (root.size() != 32)
      throw fail("pieces root is not 32 bytes");
    info.pieces_root = digest_from_bytes(root);
    return info;
  } catch (const Error &e) {
    if (e.code() == code)
      throw;
    throw Error(code, e.subject(), e.reason());
  }
}

std::string SegmentTorrent::torrent_file() const {
  // The info dict goes in as the bytes it is, so the infohash cannot change;
  // "info" sorts before "piece layers".
  std::string out = "d4:info" + info_dict;
  if (!piece_layer.empty())
    out += "12:piece layers" +
           bencode::encode(bencode::Dict{{digest_bytes(info.pieces_root), piece_layer}});
  return out + "e";
}

SegmentTorrent hash_segment(const std::filesystem::path &path) {
  return hash_v2_file(path, path.filename().string(), segment_piece_size);
}

SegmentTorrent hash_v2_file(const std::filesystem::path &path,
                            std::string_view name, std::uint32_t piece_length) {
  const std::string subject = path.string();
  if (piece_length != 0 && !valid_piece_length(piece_length))
    throw Error(Exit::software, subject,
                fmt::format("piece length {} is not a power of two from {} to {}",
                            piece_length, segment_block_size, max_piece_size));
  SegmentTorrent torrent;
  torrent.info.name = std::string(name);
  if (auto problem = segment_name_problem(torrent.info.name))
    throw Error(Exit::data, subject, *problem);

  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    throw system_error(Exit::no_input, subject, errno);
  struct stat status = {};
  if (::fstat(file.fd, &status) != 0)
    throw system_error(Exit::no_input, subject, errno);
  if (!S_ISREG(status.st_mode))
    throw Error(Exit::data, subject, "not a regular file");
  auto size = static_cast<std::uint64_t>(status.st_size);
  if (size == 0)
    throw Error(Exit::data, subject, "empty segment");
  if (size > max_segment_bytes)
    throw Error(Exit::data, subject,
                fmt::format("larger than {} bytes", max_segment_bytes));
  if (piece_length == 0) {
    piece_length = segment_block_size;
    while (piece_length < size && piece_length < max_piece_size)
      piece_length *= 2;
  }
  torrent.info.size = size;
  torrent.info.piece_length = piece_length;
  torrent.info.pieces_root = merkle_root_of_file(
      file.fd, size, subject, piece_length, &torrent.piece_layer);
  torrent.info_dict = encode_segment_info(torrent.info);
  return torrent;
}

} // namespace hlswarm
