// Store: video files imported as rooms (the imports table), and removing a
// room whole, which rolls back an import cut short.
#include <functional>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "store_impl.hpp"

namespace hlswarm {

namespace {

constexpr const char *import_columns =
    "id, path, size, mtime_ns, sha256, room, state, started";

VideoImport read_import(const sqlite::Statement &row) {
  VideoImport info;
  info.id = row.integer(0);
  info.path = row.text(1);
  info.size = static_cast<std::uint64_t>(row.integer(2));
  info.mtime_ns = row.integer(3);
  info.sha256 = row.text(4);
  info.room = row.integer(5);
  info.done = row.text(6) == "done";
  info.started = row.integer(7);
  return info;
}

} // namespace

bool Store::remove_room(RoomId room) {
  impl_->require_writable();
  auto &db = *impl_->db;
  std::optional<std::int64_t> removal;
  {
    sqlite::WriteTransaction transaction(db);
    auto &exists = db.statement("SELECT 1 FROM rooms WHERE id = ?1");
    exists.bind(1, room);
    bool found = exists.step();
    exists.reset();
    if (!found)
      return false;
    // The files only this room uses go with it.
    auto &own = db.statement(
        "SELECT s.id, s.infohash, s.ext FROM segment_uses u "
        "JOIN segments s ON s.id = u.segment WHERE u.room = ?1 AND NOT EXISTS "
        "(SELECT 1 FROM segment_uses o WHERE o.segment = s.id AND o.room <> ?1)");
    own.bind(1, room);
    std::vector<std::int64_t> ids;
    std::vector<std::string> files;
    while (own.step()) {
      ids.push_back(own.integer(0));
      files.push_back(segment_file_name(to_hex(own.blob(1)), "." + own.text(2)));
    }
    own.reset();
    db.statement("DELETE FROM segment_uses WHERE room = ?1").bind(1, room).run();
    for (auto id : ids)
      db.statement("DELETE FROM segments WHERE id = ?1").bind(1, id).run();
    for (const char *sql : {"DELETE FROM records WHERE room = ?1",
                            "DELETE FROM room_totals WHERE room = ?1",
                            "DELETE FROM imports WHERE room = ?1",
                            "DELETE FROM rooms WHERE id = ?1"})
      db.statement(sql).bind(1, room).run();
    if (!files.empty())
      removal = impl_->note_removals(files);
    transaction.commit();
  }
  if (removal)
    impl_->finish_removals(*removal);
  return true;
}

VideoImport Store::begin_import(const NewImport &import) {
  impl_->require_writable();
  auto sha256 = hex_key(import.sha256, "sha256");
  auto &db = *impl_->db;
  sqlite::WriteTransaction transaction(db);
  auto [room, added] = impl_->add_room_row(import.creator, import.name, RoomMode::vod);
  if (!added)
    throw Error(Exit::data, import.name, "the creator has a room of this name");
  db.statement("UPDATE rooms SET pinned = 1 WHERE id = ?1").bind(1, room).run();
  VideoImport row;
  row.path = import.path;
  row.size = import.size;
  row.mtime_ns = import.mtime_ns;
  row.sha256 = sha256;
  row.room = room;
  row.started = impl_->now();
  db.statement("INSERT INTO imports (path, size, mtime_ns, sha256, room, "
               "state, started) VALUES (?1, ?2, ?3, ?4, ?5, 'importing', ?6)")
      .bind(1, import.path.string())
      .bind(2, static_cast<std::int64_t>(import.size))
      .bind(3, import.mtime_ns)
      .bind(4, sha256)
      .bind(5, row.room)
      .bind(6, row.started)
      .run();
  row.id = db.last_insert_rowid();
  transaction.commit();
  return row;
}

namespace {

void update_import(sqlite::Database &db, std::int64_t id, const char *sql,
                   const std::function<void(sqlite::Statement &)> &bind) {
  sqlite::WriteTransaction transaction(db);
  auto &update = db.statement(sql);
  update.bind(1, id);
  bind(update);
  update.run();
  if (db.changes() == 0)
    throw Error(Exit::data, "import", fmt::format("no import {} in the store", id));
  transaction.commit();
}

} // namespace

void Store::finish_import(std::int64_t id) {
  impl_->require_writable();
  update_import(*impl_->db, id, "UPDATE imports SET state = 'done' WHERE id = ?1",
                [](sqlite::Statement &) {});
}

void Store::update_import_file(std::int64_t id, std::uint64_t size,
                               std::int64_t mtime_ns) {
  impl_->require_writable();
  update_import(*impl_->db, id,
                "UPDATE imports SET size = ?2, mtime_ns = ?3 WHERE id = ?1",
                [&](sqlite::Statement &update) {
                  update.bind(2, static_cast<std::int64_t>(size)).bind(3, mtime_ns);
                });
}

std::optional<VideoImport> Store::last_import(std::string_view creator,
                                              const std::filesystem::path &path) {
  auto &query = impl_->db->statement(fmt::format(
      "SELECT {} FROM imports WHERE path = ?1 AND state = 'done' AND room IN "
      "(SELECT id FROM rooms WHERE creator = ?2) ORDER BY id DESC LIMIT 1",
      import_columns));
  query.bind(1, path.string()).bind(2, hex_key(creator, "creator"));
  std::optional<VideoImport> found;
  if (query.step())
    found = read_import(query);
  query.reset();
  return found;
}

std::vector<VideoImport> Store::unfinished_imports() {
  auto &query = impl_->db->statement(fmt::format(
      "SELECT {} FROM imports WHERE state <> 'done' ORDER BY id", import_columns));
  std::vector<VideoImport> found;
  while (query.step())
    found.push_back(read_import(query));
  query.reset();
  return found;
}

} // namespace hlswarm
