// The chain file: a room's records in order, one JSON line each, append-only.
// Each line carries the fields a person reads and the exact signed record
// (base64), and every readable field is derived from that record, so a line
// is checked by rendering it again and comparing bytes: any change to it,
// even in a readable field, is caught. The one field outside the signature
// is "path" (where this machine keeps the file); its form is checked and
// its file name is the signed one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hlswarm/chain/record.hpp"

namespace hlswarm {

/// The newest chain line format version. A line's "v" is its record's
/// version (record_version_of): lines of version 2 records add "init" or
/// "init_seq", and every earlier line keeps its exact form.
inline constexpr int chain_line_version = 2;

/// No chain line is longer (a record, its readable fields and a path).
inline constexpr std::size_t max_chain_line_bytes = 8192;

/// One line of a chain file.
struct ChainEntry {
  SignedRecord record;
  std::string path; ///< absolute path of the segment file; empty for end
};

/// The line for `record` (no newline): keys in this order,
///   segment: v seq id prev room start duration bytes infohash path end
///            [discontinuity] [init_seq] record
///   init:    v seq id prev room init bytes infohash path end record
///   end:     v seq id prev room end record
/// ids and hashes in lowercase hex, prev null at seq 0, start and duration
/// in seconds with exactly six decimals, record in base64.
std::string render_chain_line(const SignedRecord &record,
                              std::string_view path);

/// Reads one untrusted line: decodes and verifies the record, checks the
/// path's form, and requires the line to be exactly render_chain_line's.
/// Error(data) with subject `what` naming the first field that disagrees.
ChainEntry parse_chain_line(std::string_view line, std::string_view what);

/// Checks a link beyond the record before: that `init` (the chain's record
/// at `segment`'s init_seq, nullptr if the chain has none there) is an init
/// record of `segment`'s room. Nullopt for a record without init_seq.
std::optional<std::string> init_problem(const SignedRecord &segment,
                                        const SignedRecord *init);

/// What a chain holds, as read by read_chain.
struct ChainSummary {
  std::size_t records = 0;
  std::size_t segments = 0;          ///< segment records (media)
  std::size_t init_segments = 0;     ///< init records
  std::uint64_t bytes = 0;           ///< sum of segment and init segment sizes
  std::optional<ChainEntry> last;    ///< the newest record
  std::vector<SignedRecord> inits;   ///< every init record, in seq order
  std::int64_t timeline_end_us = 0;  ///< start + duration of the newest segment
  std::size_t complete_bytes = 0;    ///< bytes up to the last newline
  std::size_t torn_bytes = 0;        ///< bytes after it (a torn last line)
  bool ended() const { return last && last->record.fields.end; }
  /// The init record at `seq`, or nullptr.
  const SignedRecord *init_at(std::int64_t seq) const;
  /// Why `next` may not come next: link_problem after `last`, or
  /// init_problem with the init record it names. Nullopt if it may.
  std::optional<std::string> follow_problem(const SignedRecord &next) const;
  /// Counts `entry` (already checked to follow `last`) and makes it last.
  /// Byte counts (complete_bytes, torn_bytes) are the reader's business.
  void add(ChainEntry entry);
};

/// Checks that `next` may follow `previous` (nullptr: `next` is the first):
/// seq 0 first, then seq one more than before, prev equal to the previous
/// id, the same room throughout, nothing after an end record. Returns why
/// not, or nullopt.
std::optional<std::string> link_problem(const SignedRecord *previous,
                                        const SignedRecord &next);

/// Reads a whole chain from `content`, checking every line and every link
/// (follow_problem);
/// calls `each` for each entry in order. The first fault throws Error(data)
/// with subject `what` and a reason starting "line N, seq S: ". Bytes after
/// the last newline are not read but counted in torn_bytes.
ChainSummary read_chain(std::string_view content, std::string_view what,
                        const std::function<void(const ChainEntry &)> &each = {});

/// A chain file opened for appending by the one process that may write it.
class ChainFile {
public:
  /// Opens `path`, creating it and its folder if missing, and locks it
  /// (flock): a second writer gets Error(temp_fail). Reads and checks every
  /// line; a torn last line (a crash during an append, never printed) is
  /// cut off with a warning on stderr. Any other fault is Error(data).
  explicit ChainFile(const std::filesystem::path &path);
  ~ChainFile();
  ChainFile(const ChainFile &) = delete;
  ChainFile &operator=(const ChainFile &) = delete;

  const std::filesystem::path &path() const { return path_; }
  const ChainSummary &summary() const { return summary_; }

  /// Appends `entry` (which must follow the last record) and makes it
  /// durable (fdatasync) before returning: only then may it be printed.
  /// The line is first read back as parse_chain_line would read it: one
  /// that would not pass (e.g. a path with control characters) is
  /// Error(data) and nothing is written.
  /// Returns the line written, without its newline.
  std::string append(const ChainEntry &entry);

private:
  std::filesystem::path path_;
  int fd_ = -1;
  ChainSummary summary_;
};

} // namespace hlswarm
