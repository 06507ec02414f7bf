#include "hlswarm/chain/seg_chain.hpp"

#include <cmath>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/chain/chain.hpp"
#include "hlswarm/chain/creator_chain.hpp"
#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/line_input.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/chain/segment_torrent.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/store/store_layout.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {
namespace {

/// One line of seg-split's output (the shared format, version 1).
struct SplitLine {
  bool end = false;
  std::int64_t seq = 0;
  std::filesystem::path path;
  std::int64_t start_us = 0;
  std::int64_t duration_us = 0;
  std::uint64_t bytes = 0;
  std::optional<std::filesystem::path> init; ///< fmp4: the init segment
  std::int64_t segments = 0; ///< on the end line
};

SplitLine parse_split_line(const Json &object, const std::string &where) {
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, where, reason);
  };
  auto v = object.find("v");
  if (v == object.end() || !v->is_number_integer() || v->get<std::int64_t>() != 1)
    throw fail("not a seg-split line of version 1 (\"v\":1)");
  auto integer = [&](const char *key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
      throw fail(fmt::format("\"{}\" is not a non-negative integer", key));
    return it->get<std::int64_t>();
  };
  auto micro = [&](const char *key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number())
      throw fail(fmt::format("\"{}\" is not a number", key));
    double seconds = it->get<double>();
    if (!std::isfinite(seconds) || seconds < 0 ||
        seconds * 1e6 > static_cast<double>(max_record_integer) / 2)
      throw fail(fmt::format("\"{}\" is out of range", key));
    return static_cast<std::int64_t>(std::llround(seconds * 1e6));
  };
  SplitLine line;
  if (auto end = object.find("end"); end != object.end() && *end == true) {
    line.end = true;
    line.segments = integer("segments");
    return line;
  }
  auto absolute_path = [&](const char *key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
      throw fail(fmt::format("\"{}\" is not a string", key));
    auto path = std::filesystem::path(it->get<std::string>()).lexically_normal();
    if (!path.is_absolute())
      throw fail(fmt::format("\"{}\" is not absolute", key));
    return path;
  };
  line.seq = integer("seq");
  line.path = absolute_path("path");
  line.start_us = micro("start");
  line.duration_us = micro("duration");
  line.bytes = static_cast<std::uint64_t>(integer("bytes"));
  if (object.contains("init"))
    line.init = absolute_path("init");
  return line;
}


// A room name from the command line: Error(usage) unless it can be one.
void check_room_name_argument(const std::string &text) {
  if (auto problem = room_name_problem(text))
    throw Error(Exit::usage, fmt::format("room '{}'", text), *problem);
}

// verify's --room: a room URI, of any creator, or a room name of the
// creator whose key file is `key_file` (read, never created: verifying
// must not make a key).
Room room_to_verify(const std::string &text,
                    const std::optional<std::filesystem::path> &key_file) {
  if (looks_like_uri(text))
    return parse_room_uri(text, Exit::usage).room;
  check_room_name_argument(text);
  try {
    return Room{open_identity(key_file.value_or(default_key_path()), false)
                    .public_key(),
                text};
  } catch (const Error &e) {
    if (e.code() != Exit::no_input)
      throw;
    throw Error(e.code(), e.subject(),
                e.reason() + " (a room name is a room of this key's creator; "
                             "give the room URI for another creator's room)");
  }
}

// verify's --segments: the folder must exist, or every segment would be
// reported missing as if the chain were wrong.
void check_segments_folder(const std::filesystem::path &folder) {
  std::error_code ec;
  auto status = std::filesystem::status(folder, ec);
  if (!std::filesystem::exists(status))
    throw Error(Exit::no_input, folder.string(), "no such folder (--segments)");
  if (!std::filesystem::is_directory(status))
    throw Error(Exit::no_input, folder.string(), "not a folder (--segments)");
}

} // namespace

