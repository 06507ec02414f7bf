// Store: rooms, creators and records.
#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

namespace {

const char *mode_name(RoomMode mode) {
  return mode == RoomMode::vod ? "vod" : "live";
}


RoomInfo read_room(const sqlite::Statement &row) {
  RoomInfo info;
  info.id = row.integer(0);
  info.creator = row.text(1);
  info.name = row.text(2);
  info.mode = row.text(3) == "vod" ? RoomMode::vod : RoomMode::live;
  info.ended = row.text(4) == "ended";
  info.pinned = row.integer(5) != 0;
  info.created = row.integer(6);
  return info;
}

// A row of "SELECT pk, times_watched, last_watched, followed FROM creators".
CreatorInfo read_creator(const sqlite::Statement &row) {
  return CreatorInfo{row.text(0), row.integer(1), row.optional_integer(2),
                     row.integer(3) != 0};
}

} // namespace

std::pair<RoomId, bool> Store::Impl::add_room_row(std::string_view creator,
                                                  std::string_view name,
                                                  RoomMode mode) {
  auto key = hex_key(creator, "creator");
  if (name.empty())
    throw Error(Exit::data, "room", "the room name is empty");
  db->statement("INSERT INTO creators (pk) VALUES (?1) ON CONFLICT DO NOTHING")
      .bind(1, key)
      .run();
  db->statement("INSERT INTO rooms (creator, name, mode, created) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
      .bind(1, key)
      .bind(2, name)
      .bind(3, mode_name(mode))
      .bind(4, now())
      .run();
  bool added = db->changes() > 0;
  auto &query =
      db->statement("SELECT id FROM rooms WHERE creator = ?1 AND name = ?2");
  query.bind(1, key).bind(2, name);
  query.step();
  RoomId id = query.integer(0);
  query.reset();
  return {id, added};
}

RoomId Store::add_room(std::string_view creator, std::string_view name,
                       RoomMode mode) {
  impl_->require_writable();
  sqlite::WriteTransaction transaction(*impl_->db);
  RoomId id = impl_->add_room_row(creator, name, mode).first;
  transaction.commit();
  return id;
}

std::optional<RoomInfo> Store::find_room(std::string_view creator,
                                         std::string_view name) {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "WHERE creator = ?1 AND name = ?2");
  query.bind(1, hex_key(creator, "creator")).bind(2, name);
  std::optional<RoomInfo> found;
  if (query.step())
    found = read_room(query);
  query.reset();
  return found;
}

std::vector<RoomInfo> Store::rooms() {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "ORDER BY id");
  std::vector<RoomInfo> found;
  while (query.step())
    found.push_back(read_room(query));
  query.reset();
  return found;
}

std::optional<RoomInfo> Store::room(RoomId id) {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "WHERE id = ?1");
  query.bind(1, id);
  std::optional<RoomInfo> found;
  if (query.step())
    found = read_room(query);
  query.reset();
  return found;
}

std::vector<RoomInfo> Store::creator_rooms(std::string_view creator) {
  auto &query = impl_->db->statement(
      "SELECT id, creator, name, mode, state, pinned, created FROM rooms "
      "WHERE creator = ?1 ORDER BY created, name");
  query.bind(1, hex_key(creator, "creator"));
  std::vector<RoomInfo> rooms;
  while (query.step())
    rooms.push_back(read_room(query));
  query.reset();
  return rooms;
}

namespace {

// Sets one column of room `room` (the statement binds ?1 to the room and
// ?2 to the value); Error(data) if there is no such room.
template <typename Value>
void update_room(sqlite::Database &db, RoomId room, const char *sql, Value value) {
  sqlite::WriteTransaction transaction(db);
  db.statement(sql).bind(1, room).bind(2, value).run();
  if (db.changes() == 0)
    throw Error(Exit::data, "room", fmt::format("no room {} in the store", room));
  transaction.commit();
}

} // namespace

void Store::set_room_pinned(RoomId room, bool pinned) {
  impl_->require_writable();
  update_room(*impl_->db, room, "UPDATE rooms SET pinned = ?2 WHERE id = ?1",
              pinned ? 1 : 0);
}

void Store::set_room_ended(RoomId room, bool ended) {
  impl_->require_writable();
  update_room(*impl_->db, room, "UPDATE rooms SET state = ?2 WHERE id = ?1",
              ended ? "ended" : "open");
}

void Store::set_creator_followed(std::string_view creator, bool followed) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  db.statement("INSERT INTO creators (pk, followed) VALUES (?1, ?2) "
               "ON CONFLICT (pk) DO UPDATE SET followed = excluded.followed")
      .bind(1, hex_key(creator, "creator"))
      .bind(2, followed ? 1 : 0)
      .run();
  transaction.commit();
}

std::vector<CreatorInfo> Store::creators() {
  auto &query = impl_->db->statement(
      "SELECT pk, times_watched, last_watched, followed FROM creators ORDER BY pk");
  std::vector<CreatorInfo> found;
  while (query.step())
    found.push_back(read_creator(query));
  query.reset();
  return found;
}

std::optional<CreatorInfo> Store::creator(std::string_view creator) {
  auto &query = impl_->db->statement(
      "SELECT pk, times_watched, last_watched, followed FROM creators "
      "WHERE pk = ?1");
  query.bind(1, hex_key(creator, "creator"));
  std::optional<CreatorInfo> found;
  if (query.step())
    found = read_creator(query);
  query.reset();
  return found;
}

// ---------------------------------------------------------------- records

void Store::put_record(RoomId room, std::int64_t seq,
                       std::string_view record_id, std::string_view record) {
  impl_->require_writable();
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  auto &existing =
      db.statement("SELECT id FROM records WHERE room = ?1 AND seq = ?2");
  existing.bind(1, room).bind(2, seq);
  if (existing.step()) {
    bool same = existing.text(0) == record_id;
    existing.reset();
    if (!same)
      throw Error(Exit::data, fmt::format("room {} seq {}", room, seq),
                  "a different record is already stored at this seq");
    return;
  }
  existing.reset();
  db.statement(
        "INSERT INTO records (room, seq, id, record) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, room)
      .bind(2, seq)
      .bind(3, record_id)
      .bind_blob(4, record)
      .run();
  transaction.commit();
}

std::optional<std::string> Store::record(RoomId room, std::int64_t seq) {
  auto &query = impl_->db->statement(
      "SELECT record FROM records WHERE room = ?1 AND seq = ?2");
  query.bind(1, room).bind(2, seq);
  std::optional<std::string> found;
  if (query.step())
    found = query.blob(0);
  query.reset();
  return found;
}

std::optional<std::int64_t> Store::last_record_seq(RoomId room) {
  auto &query =
      impl_->db->statement("SELECT max(seq) FROM records WHERE room = ?1");
  query.bind(1, room);
  std::optional<std::int64_t> found;
  if (query.step())
    found = query.optional_integer(0);
  query.reset();
  return found;
}
} // namespace hlswarm
