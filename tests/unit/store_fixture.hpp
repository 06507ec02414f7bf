// The fixture of the store's unit tests (store_test.cpp, store_schema_test.cpp,
// store_eviction_test.cpp, store_check_test.cpp): a store in a fresh
// temporary folder with a clock the test moves by hand, and helpers that
// reach the database behind the Store's back.
#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/store/store.hpp"
#include "temp_folder.hpp"

namespace hlswarm::test {

namespace fs = std::filesystem;

/// Three creators' public keys.
inline const std::string alice(64, 'a');
inline const std::string bob(64, 'b');
inline const std::string carol(64, 'c');

/// Replaces the file at `path` with `bytes`.
inline void write_all(const fs::path &path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

/// A made-up infohash, distinct for each n.
inline std::string infohash(int n) { return fmt::format("{:064x}", n); }

/// A store in a fresh folder with a clock the test moves by hand.
struct StoreFixture : ::testing::Test {
  test::TempFolder dir;
  fs::path incoming = dir / "incoming";
  UnixSeconds clock = 1'700'000'000;

  void SetUp() override { fs::create_directories(incoming); }

  StoreOptions options(bool read_only = false) {
    StoreOptions o;
    o.read_only = read_only;
    o.clock = [this] { return clock; };
    return o;
  }
  fs::path store_dir() const { return dir / "store"; }

  SegmentInfo add(Store &store, RoomId room, int n, std::size_t bytes) {
    auto source = incoming / fmt::format("seg{:05}.ts", n);
    write_all(source, std::string(bytes, static_cast<char>('a' + n % 26)));
    return store.add_segment({infohash(n), room, n, source, false});
  }

  /// Adds the bytes of segment `n` at (room, seq): the same `n` at two
  /// places is the same segment used twice.
  SegmentInfo add_at(Store &store, RoomId room, std::int64_t seq, int n,
                     std::size_t bytes) {
    auto source = incoming / fmt::format("seg{:05}-{}-{}.ts", n, room, seq);
    write_all(source, std::string(bytes, static_cast<char>('a' + n % 26)));
    return store.add_segment({infohash(n), room, seq, source, false});
  }

  /// A fingerprint of everything in the store folder: the name, size and
  /// a hash of the bytes of every file, the database included. SQLite's
  /// -wal and -shm files are left out but must hold no transactions (an
  /// empty WAL), so store.db alone is the database's content.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> files;
    for (auto &entry : fs::recursive_directory_iterator(store_dir())) {
      if (!entry.is_regular_file())
        continue;
      auto name = entry.path().lexically_relative(store_dir()).string();
      if (name == "store.db-shm")
        continue;
      auto bytes = read_whole_file(entry.path());
      if (name == "store.db-wal") {
        EXPECT_EQ(bytes.size(), 0u) << "the WAL holds transactions";
        continue;
      }
      files[name] = fmt::format("{} bytes, hash {:016x}", bytes.size(),
                                std::hash<std::string>{}(bytes));
    }
    return files;
  }
};

/// Runs a gc; the infohashes it evicted, in order.
inline std::vector<std::string> evict(Store &store, GcPolicy policy,
                               GcReport *report = nullptr) {
  std::vector<std::string> order;
  auto result = store.collect_garbage(policy, [&](const Eviction &e) {
    order.push_back(e.infohash);
  });
  if (report)
    *report = result;
  return order;
}

/// Runs one SQL statement on a store database behind the Store's back.
inline void raw_sql(const fs::path &database, const std::string &sql) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  char *error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

/// The first column of the first row of one SQL query, behind the
/// Store's back (-1 if no row).
inline std::int64_t raw_integer(const fs::path &database, const std::string &sql) {
  sqlite3 *db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY,
                            nullptr),
            SQLITE_OK);
  sqlite3_stmt *statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
            SQLITE_OK);
  std::int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW)
    value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

/// Rows of pending_removals: removals committed but not finished.
inline std::int64_t pending_removals(Store &store) {
  return raw_integer(store.database_path(),
                     "SELECT count(*) FROM pending_removals");
}

} // namespace hlswarm::test