Room room_from_argument(const std::string &text, const Identity &identity) {
  if (looks_like_uri(text)) {
    RoomUri uri = parse_room_uri(text, Exit::usage);
    if (!(uri.room.creator == identity.public_key()))
      throw Error(Exit::usage, fmt::format("room '{}'", text),
                  fmt::format("it belongs to creator {}, but the key is {} "
                              "(use --key with that creator's key file)",
                              public_key_hex(uri.room.creator),
                              identity.public_key_hex()));
    return uri.room;
  }
  check_room_name_argument(text);
  return Room{identity.public_key(), text};
}

std::filesystem::path default_chain_path(const std::filesystem::path &store,
                                         const Room &room) {
  return store_chain_path(store, public_key_hex(room.creator),
                          percent_encode(room.name));
}

Exit chain_segments(const ChainOptions &options, int input_fd, std::FILE *out) {
  Identity identity = options.key_file
                          ? open_identity(*options.key_file, false)
                          : open_identity(default_key_path(), true);
  Room room = room_from_argument(options.room, identity);
  std::filesystem::path chain_path =
      options.chain_file ? *options.chain_file
                         : default_chain_path(options.store, room);
  ChainFile chain(chain_path);
  const ChainSummary &summary = chain.summary();
  if (summary.last && !(summary.last->record.fields.room == room))
    throw Error(Exit::data, chain_path.string(),
                fmt::format("this chain is room {}, not {}",
                            format_room_uri(summary.last->record.fields.room),
                            format_room_uri(room)));
  if (summary.ended())
    throw Error(Exit::data, chain_path.string(),
                fmt::format("the chain has ended (end record at seq {}): a new "
                            "broadcast needs a new room name",
                            summary.last->record.fields.seq));
  const bool continuing = summary.records > 0;
  const std::int64_t timeline_base = summary.timeline_end_us;
  if (continuing)
    diag::notef("continuing {} after seq {}", chain_path.string(),
                summary.last->record.fields.seq);
  CreatorChain appender(chain, identity, room, options.store,
                        CreatorChain::Files::copied,
                        [out](const std::string &line) { write_raw_line(line, out); });

  LineInput input(input_fd, "stdin", options.drain);
  // seg-split's seq must be consecutive within a run; the first line sets
  // where it starts (0, or --start-seq after a restart into the same folder).
  std::optional<std::int64_t> expected_seq;
  std::int64_t run_segments = 0;
  bool ended = false;
  while (auto text = input.next()) {
    if (text->find_first_not_of(" \t\r") == std::string::npos)
      continue;
    std::string where = fmt::format("stdin:{}", input.line_number());
    Json object = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object())
      throw Error(Exit::data, where, "not a JSON object");
    SplitLine line = parse_split_line(object, where);
    if (ended)
      throw Error(Exit::data, where, "a line after the end line");
    if (line.end) {
      if (line.segments != run_segments)
        throw Error(Exit::data, where,
                    fmt::format("the end line counts {} segments, but {} "
                                "arrived: lines were lost",
                                line.segments, run_segments));
      appender.append_end();
      ended = true;
      continue;
    }
    if (!expected_seq)
      expected_seq = line.seq;
    if (line.seq != *expected_seq)
      throw Error(Exit::data, where,
                  line.seq > *expected_seq
                      ? fmt::format("seq {} after seq {}: segments {}..{} are "
                                    "missing",
                                    line.seq, *expected_seq - 1, *expected_seq,
                                    line.seq - 1)
                      : fmt::format("seq {} again after seq {}", line.seq,
                                    *expected_seq - 1));
    SegmentTorrent torrent = hash_segment(line.path);
    if (torrent.info.size != line.bytes)
      throw Error(Exit::data, where,
                  fmt::format("{}: the line says {} bytes, the file has {}",
                              line.path.string(), line.bytes, torrent.info.size));
    ChainSegment segment;
    segment.path = line.path;
    segment.torrent = std::move(torrent);
    segment.start_us = timeline_base + line.start_us;
    segment.duration_us = line.duration_us;
    segment.init = line.init;
    segment.discontinuity = continuing && run_segments == 0;
    SignedRecord record = appender.append_segment(segment);
    ++*expected_seq;
    ++run_segments;
    diag::progress(fmt::format("seq {}: {} segments this run",
                               record.fields.seq, run_segments));
  }
  diag::progress_done();
  if (stop_requested()) {
    if (input.drain_expired())
      diag::warning("stopped: input did not end within the drain time");
    return Exit::interrupted;
  }
  if (!ended)
    diag::note("input ended without an end line: the chain stays open "
               "(run seg-chain again to continue it)");
  return Exit::ok;
}

