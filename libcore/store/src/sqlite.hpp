// A thin RAII layer over the SQLite C API for the store: a connection,
// prepared statements, and write transactions. Internal to libcore; every
// SQLite failure leaves it as an hlswarm::Error with the exit code it means.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hlswarm/base/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hlswarm::sqlite {

/// Maps an SQLite result code to an exit code: busy or locked (after the
/// busy timeout) is a temporary failure (75), a corrupt or foreign file is
/// bad data (65), I/O and a full disk are I/O errors (74), a database that
/// cannot be opened or written is cant_create (73), the rest software (70).
Exit exit_for(int result_code);

class Statement;

/// One connection to one database file.
class Database {
public:
  /// Opens `path` read-write (creating it when `create`) or read-only.
  Database(const std::filesystem::path &path, bool read_only, bool create);
  ~Database();
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;

  /// How long a statement waits for another connection's lock before it
  /// fails with SQLITE_BUSY.
  void set_busy_timeout(std::chrono::milliseconds timeout);

  /// Runs one or more statements that return no rows (schema, pragmas).
  void execute(std::string_view sql);
  /// The first column of the first row of `sql`, as an integer.
  std::int64_t query_integer(std::string_view sql);

  /// A prepared statement, prepared on first use and kept for the life of
  /// the connection (reset before it is handed out again).
  Statement &statement(std::string_view sql);

  /// Number of rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  /// The rowid of the last row inserted on this connection.
  std::int64_t last_insert_rowid() const;
  sqlite3 *handle() const { return db_; }
  const std::string &path() const { return path_; }

  /// Throws the Error for `result_code` with the connection's message,
  /// "store.db: <what>: <sqlite message>".
  [[noreturn]] void fail(int result_code, std::string_view what) const;

private:
  sqlite3 *db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

/// A prepared statement. bind() takes parameters by 1-based index; step()
/// returns true while there is a row to read with the column accessors.
class Statement {
public:
  Statement(Database &db, std::string_view sql);
  ~Statement();
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;

  Statement &bind(int index, std::int64_t value);
  Statement &bind(int index, std::string_view text);
  Statement &bind_blob(int index, std::string_view bytes);
  Statement &bind_null(int index);
  Statement &bind(int index, const std::optional<std::int64_t> &value);

  /// Advances to the next row; false when done. Errors throw.
  bool step();
  /// Runs a statement that returns no rows.
  void run();
  /// Resets and clears bindings so the statement can be used again.
  void reset();

  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  bool is_null(int column) const;

private:
  Database &db_;
  sqlite3_stmt *statement_ = nullptr;
};

/// A write transaction taken with BEGIN IMMEDIATE: the write lock is taken
/// at the start (waiting up to the busy timeout), never upgraded from a
/// read lock halfway, which in WAL mode fails at once with SQLITE_BUSY
/// without waiting. Rolled back unless commit() is called.
class WriteTransaction {
public:
  explicit WriteTransaction(Database &db);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction &) = delete;
  WriteTransaction &operator=(const WriteTransaction &) = delete;
  void commit();

private:
  Database &db_;
  bool open_ = false;
};

/// A read transaction: one consistent snapshot for several queries.
class ReadTransaction {
public:
  explicit ReadTransaction(Database &db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction &) = delete;
  ReadTransaction &operator=(const ReadTransaction &) = delete;

private:
  Database &db_;
};

} // namespace hlswarm::sqlite
