#include "hlswarm/chain/chain.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/text_encoding.hpp"

namespace hlswarm {
namespace {

std::string seconds_text(std::int64_t us) {
  return fmt::format("{}.{:06}", us / 1000000, us % 1000000);
}

std::string json_string(std::string_view text) {
  return Json(std::string(text)).dump();
}

std::optional<std::string> path_problem(std::string_view path,
                                        const SegmentInfoDict &info) {
  if (!is_clean_utf8(path))
    return std::string("path is not UTF-8 without control characters");
  std::filesystem::path p(path);
  if (!p.is_absolute() || p.lexically_normal() != p)
    return std::string("path is not an absolute, normal path");
  if (p.filename() != info.name)
    return fmt::format("path does not end in the signed file name '{}'",
                       info.name);
  return std::nullopt;
}

// Names the first readable field of `line` that differs from the rendering.
std::string difference(std::string_view line, const std::string &rendered) {
  Json got = Json::parse(line, nullptr, false);
  Json want = Json::parse(rendered);
  for (auto &[key, value] : want.items())
    if (!got.contains(key) || got[key] != value)
      return fmt::format("field \"{}\" does not match the signed record", key);
  for (auto &[key, value] : got.items())
    if (!want.contains(key))
      return fmt::format("unknown field \"{}\"", key);
  return "line is not in its canonical form (spacing, order or number format)";
}

} // namespace

std::string render_chain_line(const SignedRecord &record,
                              std::string_view path) {
  const RecordFields &f = record.fields;
  std::string line = fmt::format(
      R"({{"v":{},"seq":{},"id":"{}","prev":{},"room":{})",
      record_version_of(f), f.seq, to_hex(digest_bytes(record.id)),
      f.prev ? "\"" + to_hex(digest_bytes(*f.prev)) + "\"" : "null",
      json_string(format_room_uri(f.room)));
  if (f.end) {
    line += R"(,"end":true)";
  } else {
    if (f.init)
      line += R"(,"init":true)";
    else
      line += fmt::format(R"(,"start":{},"duration":{})",
                          seconds_text(f.start_us), seconds_text(f.duration_us));
    line += fmt::format(R"(,"bytes":{},"infohash":"{}","path":{},"end":false)",
                        f.size, to_hex(digest_bytes(record.infohash())),
                        json_string(path));
    if (f.discontinuity)
      line += R"(,"discontinuity":true)";
    if (f.init_seq)
      line += fmt::format(R"(,"init_seq":{})", *f.init_seq);
  }
  line += fmt::format(R"(,"record":"{}"}})", to_base64(record.bytes));
  return line;
}

ChainEntry parse_chain_line(std::string_view line, std::string_view what) {
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, what, reason);
  };
  if (line.size() > max_chain_line_bytes)
    throw fail(fmt::format("line longer than {} bytes", max_chain_line_bytes));
  Json object = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object())
    throw fail("not a JSON object");
  auto record_text = object.find("record");
  if (record_text == object.end() || !record_text->is_string())
    throw fail("no \"record\" string");
  auto bytes = from_base64(record_text->get_ref<const std::string &>());
  if (!bytes)
    throw fail("\"record\" is not base64");
  ChainEntry entry;
  entry.record = decode_record(*bytes, what);
  if (!entry.record.fields.end) {
    auto path = object.find("path");
    if (path == object.end() || !path->is_string())
      throw fail("no \"path\" string");
    entry.path = path->get<std::string>();
    if (auto problem = path_problem(
            entry.path, decode_segment_info(entry.record.fields.info_dict, what)))
      throw fail(*problem);
  }
  std::string rendered = render_chain_line(entry.record, entry.path);
  if (rendered != line)
    throw fail(difference(line, rendered));
  return entry;
}

std::optional<std::string> link_problem(const SignedRecord *previous,
                                        const SignedRecord &next) {
  const RecordFields &f = next.fields;
  if (!previous)
    return f.seq == 0 ? std::nullopt
                      : std::optional<std::string>(fmt::format(
                            "the chain starts at seq {}, not 0", f.seq));
  const RecordFields &p = previous->fields;
  if (p.end)
    return std::string("a record after the end record");
  if (!(f.room == p.room))
    return fmt::format("room {} differs from the chain's {}",
                       format_room_uri(f.room), format_room_uri(p.room));
  if (f.seq != p.seq + 1)
    return fmt::format("seq follows seq {}", p.seq);
  if (!f.prev || *f.prev != previous->id)
    return fmt::format("prev is not the id of seq {}", p.seq);
  return std::nullopt;
}

std::optional<std::string> init_problem(const SignedRecord &segment,
                                        const SignedRecord *init) {
  const auto &init_seq = segment.fields.init_seq;
  if (!init_seq)
    return std::nullopt;
  if (!init || !init->fields.init || init->fields.seq != *init_seq)
    return fmt::format("init_seq {} is not an init record", *init_seq);
  if (!(init->fields.room == segment.fields.room))
    return fmt::format("init_seq {} is a record of room {}", *init_seq,
                       format_room_uri(init->fields.room));
  return std::nullopt;
}

