// Store: removing segment files. A removal commits the rows' deletion with
// a list of the files to unlink (pending_removals), then unlinks them: a
// crash in between leaves the list for the next gc or repair to finish.
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

bool Store::remove_segment(std::string_view infohash_text) {
  impl_->require_writable();
  auto &db = *impl_->db;
  auto infohash = hex_key(infohash_text, "infohash");
  std::string file;
  std::int64_t removal = 0;
  {
    sqlite::WriteTransaction transaction(db);
    auto key = infohash_bytes(infohash);
    auto &query = db.statement("SELECT ext FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"));
    query.bind_blob(1, key);
    if (!query.step())
      return false;
    file = segment_file_name(infohash, "." + query.text(0));
    query.reset();
    // Trigger segments_unused deletes its uses.
    db.statement("DELETE FROM segments WHERE " HLSWARM_SEGMENT_IS("?1"))
        .bind_blob(1, key)
        .run();
    removal = impl_->note_removals({file});
    transaction.commit();
  }
  impl_->finish_removals(removal);
  return true;
}

bool Store::remove_segment(RoomId room, std::int64_t seq) {
  impl_->require_writable();
  auto &db = *impl_->db;
  std::string file;
  std::optional<std::int64_t> removal;
  {
    sqlite::WriteTransaction transaction(db);
    auto &query = db.statement(
        "SELECT s.id, s.infohash, s.ext, "
        "(SELECT count(*) FROM segment_uses o WHERE o.segment = s.id) "
        "FROM segment_uses u JOIN segments s ON s.id = u.segment "
        "WHERE u.room = ?1 AND u.seq = ?2");
    query.bind(1, room).bind(2, seq);
    if (!query.step())
      return false;
    auto id = query.integer(0);
    auto infohash = to_hex(query.blob(1));
    auto extension = query.text(2);
    bool last_use = query.integer(3) <= 1;
    query.reset();
    db.statement("DELETE FROM segment_uses WHERE room = ?1 AND seq = ?2")
        .bind(1, room)
        .bind(2, seq)
        .run();
    if (last_use) {
      file = segment_file_name(infohash, "." + extension);
      db.statement("DELETE FROM segments WHERE id = ?1").bind(1, id).run();
      removal = impl_->note_removals({file});
    }
    transaction.commit();
  }
  if (removal)
    impl_->finish_removals(*removal);
  return true;
}

namespace {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty())
      lines.emplace_back(line);
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

} // namespace

std::int64_t Store::Impl::note_removals(const std::vector<std::string> &files) {
  std::string listed;
  for (const auto &file : files) {
    listed += file;
    listed += '\n';
  }
  db->statement("INSERT INTO pending_removals (files) VALUES (?1)")
      .bind(1, listed)
      .run();
  return db->last_insert_rowid();
}

bool Store::Impl::file_has_row(const std::string &file) {
  fs::path relative(file);
  auto stem = relative.stem().string();
  auto extension = relative.extension().string();
  auto key = infohash_bytes(stem);
  if (key.empty() || extension.size() < 2 ||
      file != segment_file_name(stem, extension))
    return false; // not a name any row would have
  auto &owner = db->statement(
      "SELECT 1 FROM segments WHERE " HLSWARM_SEGMENT_IS("?1") " AND ext = ?2");
  owner.bind_blob(1, key).bind(2, extension.substr(1));
  bool owned = owner.step();
  owner.reset();
  return owned;
}

void Store::Impl::finish_removals(std::int64_t id) {
  sqlite::WriteTransaction transaction(*db);
  auto &read = db->statement("SELECT files FROM pending_removals WHERE id = ?1");
  read.bind(1, id);
  if (!read.step()) {
    read.reset();
    return; // finished by another program meanwhile
  }
  auto files = split_lines(read.text(0));
  read.reset();
  std::string failure;
  std::vector<std::string> failed;
  for (const auto &file : files) {
    if (file_has_row(file))
      continue; // added again meanwhile: its new file stays
    auto path = absolute(file);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      failure = fmt::format("{}: {}", path.string(), std::strerror(errno));
      failed.push_back(file); // stays pending; the next gc or repair retries
    }
  }
  if (failed.empty()) {
    db->statement("DELETE FROM pending_removals WHERE id = ?1").bind(1, id).run();
  } else {
    std::string left;
    for (const auto &file : failed)
      left += file + '\n';
    db->statement("UPDATE pending_removals SET files = ?2 WHERE id = ?1")
        .bind(1, id)
        .bind(2, left)
        .run();
  }
  transaction.commit();
  if (!failure.empty())
    throw Error(Exit::io, failure);
}

std::int64_t Store::Impl::finish_all_removals() {
  std::vector<std::int64_t> ids;
  std::int64_t files = 0;
  auto &query = db->statement("SELECT id, files FROM pending_removals");
  while (query.step()) {
    ids.push_back(query.integer(0));
    files += static_cast<std::int64_t>(split_lines(query.text(1)).size());
  }
  query.reset();
  for (auto id : ids)
    finish_removals(id);
  return files;
}

std::vector<std::string> Store::Impl::pending_removal_files() {
  std::vector<std::string> files;
  auto &query = db->statement("SELECT files FROM pending_removals");
  while (query.step())
    for (auto &file : split_lines(query.text(0)))
      files.push_back(std::move(file));
  query.reset();
  return files;
}

} // namespace hlswarm
