// JSON lines on stdout: one object per line, written and flushed at once, so
// the next program in a pipeline sees each record the moment it exists.
#pragma once

#include <cstdio>
#include <istream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hlswarm {

using Json = nlohmann::json;

/// Whether a line is flushed at once (the default: the next program in a
/// pipeline sees each record the moment it exists) or left in stdio's
/// buffer, for long listings where a write per line would cost more than
/// the work it reports (the next flushed line, or exit, writes it).
enum class Flush { line, buffered };

/// Writes one compact JSON object and a newline to `out`, then flushes.
/// Throws Error(io) on a write failure (EPIPE included: a consumer that went
/// away is an error the producer must notice, not a silent loss).
void write_json_line(const Json &object, std::FILE *out = stdout,
                     Flush flush = Flush::line);

/// Writes a raw line (already serialised) and flushes; same errors.
void write_raw_line(std::string_view line, std::FILE *out = stdout,
                    Flush flush = Flush::line);

/// `text` as a JSON string literal, quotes included (invalid UTF-8
/// replaced, as write_json_line does): for lines written by hand on hot
/// paths, where building a Json object per line costs more than the work.
std::string json_quoted(std::string_view text);

/// Reads JSON lines; skips blank lines; keeps the raw text of the last line
/// so that tools can pass records through byte for byte.
class JsonLineReader {
public:
  /// `source` names the input in messages ("stdin", a path).
  JsonLineReader(std::istream &in, std::string source);

  /// The next object, or nullopt at end of input. A line that is not a JSON
  /// object throws Error(data) naming the source and line number.
  std::optional<Json> next();

  const std::string &raw_line() const { return raw_line_; }
  std::size_t line_number() const { return line_number_; }
  const std::string &source() const { return source_; }

private:
  std::istream &in_;
  std::string source_;
  std::string raw_line_;
  std::size_t line_number_ = 0;
};

} // namespace hlswarm
