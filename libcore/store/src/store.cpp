// Store: opening (creating, migrating) a store folder, and the helpers the
// other store_*.cpp files share. Rooms and records are in store_rooms.cpp,
// segment files in store_segments.cpp, removals in store_removals.cpp,
// accounting in store_accounting.cpp.
#include "hlswarm/store/store.hpp"
#include "hlswarm/base/text_encoding.hpp"

#include <utility>

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "store_impl.hpp"

namespace hlswarm {
namespace fs = std::filesystem;

std::string hex_key(std::string_view text, std::string_view what) {
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != 32)
    throw Error(Exit::data, what,
                fmt::format("'{}' is not 64 hexadecimal digits", text));
  return to_hex(*bytes);
}


std::string infohash_bytes(std::string_view hex) {
  if (hex.size() != 64)
    return {};
  return from_hex(hex).value_or(std::string());
}

long temporary_owner_pid(const std::string &file_name) {
  auto at = file_name.rfind(".tmp-");
  if (at == std::string::npos)
    return 0;
  long pid = 0;
  for (std::size_t i = at + 5; i < file_name.size() && file_name[i] != '-';
       ++i) {
    if (file_name[i] < '0' || file_name[i] > '9' || pid > 1'000'000'000)
      return 0;
    pid = pid * 10 + (file_name[i] - '0');
  }
  return pid;
}

// ---------------------------------------------------------------- open

UnixSeconds Store::Impl::now() const {
  if (options.clock)
    return options.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Store::Impl::require_writable() const {
  if (options.read_only)
    throw Error(Exit::software, folder.string(),
                "the store was opened read-only");
}

void Store::Impl::migrate() {
  auto version = db->query_integer("PRAGMA user_version");
  if (version > Store::schema_version)
    throw Error(Exit::data, db->path(),
                fmt::format("schema version {} is newer than this program's "
                            "({}); upgrade hlswarm",
                            version, Store::schema_version));
  if (version == Store::schema_version)
    return;
  if (options.read_only)
    throw Error(Exit::temp_fail, db->path(),
                fmt::format("schema version {} needs upgrading to {}; open "
                            "the store once without --dry-run",
                            version, Store::schema_version));
  sqlite::WriteTransaction transaction(*db);
  // Another program may have migrated while we waited for the lock.
  version = db->query_integer("PRAGMA user_version");
  for (auto v = version; v < Store::schema_version; ++v)
    db->execute(store_migrations[v]);
  db->execute(fmt::format("PRAGMA user_version = {}", Store::schema_version));
  transaction.commit();
}

Store::Store(const fs::path &folder, StoreOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->folder = folder;
  impl_->options = std::move(options);
  auto database = folder / store_database_name;
  std::error_code ec;
  if (!fs::exists(database, ec)) {
    if (impl_->options.read_only || !impl_->options.create)
      throw Error(Exit::no_input, folder.string(), "no store here");
    make_dirs(folder / store_segments_folder);
  }
  impl_->db = std::make_unique<sqlite::Database>(
      database, impl_->options.read_only, impl_->options.create);
  auto &db = *impl_->db;
  db.set_busy_timeout(impl_->options.busy_timeout);
  db.execute("PRAGMA foreign_keys = ON");
  if (!impl_->options.read_only) {
    // WAL: readers (serving peers) never wait for the writer and the writer
    // never waits for readers. synchronous = FULL makes each commit durable
    // on its own: a removal unlinks its file right after the commit, so
    // that commit must not roll back after a power cut (with NORMAL it
    // could, leaving a row without a file).
    db.execute("PRAGMA journal_mode = WAL");
    db.execute("PRAGMA synchronous = FULL");
  }
  impl_->migrate();
}

Store::~Store() {
  if (!impl_ || impl_->options.read_only)
    return;
  try {
    impl_->flush_usage();
  } catch (const Error &e) {
    diag::warningf("{}: accounting not written: {}", impl_->folder.string(),
                   e.reason());
  }
}

const fs::path &Store::folder() const { return impl_->folder; }
fs::path Store::database_path() const {
  return impl_->folder / store_database_name;
}
} // namespace hlswarm
