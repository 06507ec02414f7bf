// The store's schema, as the migrations that build it. A new store runs
// every migration from version 0, so a fresh store and an upgraded one are
// the same by construction. Never edit a migration that has shipped: add
// the next one and bump Store::schema_version.
#include "store_impl.hpp"

namespace hlswarm {

const char *const store_migrations[Store::schema_version] = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE creators (
  pk            TEXT PRIMARY KEY CHECK (length(pk) = 64),
  times_watched INTEGER NOT NULL DEFAULT 0,
  last_watched  INTEGER,
  followed      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE rooms (
  id      INTEGER PRIMARY KEY,
  creator TEXT NOT NULL REFERENCES creators(pk),
  name    TEXT NOT NULL,
  mode    TEXT NOT NULL CHECK (mode IN ('live', 'vod')),
  state   TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended')),
  pinned  INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  UNIQUE (creator, name)
);

CREATE TABLE records (
  room   INTEGER NOT NULL REFERENCES rooms(id),
  seq    INTEGER NOT NULL,
  id     TEXT NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;

CREATE TABLE segments (
  id              INTEGER PRIMARY KEY,
  infohash        TEXT NOT NULL UNIQUE CHECK (length(infohash) = 64),
  room            INTEGER NOT NULL REFERENCES rooms(id),
  seq             INTEGER NOT NULL,
  file            TEXT NOT NULL,
  bytes           INTEGER NOT NULL,
  added           INTEGER NOT NULL,
  last_requested  INTEGER,
  requests_served INTEGER NOT NULL DEFAULT 0
);
-- serving: a room's segment by seq (the UNIQUE constraint on infohash
-- already indexes lookups by infohash)
CREATE UNIQUE INDEX segments_by_room ON segments(room, seq);
-- gc: walk segments least recently used first, and stop at the idle cut-off
CREATE INDEX segments_by_use ON segments(coalesce(last_requested, added));
)sql",

    // 1 -> 2: upload accounting, and removals that survive a crash between
    // the row's deletion and the file's unlink.
    R"sql(
ALTER TABLE segments ADD COLUMN bytes_uploaded INTEGER NOT NULL DEFAULT 0;

CREATE TABLE removals (
  file TEXT PRIMARY KEY
) WITHOUT ROWID;
)sql",
};

} // namespace hlswarm
