#include "hlswarm/base/bencode.hpp"

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"

namespace hlswarm::bencode {
namespace {

void encode_to(std::string &out, const Value &value) {
  if (value.is_integer()) {
    out += fmt::format("i{}e", value.integer(""));
  } else if (value.is_string()) {
    const std::string &bytes = value.string("");
    out += fmt::format("{}:", bytes.size());
    out += bytes;
  } else if (value.is_list()) {
    out += 'l';
    for (const Value &item : value.list(""))
      encode_to(out, item);
    out += 'e';
  } else {
    out += 'd';
    for (const auto &[key, item] : value.dict("")) {
      out += fmt::format("{}:", key.size());
      out += key;
      encode_to(out, item);
    }
    out += 'e';
  }
}

class Decoder {
public:
  Decoder(std::string_view bytes, std::string_view what, const Limits &limits)
      : bytes_(bytes), what_(what), limits_(limits) {}

  Value whole() {
    if (bytes_.size() > limits_.max_bytes)
      fail(fmt::format("longer than {} bytes", limits_.max_bytes));
    Value value = next(0);
    if (at_ != bytes_.size())
      fail("bytes after the end of the value");
    return value;
  }

  // One value at the start of the input; returns its length in bytes.
  std::size_t leading() {
    next(0);
    if (at_ > limits_.max_bytes)
      fail(fmt::format("value longer than {} bytes", limits_.max_bytes));
    return at_;
  }

private:
  [[noreturn]] void fail(std::string_view reason) const {
    throw Error(Exit::data, what_,
                fmt::format("bad bencode at byte {}: {}", at_, reason));
  }

  char peek() const {
    if (at_ >= bytes_.size())
      fail("ends too early");
    return bytes_[at_];
  }

  // Digits of a non-negative number, canonical: "0" or no leading zero.
  std::uint64_t digits(std::size_t max_digits) {
    std::size_t start = at_;
    std::uint64_t number = 0;
    while (at_ < bytes_.size() && bytes_[at_] >= '0' && bytes_[at_] <= '9') {
      if (at_ - start == max_digits)
        fail("number too long");
      number = number * 10 + static_cast<std::uint64_t>(bytes_[at_] - '0');
      ++at_;
    }
    if (at_ == start)
      fail("digit expected");
    if (bytes_[start] == '0' && at_ - start > 1)
      fail("leading zero");
    return number;
  }

  Value integer() {
    ++at_; // 'i'
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++at_;
    }
    std::uint64_t magnitude = digits(19);
    if (negative && magnitude == 0)
      fail("negative zero");
    if (magnitude > std::uint64_t{INT64_MAX} + (negative ? 1 : 0))
      fail("integer beyond 64 bits");
    if (peek() != 'e')
      fail("'e' expected after an integer");
    ++at_;
    if (negative)
      return Value(magnitude == std::uint64_t{INT64_MAX} + 1
                       ? INT64_MIN
                       : -static_cast<std::int64_t>(magnitude));
    return Value(static_cast<std::int64_t>(magnitude));
  }

  std::string string() {
    std::uint64_t length = digits(10);
    if (peek() != ':')
      fail("':' expected after a string length");
    ++at_;
    if (length > bytes_.size() - at_)
      fail("string longer than the input");
    std::string bytes(bytes_.substr(at_, static_cast<std::size_t>(length)));
    at_ += static_cast<std::size_t>(length);
    return bytes;
  }

  Value next(int depth) {
    if (++items_ > limits_.max_items)
      fail(fmt::format("more than {} values", limits_.max_items));
    char c = peek();
    if (c == 'i')
      return integer();
    if (c >= '0' && c <= '9')
      return Value(string());
    if (c != 'l' && c != 'd')
      fail(fmt::format("unexpected byte 0x{:02x}", static_cast<unsigned char>(c)));
    if (depth >= limits_.max_depth)
      fail(fmt::format("nested deeper than {}", limits_.max_depth));
    ++at_;
    if (c == 'l') {
      List list;
      while (peek() != 'e')
        list.push_back(next(depth + 1));
      ++at_;
      return Value(std::move(list));
    }
    Dict dict;
    const std::string *previous = nullptr;
    while (peek() != 'e') {
      if (peek() < '0' || peek() > '9')
        fail("dictionary key is not a string");
      std::size_t key_at = at_;
      std::string key = string();
      if (previous && !(*previous < key)) {
        at_ = key_at;
        fail(*previous == key ? "repeated dictionary key"
                              : "dictionary keys out of order");
      }
      auto [it, inserted] = dict.emplace(std::move(key), next(depth + 1));
      previous = &it->first;
    }
    ++at_;
    return Value(std::move(dict));
  }

  std::string_view bytes_;
  std::string_view what_;
  const Limits &limits_;
  std::size_t at_ = 0;
  std::size_t items_ = 0;
};

std::string type_name(const Value &value) {
  if (value.is_integer())
    return "an integer";
  if (value.is_string())
    return "a string";
  if (value.is_list())
    return "a list";
  return "a dictionary";
}

[[noreturn]] void wrong_type(const Value &value, std::string_view what,
                             std::string_view wanted) {
  throw Error(Exit::data, what,
              fmt::format("{} expected, found {}", wanted, type_name(value)));
}

} // namespace

std::int64_t Value::integer(std::string_view what) const {
  if (!is_integer())
    wrong_type(*this, what, "an integer");
  return std::get<std::int64_t>(value_);
}

const std::string &Value::string(std::string_view what) const {
  if (!is_string())
    wrong_type(*this, what, "a string");
  return std::get<std::string>(value_);
}

const List &Value::list(std::string_view what) const {
  if (!is_list())
    wrong_type(*this, what, "a list");
  return std::get<List>(value_);
}

const Dict &Value::dict(std::string_view what) const {
  if (!is_dict())
    wrong_type(*this, what, "a dictionary");
  return std::get<Dict>(value_);
}

std::string encode(const Value &value) {
  std::string out;
  encode_to(out, value);
  return out;
}

Value decode(std::string_view bytes, std::string_view what,
             const Limits &limits) {
  return Decoder(bytes, what, limits).whole();
}

std::size_t leading_value_length(std::string_view bytes, std::string_view what,
                                 const Limits &limits) {
  return Decoder(bytes, what, limits).leading();
}

} // namespace hlswarm::bencode
