#include "hlswarm/base/config_file.hpp"

#include <cctype>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"

namespace hlswarm {
namespace {

/// Why a line cannot be read; parse_config adds the file and line.
struct LineProblem {
  std::string reason;
};

/// A cursor over one line of the file.
class LineReader {
public:
  explicit LineReader(std::string_view text) : text_(text) {}

  /// True at the end of the line or at a comment.
  bool done() {
    skip_blanks();
    return at_ == text_.size() || text_[at_] == '#';
  }

  bool take(char c) {
    skip_blanks();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  /// A key: bare (letters, digits, '-', '_') or quoted parts joined by '.'.
  std::vector<std::string> dotted_key() {
    std::vector<std::string> parts;
    do
      parts.push_back(key_part());
    while (take('.'));
    return parts;
  }

  /// One value, or the elements of a one-line array.
  std::vector<std::string> values() {
    if (!take('['))
      return {scalar()};
    std::vector<std::string> elements;
    if (take(']'))
      return elements;
    for (;;) {
      elements.push_back(scalar());
      if (take(']'))
        return elements;
      if (!take(','))
        throw LineProblem{"an array needs ',' between its values and ']' "
                          "at the end, on one line"};
      if (take(']')) // TOML allows a trailing comma
        return elements;
    }
  }

private:
  void skip_blanks() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t'))
      ++at_;
  }

  static bool is_bare_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  }

  // TOML wants strings quoted; words that cannot be mistaken for anything
  // else (20G, 1h30m, 127.0.0.1:6881) are accepted bare as well.
  static bool is_bare_value_char(char c) {
    return is_bare_key_char(c) || c == '.' || c == ':' || c == '+' || c == '/';
  }

  std::string key_part() {
    skip_blanks();
    if (at_ < text_.size() && (text_[at_] == '"' || text_[at_] == '\''))
      return quoted();
    std::size_t start = at_;
    while (at_ < text_.size() && is_bare_key_char(text_[at_]))
      ++at_;
    if (at_ == start)
      throw LineProblem{"a key may hold only letters, digits, '-' and '_'"};
    return std::string(text_.substr(start, at_ - start));
  }

  std::string scalar() {
    if (done())
      throw LineProblem{"a value is missing"};
    if (text_[at_] == '"' || text_[at_] == '\'')
      return quoted();
    std::size_t start = at_;
    while (at_ < text_.size() && is_bare_value_char(text_[at_]))
      ++at_;
    bool ends_well = at_ == text_.size() || text_[at_] == ' ' ||
                     text_[at_] == '\t' || text_[at_] == ',' ||
                     text_[at_] == ']' || text_[at_] == '#';
    if (at_ == start || !ends_well)
      throw LineProblem{"a value with characters other than letters, digits "
                        "and - _ . : + / must be in quotes"};
    return std::string(text_.substr(start, at_ - start));
  }

  // A "basic" string with escapes, or a 'literal' one without.
  std::string quoted() {
    char quote = text_[at_++];
    if (text_.substr(at_ - 1, 3) == std::string(3, quote))
      throw LineProblem{"multi-line strings are not supported"};
    std::string text;
    for (;;) {
      if (at_ == text_.size())
        throw LineProblem{fmt::format("a string must end with {} on the "
                                      "same line", quote)};
      char c = text_[at_++];
      if (c == quote)
        return text;
      text += c == '\\' && quote == '"' ? escaped() : c;
    }
  }

  char escaped() {
    char c = at_ < text_.size() ? text_[at_++] : '\0';
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'b': return '\b';
    case 'f': return '\f';
    default:
      throw LineProblem{"unknown escape in a string (write the character "
                        "itself, or use '...' quotes)"};
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

std::string join_dotted(const std::vector<std::string> &parts) {
  std::string joined;
  for (const std::string &part : parts)
    joined += (joined.empty() ? "" : ".") + part;
  return joined;
}

// "[name]": the section the next keys belong to.
std::string section_name(LineReader &reader) {
  if (reader.take('['))
    throw LineProblem{"arrays of tables ([[...]]) are not supported"};
  std::string name = join_dotted(reader.dotted_key());
  if (!reader.take(']'))
    throw LineProblem{"a section needs a ']' after its name"};
  if (!reader.done())
    throw LineProblem{"unexpected text after the section name"};
  return name;
}

ConfigEntry key_value(LineReader &reader, std::string_view line,
                      const std::string &section) {
  if (line.find('=') == std::string_view::npos)
    throw LineProblem{"not a 'key = value' line"};
  std::vector<std::string> key = reader.dotted_key();
  if (!reader.take('='))
    throw LineProblem{"a key may hold only letters, digits, '-' and '_', and "
                      "'=' must follow it"};
  ConfigEntry entry;
  entry.values = reader.values();
  if (!reader.done())
    throw LineProblem{"unexpected text after the value (quote a value with "
                      "spaces)"};
  entry.key = key.back();
  key.pop_back();
  if (!section.empty())
    key.insert(key.begin(), section);
  entry.section = join_dotted(key);
  return entry;
}

} // namespace

std::string config_line_name(std::string_view source, std::size_t line) {
  return fmt::format("{} line {}", source, line);
}

std::vector<ConfigEntry> parse_config(std::string_view text,
                                      std::string_view source) {
  std::vector<ConfigEntry> entries;
  std::string section;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size()
                                                         : newline + 1);
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    try {
      LineReader reader(line);
      if (reader.done())
        continue;
      if (reader.take('[')) {
        section = section_name(reader);
        continue;
      }
      ConfigEntry entry = key_value(reader, line, section);
      entry.line = number;
      for (const ConfigEntry &earlier : entries)
        if (earlier.section == entry.section && earlier.key == entry.key)
          throw LineProblem{fmt::format("{} is set twice (first on line {})",
                                        entry.key, earlier.line)};
      entries.push_back(std::move(entry));
    } catch (const LineProblem &problem) {
      throw Error(Exit::usage, config_line_name(source, number),
                  problem.reason);
    }
  }
  return entries;
}

std::vector<ConfigEntry> read_config_file(const std::filesystem::path &path) {
  return parse_config(read_whole_file(path), path.string());
}

} // namespace hlswarm
