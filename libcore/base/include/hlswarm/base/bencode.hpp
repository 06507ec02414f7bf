// Bencode (BEP 3) in its canonical form only: integers without leading
// zeros, dictionary keys sorted by raw bytes and unique. The encoder writes
// only that form; the decoder accepts only that form, so one value has one
// encoding and a hash or signature over the bytes means one thing.
//
// Why our own decoder rather than lt::bdecode: lt::bdecode accepts unsorted
// and duplicate keys, so canonicity would need a second pass (re-encode and
// compare); a single strict pass with hard limits is short, and it is the
// code a fuzzer should hammer, since records arrive from the network.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hlswarm::bencode {

class Value;
using List = std::vector<Value>;
/// std::string compares as unsigned bytes, which is bencode's key order.
using Dict = std::map<std::string, Value, std::less<>>;

/// One bencoded value: an integer, a byte string, a list or a dictionary.
class Value {
public:
  Value(std::int64_t integer) : value_(integer) {}
  Value(int integer) : value_(std::int64_t{integer}) {}
  Value(std::string bytes) : value_(std::move(bytes)) {}
  Value(const char *bytes) : value_(std::string(bytes)) {}
  Value(List list) : value_(std::move(list)) {}
  Value(Dict dict) : value_(std::move(dict)) {}

  bool is_integer() const { return value_.index() == 0; }
  bool is_string() const { return value_.index() == 1; }
  bool is_list() const { return value_.index() == 2; }
  bool is_dict() const { return value_.index() == 3; }

  /// The value as that type; Error(data) naming `what` if it is another.
  std::int64_t integer(std::string_view what) const;
  const std::string &string(std::string_view what) const;
  const List &list(std::string_view what) const;
  const Dict &dict(std::string_view what) const;

  bool operator==(const Value &other) const = default;

private:
  std::variant<std::int64_t, std::string, List, Dict> value_;
};

/// The canonical encoding of `value`.
std::string encode(const Value &value);

/// Bounds for decoding untrusted bytes. Every bound is checked before any
/// memory is reserved, so hostile input costs at most `max_bytes` of work.
struct Limits {
  std::size_t max_bytes = 4096; ///< the whole input
  int max_depth = 8;            ///< nested lists and dictionaries
  std::size_t max_items = 256;  ///< values in total, at any depth
};

/// Decodes exactly one canonical value filling all of `bytes`. Anything
/// else (trailing bytes, unsorted or repeated keys, "i-0e", "i03e", "03:abc",
/// an integer beyond 64 bits, a limit exceeded) throws Error(data) with
/// subject `what` and the offset of the problem.
Value decode(std::string_view bytes, std::string_view what,
             const Limits &limits = {});

/// The length of the one canonical value at the start of `bytes` (what
/// follows it is not read): how a file of values written one after another
/// is split. Checks as decode() does, `limits.max_bytes` bounding that value.
std::size_t leading_value_length(std::string_view bytes, std::string_view what,
                                 const Limits &limits = {});

} // namespace hlswarm::bencode
