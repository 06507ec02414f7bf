#include "hlswarm/chain/creator_chain.hpp"

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "hlswarm/store/store.hpp"

namespace hlswarm {

// The creator's side of the store: the room is recorded and pinned (a
// creator keeps their own broadcasts until they unpin them), each segment is
// copied in before its record is appended, and each record after. A crash
// between the chain append and the record leaves the store one record
// behind; catch_up() fills that in on the next start from the chain file,
// which is the authority.
class CreatorChain::StoreSide {
public:
  StoreSide(const std::filesystem::path &folder, const Room &room)
      : store_(folder) {
    room_ = store_.add_room(public_key_hex(room.creator), room.name,
                            RoomMode::live);
    store_.set_room_pinned(room_, true);
  }

  void catch_up(const ChainFile &chain) {
    const auto &last = chain.summary().last;
    std::int64_t next_seq = last ? last->record.fields.seq + 1 : 0;
    // A segment stored for a record that was never appended (a crash or a
    // refused line in between) must not block the segment that takes its
    // seq now.
    forget_segment(next_seq);
    if (!last)
      return;
    auto stored = store_.last_record_seq(room_);
    if (stored && *stored >= last->record.fields.seq)
      return;
    std::string content = read_whole_file(chain.path());
    content.resize(chain.summary().complete_bytes);
    read_chain(content, chain.path().string(), [&](const ChainEntry &entry) {
      if (!stored || entry.record.fields.seq > *stored)
        add_record(entry.record);
    });
  }

  void forget_segment(std::int64_t seq) {
    if (store_.record(room_, seq))
      return;
    store_.remove_segment(room_, seq); // this use only: others may share the file
  }

  void add_segment(const std::filesystem::path &file,
                          const SegmentTorrent &torrent, std::int64_t seq,
                          bool move) {
    NewSegment segment;
    segment.infohash = to_hex(digest_bytes(torrent.infohash()));
    segment.room = room_;
    segment.seq = seq;
    segment.source = file;
    segment.move = move;
    store_.add_segment(segment);
  }

  void add_record(const SignedRecord &record) {
    store_.put_record(room_, record.fields.seq, to_hex(digest_bytes(record.id)),
                      record.bytes);
    if (record.fields.end)
      store_.set_room_ended(room_, true);
  }

private:
  Store store_;
  RoomId room_ = 0;
};

CreatorChain::CreatorChain(ChainFile &chain, const Identity &identity, Room room,
                           std::filesystem::path store, Files files,
                           std::function<void(const std::string &)> appended)
    : chain_(chain), identity_(identity), room_(std::move(room)),
      store_folder_(std::move(store)), files_(files),
      appended_(std::move(appended)) {}

CreatorChain::~CreatorChain() = default;

CreatorChain::StoreSide &CreatorChain::store() {
  if (!store_) {
    store_ = std::make_unique<StoreSide>(store_folder_, room_);
    store_->catch_up(chain_);
  }
  return *store_;
}

RecordFields CreatorChain::next_fields() const {
  RecordFields fields;
  fields.room = room_;
  if (const auto &last = chain_.summary().last) {
    fields.seq = last->record.fields.seq + 1;
    fields.prev = last->record.id;
  }
  return fields;
}

SignedRecord CreatorChain::append(RecordFields fields,
                                  const std::filesystem::path *file,
                                  const SegmentTorrent *torrent) {
  std::string path;
  if (file) {
    fields.size = torrent->info.size;
    fields.info_dict = torrent->info_dict;
    // An init segment is copied even then: the next segments name it too.
    bool move = files_ == Files::moved && !fields.init;
    store().add_segment(*file, *torrent, fields.seq, move);
    path = file->string();
  }
  SignedRecord record = sign_record(fields, identity_);
  std::string chain_line;
  try {
    chain_line = chain_.append({record, path});
  } catch (...) {
    if (file)
      store().forget_segment(fields.seq);
    throw;
  }
  store().add_record(record);
  if (appended_)
    appended_(chain_line);
  return record;
}

// The seq of the init record for the fMP4 init segment at `path`: the
// chain's newest init record if it holds the same bytes (compared by
// merkle root and size: the file's name does not matter), else a new
// one appended now (a first segment, or a restart with another init).
std::int64_t CreatorChain::init_seq_for(const std::filesystem::path &path) {
  SegmentTorrent torrent = hash_segment(path);
  const auto &inits = chain_.summary().inits;
  if (!inits.empty()) {
    SegmentInfoDict newest =
        decode_segment_info(inits.back().fields.info_dict, path.string());
    if (newest.pieces_root == torrent.info.pieces_root &&
        newest.size == torrent.info.size)
      return inits.back().fields.seq;
  }
  RecordFields fields = next_fields();
  fields.init = true;
  append(fields, &path, &torrent);
  return fields.seq;
}

SignedRecord CreatorChain::append_segment(const ChainSegment &segment) {
  std::optional<std::int64_t> init_seq;
  if (segment.init)
    init_seq = init_seq_for(*segment.init);
  RecordFields fields = next_fields();
  fields.discontinuity = segment.discontinuity;
  fields.start_us = segment.start_us;
  fields.duration_us = segment.duration_us;
  fields.init_seq = init_seq;
  return append(fields, &segment.path, &segment.torrent);
}

SignedRecord CreatorChain::append_end() {
  RecordFields fields = next_fields();
  fields.end = true;
  return append(fields, nullptr, nullptr);
}

} // namespace hlswarm