ChainSummary read_chain(std::string_view content, std::string_view what,
                        const std::function<void(const ChainEntry &)> &each) {
  ChainSummary summary;
  auto last_newline = content.rfind('\n');
  summary.complete_bytes =
      last_newline == std::string_view::npos ? 0 : last_newline + 1;
  summary.torn_bytes = content.size() - summary.complete_bytes;
  std::size_t at = 0, line_number = 0;
  while (at < summary.complete_bytes) {
    auto end = content.find('\n', at);
    std::string_view line = content.substr(at, end - at);
    at = end + 1;
    ++line_number;
    std::string where = fmt::format("line {}, seq {}", line_number,
                                    summary.last ? summary.last->record.fields.seq + 1 : 0);
    ChainEntry entry;
    try {
      entry = parse_chain_line(line, where);
    } catch (const Error &e) {
      throw Error(Exit::data, what, e.what());
    }
    where = fmt::format("line {}, seq {}", line_number, entry.record.fields.seq);
    if (auto problem = summary.follow_problem(entry.record))
      throw Error(Exit::data, what, fmt::format("{}: {}", where, *problem));
    if (each)
      each(entry);
    summary.add(std::move(entry));
  }
  return summary;
}

const SignedRecord *ChainSummary::init_at(std::int64_t seq) const {
  auto it = std::lower_bound(
      inits.begin(), inits.end(), seq,
      [](const SignedRecord &init, std::int64_t s) { return init.fields.seq < s; });
  return it != inits.end() && it->fields.seq == seq ? &*it : nullptr;
}

std::optional<std::string>
ChainSummary::follow_problem(const SignedRecord &next) const {
  if (auto problem = link_problem(last ? &last->record : nullptr, next))
    return problem;
  const auto &init_seq = next.fields.init_seq;
  return init_problem(next, init_seq ? init_at(*init_seq) : nullptr);
}

void ChainSummary::add(ChainEntry entry) {
  const RecordFields &f = entry.record.fields;
  ++records;
  if (!f.end)
    bytes += f.size;
  if (f.init) {
    ++init_segments;
    inits.push_back(entry.record);
  } else if (!f.end) {
    ++segments;
    timeline_end_us = f.start_us + f.duration_us;
  }
  last = std::move(entry);
}

ChainFile::ChainFile(const std::filesystem::path &path) : path_(path) {
  const std::string subject = path.string();
  if (path.has_parent_path())
    make_dirs(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw system_error(Exit::cant_create, subject, errno);
  try {
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw errno == EWOULDBLOCK
          ? Error(Exit::temp_fail, subject,
                  "another seg-chain is appending to this chain")
          : system_error(Exit::io, subject, errno);
    struct stat status = {};
    if (::fstat(fd_, &status) != 0)
      throw system_error(Exit::io, subject, errno);
    if (!S_ISREG(status.st_mode))
      throw Error(Exit::data, subject, "not a regular file");
    std::string content(static_cast<std::size_t>(status.st_size), '\0');
    std::size_t got = 0;
    while (got < content.size()) {
      ssize_t n = ::pread(fd_, content.data() + got, content.size() - got,
                          static_cast<off_t>(got));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        throw system_error(Exit::io, subject, n < 0 ? errno : EIO);
      got += static_cast<std::size_t>(n);
    }
    summary_ = read_chain(content, subject);
    if (summary_.torn_bytes > 0) {
      // Lines are printed only after they are durable, so a torn line was
      // never seen by anyone: cutting it off loses nothing published.
      if (::ftruncate(fd_, static_cast<off_t>(summary_.complete_bytes)) != 0 ||
          ::fdatasync(fd_) != 0)
        throw system_error(Exit::io, subject, errno);
      diag::warningf("{}: repaired: cut off a torn last line ({} bytes) left "
                     "by an interrupted append",
                     subject, summary_.torn_bytes);
      summary_.torn_bytes = 0;
    }
    if (status.st_size == 0 && path.has_parent_path())
      fsync_path(path.parent_path()); // the new file's name is durable too
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ChainFile::~ChainFile() {
  if (fd_ < 0)
    return;
  // A run that appended nothing (bad input, an empty pipe) leaves no empty
  // chain file behind. Still under our lock, so no writer is mid-append.
  struct stat status = {};
  if (summary_.records == 0 && ::fstat(fd_, &status) == 0 &&
      status.st_size == 0)
    ::unlink(path_.c_str());
  ::close(fd_);
}

std::string ChainFile::append(const ChainEntry &entry) {
  const std::string subject = path_.string();
  if (auto problem = summary_.follow_problem(entry.record))
    throw Error(Exit::software, subject, *problem);
  std::string line = render_chain_line(entry.record, entry.path);
  // Never write a line this program could not read back on its next start
  // (a path with control characters, a line too long...): it would make
  // the chain impossible to continue.
  parse_chain_line(line, fmt::format("{}: seq {}", subject, entry.record.fields.seq));
  std::string text = line + '\n';
  std::string_view left = text;
  while (!left.empty()) {
    ssize_t n = ::write(fd_, left.data(), left.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;
      // Take back a partial line now rather than leave it for the repair.
      [[maybe_unused]] int ignored =
          ::ftruncate(fd_, static_cast<off_t>(summary_.complete_bytes));
      throw system_error(Exit::io, subject, saved);
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fdatasync(fd_) != 0)
    throw system_error(Exit::io, subject, errno);
  summary_.complete_bytes += text.size();
  summary_.add(entry);
  return line;
}

} // namespace hlswarm