Exit verify_chain(const VerifyOptions &options, std::FILE *out) {
  const bool from_stdin = options.chain == "-";
  const std::string subject = from_stdin ? "stdin" : options.chain.string();
  std::optional<Room> expected;
  if (options.room)
    expected = room_to_verify(*options.room, options.key_file);
  if (options.segments)
    check_segments_folder(*options.segments);
  std::string content;
  if (from_stdin) { // seg-chain ROOM | seg-chain verify -
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    if (std::cin.bad())
      throw Error(Exit::io, "stdin", "read failed");
    content = buffer.str();
  } else {
    content = read_whole_file(options.chain);
  }
  std::size_t line_number = 0;
  std::size_t checked_files = 0;
  ChainSummary summary = read_chain(content, subject, [&](const ChainEntry &entry) {
    ++line_number;
    const RecordFields &f = entry.record.fields;
    auto fail = [&](std::string_view reason) {
      return Error(Exit::data, subject,
                   fmt::format("line {}, seq {}: {}", line_number, f.seq, reason));
    };
    if (expected && !(f.room == *expected))
      throw fail(fmt::format("the chain is room {}, not {}",
                             format_room_uri(f.room), format_room_uri(*expected)));
    if (!options.segments || f.end)
      return;
    SegmentInfoDict info = decode_segment_info(f.info_dict, subject);
    auto file = *options.segments / info.name;
    std::error_code ec;
    const char *kind = f.init ? "init segment" : "segment";
    if (!std::filesystem::exists(file, ec))
      throw fail(fmt::format("{} file {} is missing", kind, file.string()));
    SegmentTorrent torrent;
    try {
      torrent = hash_segment(file);
    } catch (const Error &e) {
      throw fail(e.what());
    }
    if (torrent.info_dict != f.info_dict)
      throw fail(fmt::format("{} file {} does not match the record "
                             "(infohash {}, the record says {})",
                             kind, file.string(), to_hex(digest_bytes(torrent.infohash())),
                             to_hex(digest_bytes(entry.record.infohash()))));
    ++checked_files;
  });
  if (summary.torn_bytes > 0)
    throw Error(Exit::data, subject,
                fmt::format("line {}, seq {}: torn last line ({} bytes without "
                            "a newline)",
                            line_number + 1,
                            summary.last ? summary.last->record.fields.seq + 1 : 0,
                            summary.torn_bytes));
  if (summary.records == 0)
    throw Error(Exit::data, subject, "no records");
  if (options.require_end && !summary.ended())
    throw Error(Exit::data, subject,
                fmt::format("no end record after seq {}: the chain is cut "
                            "short or still live",
                            summary.last->record.fields.seq));
  const SignedRecord &head = summary.last->record;
  nlohmann::ordered_json report = {{"v", 1},
                 {"chain", subject},
                 {"room", format_room_uri(head.fields.room)},
                 {"records", summary.records},
                 {"segments", summary.segments},
                 {"init_segments", summary.init_segments},
                 {"bytes", summary.bytes},
                 {"duration", static_cast<double>(summary.timeline_end_us) / 1e6},
                 {"ended", summary.ended()},
                 {"head", to_hex(digest_bytes(head.id))},
                 {"segment_files_checked", checked_files}};
  write_raw_line(report.dump(-1, ' ', false, Json::error_handler_t::replace), out);
  return Exit::ok;
}

Exit show_key(const std::optional<std::filesystem::path> &key_file,
              std::FILE *out) {
  std::filesystem::path path = key_file ? *key_file : default_key_path();
  Identity identity = open_identity(path, true);
  nlohmann::ordered_json report = {{"v", 1},
                                   {"public_key", identity.public_key_hex()},
                                   {"key_file", absolute_path(path).string()}};
  write_raw_line(report.dump(-1, ' ', false, Json::error_handler_t::replace), out);
  return Exit::ok;
}

} // namespace hlswarm
