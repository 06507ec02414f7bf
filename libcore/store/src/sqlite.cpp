#include "sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace hlswarm::sqlite {

Exit exit_for(int result_code) {
  switch (result_code & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return Exit::temp_fail;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT:
  case SQLITE_SCHEMA:
    return Exit::data;
  case SQLITE_IOERR:
  case SQLITE_FULL:
  case SQLITE_PROTOCOL:
    return Exit::io;
  case SQLITE_CANTOPEN:
  case SQLITE_READONLY:
  case SQLITE_PERM:
    return Exit::cant_create;
  default:
    return Exit::software;
  }
}

Database::Database(const std::filesystem::path &path, bool read_only,
                   bool create)
    : path_(path.string()) {
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only)
    flags |= SQLITE_OPEN_CREATE;
  // One connection per thread: SQLite need not lock its own structures.
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(exit_for(rc), path_, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  statements_.clear(); // statements must be finalised before the close
  sqlite3_close(db_);
}

void Database::fail(int result_code, std::string_view what) const {
  std::string message = sqlite3_errmsg(db_);
  // sqlite3_errmsg may describe an older error than result_code when the
  // failure came from a layer that does not set it (e.g. sqlite3_close).
  if (sqlite3_errcode(db_) != result_code)
    message = sqlite3_errstr(result_code);
  throw Error(exit_for(result_code), path_,
              fmt::format("{}: {}", what, message));
}

void Database::set_busy_timeout(std::chrono::milliseconds timeout) {
  int rc = sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
  if (rc != SQLITE_OK)
    fail(rc, "setting the busy timeout");
}

void Database::execute(std::string_view sql) {
  std::string text(sql);
  char *message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    auto first_line = text.substr(0, text.find('\n'));
    throw Error(exit_for(rc), path_, fmt::format("{}: {}", first_line, why));
  }
}

std::int64_t Database::query_integer(std::string_view sql) {
  Statement query(*this, sql);
  return query.step() ? query.integer(0) : 0;
}

Statement &Database::statement(std::string_view sql) {
  auto found = statements_.find(std::string(sql));
  if (found == statements_.end())
    found = statements_
                .emplace(std::string(sql),
                         std::make_unique<Statement>(*this, sql))
                .first;
  found->second->reset();
  return *found->second;
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

Statement::Statement(Database &db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(),
                              static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
  if (rc != SQLITE_OK)
    db.fail(rc, fmt::format("preparing '{}'", sql.substr(0, 60)));
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement &Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(statement_, index, value);
  if (rc != SQLITE_OK)
    db_.fail(rc, "binding a parameter");
  return *this;
}

Statement &Statement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text64(statement_, index, text.data(), text.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK)
    db_.fail(rc, "binding a parameter");
  return *this;
}

Statement &Statement::bind_blob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(),
                               SQLITE_TRANSIENT);
  if (rc != SQLITE_OK)
    db_.fail(rc, "binding a parameter");
  return *this;
}

Statement &Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(statement_, index);
  if (rc != SQLITE_OK)
    db_.fail(rc, "binding a parameter");
  return *this;
}

Statement &Statement::bind(int index, const std::optional<std::int64_t> &value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  std::string sql = sqlite3_sql(statement_);
  sqlite3_reset(statement_);
  db_.fail(rc, sql.substr(0, sql.find_first_of("(\n")));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column))
    return std::nullopt;
  return integer(column);
}

std::string Statement::text(int column) const {
  auto *data = sqlite3_column_text(statement_, column);
  int size = sqlite3_column_bytes(statement_, column);
  return data ? std::string(reinterpret_cast<const char *>(data),
                            static_cast<std::size_t>(size))
              : std::string();
}

std::string Statement::blob(int column) const {
  const void *data = sqlite3_column_blob(statement_, column);
  int size = sqlite3_column_bytes(statement_, column);
  return data ? std::string(static_cast<const char *>(data),
                            static_cast<std::size_t>(size))
              : std::string();
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

WriteTransaction::WriteTransaction(Database &db) : db_(db) {
  db_.statement("BEGIN IMMEDIATE").run();
  open_ = true;
}

WriteTransaction::~WriteTransaction() {
  if (open_)
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  db_.statement("COMMIT").run();
  open_ = false;
}

ReadTransaction::ReadTransaction(Database &db) : db_(db) {
  // BEGIN alone takes no lock; the first read below starts the snapshot.
  db_.statement("BEGIN").run();
}

ReadTransaction::~ReadTransaction() {
  sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
}

} // namespace hlswarm::sqlite
