// The record: one per segment (plus one end-of-stream record, and in an fMP4
// room one per init segment), signed by the creator and linked to the record
// before it by hash. Canonical bencode, no floating point (times are
// microseconds). Encoding and decoding live here and nowhere else; decoding
// treats its input as hostile. The three kinds:
//
//   segment d[4:disci1e]3:duri<us>e4:info<info dict bytes>[4:iseqi<n>e]
//            2:pk32:<key>[4:prev32:<id>]4:room<name>3:seqi<n>e3:sig64:<sig>
//            4:sizei<bytes>e5:starti<us>e1:vi<1, or 2 with iseq>ee
//   init    d4:info<info dict bytes>4:initi1e2:pk32:<key>[4:prev32:<id>]
//            4:room<name>3:seqi<n>e3:sig64:<sig>4:sizei<bytes>e1:vi2ee
//   end     d3:endi1e2:pk32:<key>[4:prev32:<id>]4:room<name>3:seqi<n>e
//            3:sig64:<sig>1:vi1ee
//
// The signature covers the same dictionary without "sig". The record id is
// SHA-256 of the whole signed record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/sha256.hpp"
#include "hlswarm/chain/ed25519.hpp"
#include "hlswarm/chain/identity.hpp"
#include "hlswarm/chain/room.hpp"
#include "hlswarm/chain/segment_torrent.hpp"

namespace hlswarm {

/// The newest record format version ("v"); bumped whenever the format
/// changes. A record is written with the lowest version that has its keys
/// (record_version_of), so a record has one encoding and records of earlier
/// versions stay valid: version 2 added init records and "iseq".
inline constexpr std::int64_t record_version = 2;

/// No record is longer: it must fit in a BEP 44 room head (1000 bytes).
inline constexpr std::size_t max_record_bytes = 1000;

/// seq, start and duration stay below 2^53, so that a reader who parses
/// them as JSON numbers (doubles) gets them exactly.
inline constexpr std::int64_t max_record_integer = (std::int64_t{1} << 53) - 1;

/// The fields of a record, before or after signing.
struct RecordFields {
  Room room;
  std::int64_t seq = 0;
  std::optional<Sha256> prev; ///< id of record seq-1; absent at seq 0
  /// End of stream: a record of its own after the last segment, carrying
  /// none of the segment fields below.
  bool end = false;
  /// The record carries an fMP4 init segment (ftyp and moov, no samples):
  /// size and info_dict are the init segment's; no start, duration,
  /// discontinuity or init_seq. Version 2.
  bool init = false;
  /// Segment records of an fMP4 room: the seq of the init record this
  /// segment plays after (always below seq). A viewer writes that init
  /// segment before the segment. Version 2.
  std::optional<std::int64_t> init_seq;
  /// The first segment after the creator's pipeline restarted: media
  /// timestamps may jump here (an HLS player needs EXT-X-DISCONTINUITY).
  bool discontinuity = false;
  std::int64_t start_us = 0;    ///< media start on the chain's timeline
  std::int64_t duration_us = 0; ///< media duration
  std::uint64_t size = 0;       ///< segment file size in bytes
  std::string info_dict;        ///< the segment torrent's v2 info dict

  /// A media segment's record: neither the end record nor an init record.
  bool is_segment() const { return !end && !init; }
  bool operator==(const RecordFields &other) const = default;
};

/// A signed record: its fields, its exact bytes and its id.
struct SignedRecord {
  RecordFields fields;
  Signature signature{};
  std::string bytes; ///< the canonical signed encoding
  Sha256 id{};       ///< sha256(bytes)

  /// The segment torrent's infohash (v2), for segment and init records.
  Sha256 infohash() const { return sha256(fields.info_dict); }
};

/// The version ("v") a record with `fields` has: 2 for an init record and a
/// segment record with init_seq, 1 for every other.
std::int64_t record_version_of(const RecordFields &fields);

/// The bytes the signature covers: the canonical dictionary without "sig".
/// Error(software) if the fields break the rules decode_record enforces.
std::string encode_unsigned_record(const RecordFields &fields);

/// Signs `fields` with `identity`, whose public key must be the room's.
SignedRecord sign_record(const RecordFields &fields, const Identity &identity);

/// Reads a record from untrusted bytes: at most max_record_bytes of
/// canonical bencode, exactly the keys of its kind (segment, init or end),
/// the version of those keys (1, or 2 with "init" or "iseq"), every value
/// in range, a valid room name, a valid segment info dict whose length
/// equals "size", and a signature that verifies with "pk". Any failure
/// throws Error(data) with subject `what`.
SignedRecord decode_record(std::string_view bytes, std::string_view what);

} // namespace hlswarm
