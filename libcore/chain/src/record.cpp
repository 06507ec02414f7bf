#include "hlswarm/chain/record.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "hlswarm/base/bencode.hpp"

namespace hlswarm {
namespace {

template <std::size_t N> std::string as_string(const std::array<char, N> &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// `bytes`, exactly N of them (checked by the caller), as an array.
template <std::size_t N> std::array<char, N> as_array(std::string_view bytes) {
  std::array<char, N> array{};
  std::copy_n(bytes.begin(), N, array.begin());
  return array;
}

// The rules a record must keep, checked the same way when encoding (a bug
// on our side) and when decoding (hostile input): returns why not.
std::optional<std::string> fields_problem(const RecordFields &fields) {
  if (auto problem = room_name_problem(fields.room.name))
    return fmt::format("room: {}", *problem);
  if (fields.seq < 0 || fields.seq > max_record_integer)
    return fmt::format("seq {} out of range", fields.seq);
  if (fields.prev.has_value() != (fields.seq > 0))
    return std::string(fields.seq > 0 ? "prev missing" : "prev at seq 0");
  if (fields.end && fields.init)
    return std::string("a record is not both an end and an init record");
  const bool media_fields = fields.discontinuity || fields.start_us != 0 ||
                            fields.duration_us != 0 || fields.init_seq;
  if (fields.end) {
    if (media_fields || fields.size != 0 || !fields.info_dict.empty())
      return std::string("an end record has no segment fields");
    return std::nullopt;
  }
  if (fields.init) {
    if (media_fields)
      return std::string("an init record has no start, duration, "
                         "discontinuity or init_seq");
    return std::nullopt;
  }
  if (fields.start_us < 0 || fields.start_us > max_record_integer)
    return fmt::format("start {} out of range", fields.start_us);
  if (fields.duration_us < 0 || fields.duration_us > max_record_integer)
    return fmt::format("duration {} out of range", fields.duration_us);
  if (fields.init_seq && (*fields.init_seq < 0 || *fields.init_seq >= fields.seq))
    return fmt::format("init_seq {} is not an earlier seq than {}",
                       *fields.init_seq, fields.seq);
  return std::nullopt;
}

// Whether `key` belongs in a record of the kind `fields` is.
bool is_key_of_kind(std::string_view key, const RecordFields &fields) {
  for (std::string_view common : {"pk", "prev", "room", "seq", "sig", "v"})
    if (key == common)
      return true;
  if (fields.end)
    return key == "end";
  if (key == "info" || key == "size")
    return true;
  if (fields.init)
    return key == "init";
  return key == "start" || key == "dur" || key == "disc" || key == "iseq";
}

std::string_view kind_name(const RecordFields &fields) {
  return fields.end ? "an end record" : fields.init ? "an init record"
                                                    : "a segment record";
}

bencode::Dict unsigned_dict(const RecordFields &fields) {
  using namespace bencode;
  Dict dict{{"pk", as_string(fields.room.creator)},
            {"room", fields.room.name},
            {"seq", fields.seq},
            {"v", record_version_of(fields)}};
  if (fields.prev)
    dict.emplace("prev", digest_bytes(*fields.prev));
  if (fields.end) {
    dict.emplace("end", 1);
    return dict;
  }
  dict.emplace("size", static_cast<std::int64_t>(fields.size));
  dict.emplace("info", fields.info_dict);
  if (fields.init) {
    dict.emplace("init", 1);
    return dict;
  }
  if (fields.discontinuity)
    dict.emplace("disc", 1);
  dict.emplace("start", fields.start_us);
  dict.emplace("dur", fields.duration_us);
  if (fields.init_seq)
    dict.emplace("iseq", *fields.init_seq);
  return dict;
}

} // namespace

std::int64_t record_version_of(const RecordFields &fields) {
  return fields.init || fields.init_seq ? 2 : 1;
}

std::string encode_unsigned_record(const RecordFields &fields) {
  if (auto problem = fields_problem(fields))
    throw Error(Exit::software, "record", *problem);
  return bencode::encode(unsigned_dict(fields));
}

SignedRecord sign_record(const RecordFields &fields, const Identity &identity) {
  if (!(identity.public_key() == fields.room.creator))
    throw Error(Exit::software, "record", "signing key is not the room's");
  SignedRecord record;
  record.fields = fields;
  record.signature = identity.sign(encode_unsigned_record(fields));
  bencode::Dict dict = unsigned_dict(fields);
  dict.emplace("sig", as_string(record.signature));
  record.bytes = bencode::encode(dict);
  record.id = sha256(record.bytes);
  return record;
}

SignedRecord decode_record(std::string_view bytes, std::string_view what) {
  using namespace bencode;
  auto fail = [&](std::string_view reason) {
    return Error(Exit::data, what, fmt::format("record: {}", reason));
  };
  if (bytes.size() > max_record_bytes)
    throw fail(fmt::format("longer than {} bytes", max_record_bytes));
  Value value = decode(bytes, what, {.max_bytes = max_record_bytes,
                                     .max_depth = 2, .max_items = 16});
  const Dict &dict = value.dict("record");
  auto get = [&](std::string_view key) -> const Value * {
    auto it = dict.find(key);
    return it == dict.end() ? nullptr : &it->second;
  };
  auto require = [&](std::string_view key) -> const Value & {
    const Value *found = get(key);
    if (!found)
      throw fail(fmt::format("no \"{}\"", key));
    return *found;
  };
  auto bytes_of = [&](std::string_view key, std::size_t size) {
    const std::string &text = require(key).string(key);
    if (text.size() != size)
      throw fail(fmt::format("\"{}\" is not {} bytes", key, size));
    return text;
  };
  auto flag = [&](std::string_view key) {
    const Value *found = get(key);
    if (found && found->integer(key) != 1)
      throw fail(fmt::format("\"{}\" must be 1 when present", key));
    return found != nullptr;
  };

  std::int64_t version = require("v").integer("v");
  if (version < 1 || version > record_version)
    throw fail(fmt::format("version {} (this program reads versions 1 to {})",
                           version, record_version));
  RecordFields fields;
  fields.room.creator = as_array<32>(bytes_of("pk", 32));
  fields.room.name = require("room").string("room");
  fields.seq = require("seq").integer("seq");
  if (get("prev"))
    fields.prev = digest_from_bytes(bytes_of("prev", 32));
  fields.end = flag("end");
  fields.init = flag("init");
  fields.discontinuity = flag("disc");
  for (const auto &entry : dict)
    if (!is_key_of_kind(entry.first, fields))
      throw fail(fmt::format("\"{}\" is not a key of {}", entry.first,
                             kind_name(fields)));
  if (!fields.end) {
    std::int64_t size = require("size").integer("size");
    fields.info_dict = require("info").string("info");
    SegmentInfoDict info = decode_segment_info(fields.info_dict, what);
    if (size < 0 || static_cast<std::uint64_t>(size) != info.size)
      throw fail(fmt::format("size {} differs from the info dict's length {}",
                             size, info.size));
    fields.size = info.size;
  }
  if (fields.is_segment()) {
    fields.start_us = require("start").integer("start");
    fields.duration_us = require("dur").integer("dur");
    if (get("iseq"))
      fields.init_seq = require("iseq").integer("iseq");
  }
  if (version != record_version_of(fields))
    throw fail(fmt::format("version {} for {} of version {} (\"init\" and "
                           "\"iseq\" are version 2, all else version 1)",
                           version, kind_name(fields),
                           record_version_of(fields)));
  if (auto problem = fields_problem(fields))
    throw fail(*problem);

  SignedRecord record;
  record.fields = std::move(fields);
  record.signature = as_array<64>(bytes_of("sig", 64));
  // The strict decoder guarantees `bytes` is canonical, so the message is
  // exactly what the creator signed.
  if (!verify_signature(record.fields.room.creator,
                        encode_unsigned_record(record.fields),
                        record.signature))
    throw fail("bad signature");
  record.bytes = std::string(bytes);
  record.id = sha256(record.bytes);
  return record;
}

} // namespace hlswarm
