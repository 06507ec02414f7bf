// The store's schema, as the migrations that build it. A new store runs
// every migration from version 0, so a fresh store and an upgraded one are
// the same by construction. Never edit a migration that has shipped: add
// the next one and bump Store::schema_version.
//
// Rows are kept small on purpose: evicting 10% of a million segments
// rewrites every page those rows and their index entries sit on, so bytes
// per row are bytes written per gc. Hence the infohash as a 32-byte blob,
// indexed by its first 8 bytes, and no file name column (the name follows
// from infohash and extension).
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
  infohash        BLOB NOT NULL CHECK (length(infohash) = 32),
  room            INTEGER NOT NULL REFERENCES rooms(id),
  seq             INTEGER NOT NULL,
  ext             TEXT NOT NULL,
  bytes           INTEGER NOT NULL,
  added           INTEGER NOT NULL,
  last_requested  INTEGER,
  requests_served INTEGER NOT NULL DEFAULT 0
);
-- serving: a segment by infohash. Only its first 8 bytes are indexed: an
-- index of whole infohashes is three times larger, and gc rewrites most of
-- its pages (infohashes are random). Writers keep infohashes unique (they
-- look one up under the write lock before inserting it).
CREATE INDEX segments_by_infohash ON segments(substr(infohash, 1, 8));
-- serving: a room's segment by seq
CREATE UNIQUE INDEX segments_by_room ON segments(room, seq);
-- gc: walk segments least recently used first, and stop at the idle cut-off
CREATE INDEX segments_by_use ON segments(coalesce(last_requested, added));

-- For people and other programs: each segment's infohash in hex and its
-- file, relative to the store folder.
CREATE VIEW segment_files AS
SELECT id, lower(hex(infohash)) AS infohash, room, seq, bytes,
       'segments/' || lower(hex(substr(infohash, 1, 1))) || '/' ||
       lower(hex(infohash)) || '.' || ext AS file
FROM segments;
)sql",

    // 1 -> 2: upload accounting; removals that survive a crash between the
    // row's deletion and the file's unlink; per-room totals kept by
    // triggers, so the size of the store is known without reading every row.
    R"sql(
ALTER TABLE segments ADD COLUMN bytes_uploaded INTEGER NOT NULL DEFAULT 0;

CREATE TABLE removals (
  file TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE room_totals (
  room     INTEGER PRIMARY KEY REFERENCES rooms(id),
  segments INTEGER NOT NULL,
  bytes    INTEGER NOT NULL
);
INSERT INTO room_totals (room, segments, bytes)
  SELECT room, count(*), sum(bytes) FROM segments GROUP BY room;

CREATE TRIGGER segments_added AFTER INSERT ON segments BEGIN
  INSERT INTO room_totals (room, segments, bytes) VALUES (new.room, 1, new.bytes)
  ON CONFLICT (room) DO UPDATE SET segments = segments + 1,
                                   bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER segments_removed AFTER DELETE ON segments BEGIN
  UPDATE room_totals SET segments = segments - 1, bytes = bytes - old.bytes
  WHERE room = old.room;
END;
CREATE TRIGGER segments_changed AFTER UPDATE OF room, bytes ON segments BEGIN
  UPDATE room_totals SET segments = segments - 1, bytes = bytes - old.bytes
  WHERE room = old.room;
  INSERT INTO room_totals (room, segments, bytes) VALUES (new.room, 1, new.bytes)
  ON CONFLICT (room) DO UPDATE SET segments = segments + 1,
                                   bytes = bytes + excluded.bytes;
END;
)sql",

    // 2 -> 3: a segment file may be used by several rooms (the same bytes
    // re-used, re-broadcast, or identical silent segments): the file (one
    // row of segments, by infohash) is the unit of storage and eviction, and
    // which (room, seq) use it is the relation segment_uses. The table is
    // rebuilt without its room and seq columns (SQLite cannot drop a column
    // that has a foreign key).
    //
    // room_totals now counts a room's uses and the bytes of their files, so
    // a file shared by two rooms counts in both; segment_totals holds the
    // store's own count and bytes, each file once.
    //
    // segment_uses.segment is not declared a foreign key on purpose: a
    // dangling use is a fault that check() reports and repairs, where a
    // foreign key violation would stop every repair. Writers delete a
    // segment's uses with it (trigger segments_unused).
    R"sql(
DROP VIEW segment_files;
DROP TRIGGER segments_added;
DROP TRIGGER segments_removed;
DROP TRIGGER segments_changed;

CREATE TABLE segments_v3 (
  id              INTEGER PRIMARY KEY,
  infohash        BLOB NOT NULL CHECK (length(infohash) = 32),
  ext             TEXT NOT NULL,
  bytes           INTEGER NOT NULL,
  added           INTEGER NOT NULL,
  last_requested  INTEGER,
  requests_served INTEGER NOT NULL DEFAULT 0,
  bytes_uploaded  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO segments_v3 (id, infohash, ext, bytes, added, last_requested,
                         requests_served, bytes_uploaded)
  SELECT id, infohash, ext, bytes, added, last_requested, requests_served,
         bytes_uploaded FROM segments;

CREATE TABLE segment_uses (
  room    INTEGER NOT NULL REFERENCES rooms(id),
  seq     INTEGER NOT NULL,
  segment INTEGER NOT NULL, -- segments.id
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
INSERT INTO segment_uses (room, seq, segment) SELECT room, seq, id FROM segments;

DROP TABLE segments;
ALTER TABLE segments_v3 RENAME TO segments;
CREATE INDEX segments_by_infohash ON segments(substr(infohash, 1, 8));
CREATE INDEX segments_by_use ON segments(coalesce(last_requested, added));
-- a file's uses: its protection (pinned, followed) and its removal
CREATE INDEX segment_uses_by_segment ON segment_uses(segment);

CREATE TABLE segment_totals (
  id       INTEGER PRIMARY KEY CHECK (id = 0),
  segments INTEGER NOT NULL,
  bytes    INTEGER NOT NULL
);
INSERT INTO segment_totals (id, segments, bytes)
  SELECT 0, count(*), coalesce(sum(bytes), 0) FROM segments;

CREATE TRIGGER segments_added AFTER INSERT ON segments BEGIN
  UPDATE segment_totals SET segments = segments + 1, bytes = bytes + new.bytes;
END;
-- BEFORE: the uses' triggers still find the file's bytes.
CREATE TRIGGER segments_unused BEFORE DELETE ON segments BEGIN
  DELETE FROM segment_uses WHERE segment = old.id;
END;
CREATE TRIGGER segments_removed AFTER DELETE ON segments BEGIN
  UPDATE segment_totals SET segments = segments - 1, bytes = bytes - old.bytes;
END;
CREATE TRIGGER segments_resized AFTER UPDATE OF bytes ON segments BEGIN
  UPDATE segment_totals SET bytes = bytes - old.bytes + new.bytes;
  UPDATE room_totals SET bytes = bytes - old.bytes + new.bytes
  WHERE room IN (SELECT room FROM segment_uses WHERE segment = new.id);
END;

CREATE TRIGGER segment_uses_added AFTER INSERT ON segment_uses BEGIN
  INSERT INTO room_totals (room, segments, bytes)
  VALUES (new.room, 1,
          coalesce((SELECT bytes FROM segments WHERE id = new.segment), 0))
  ON CONFLICT (room) DO UPDATE SET segments = segments + 1,
                                   bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER segment_uses_removed AFTER DELETE ON segment_uses BEGIN
  UPDATE room_totals
  SET segments = segments - 1,
      bytes = bytes - coalesce((SELECT bytes FROM segments WHERE id = old.segment), 0)
  WHERE room = old.room;
END;
CREATE TRIGGER segment_uses_moved AFTER UPDATE OF room, segment ON segment_uses BEGIN
  UPDATE room_totals
  SET segments = segments - 1,
      bytes = bytes - coalesce((SELECT bytes FROM segments WHERE id = old.segment), 0)
  WHERE room = old.room;
  INSERT INTO room_totals (room, segments, bytes)
  VALUES (new.room, 1,
          coalesce((SELECT bytes FROM segments WHERE id = new.segment), 0))
  ON CONFLICT (room) DO UPDATE SET segments = segments + 1,
                                   bytes = bytes + excluded.bytes;
END;

-- For people and other programs: one row per use of a segment file (and
-- one with a null room and seq for a file no room uses), its infohash in
-- hex and its file, relative to the store folder.
CREATE VIEW segment_files AS
SELECT s.id, lower(hex(s.infohash)) AS infohash, u.room, u.seq, s.bytes,
       'segments/' || lower(hex(substr(s.infohash, 1, 1))) || '/' ||
       lower(hex(s.infohash)) || '.' || s.ext AS file
FROM segments s LEFT JOIN segment_uses u ON u.segment = s.id;
)sql",

    // 3 -> 4: pending removals are recorded a batch to a row, not a row per
    // file: store-gc evicting 100,000 files spent a quarter of its time
    // inserting and deleting them one by one. An add no longer takes its
    // name out of the removals; whoever unlinks a pending removal checks
    // first, under the write lock, that no segment row owns the name again.
    R"sql(
-- AUTOINCREMENT: an id is never used twice, so a program that finished
-- another's removal meanwhile cannot make it drop a newer one by its id.
CREATE TABLE pending_removals (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  files TEXT NOT NULL -- relative to the store folder, one per line
);
INSERT INTO pending_removals (files)
  SELECT group_concat(file, char(10)) || char(10) FROM removals
  HAVING count(*) > 0;
DROP TABLE removals;
)sql",

    // 4 -> 5: video files imported as rooms (peer-seed --dir). A row is
    // written with its room, in one transaction, before the first segment
    // is cut, and marked done after the end record: a row still importing
    // when no import runs is an import a crash or a stop cut short, whose
    // room the next import removes whole (nothing is ever half-imported).
    R"sql(
CREATE TABLE imports (
  id       INTEGER PRIMARY KEY,
  path     TEXT NOT NULL,    -- absolute path of the video file
  size     INTEGER NOT NULL, -- its size and modification time when hashed
  mtime_ns INTEGER NOT NULL,
  sha256   TEXT NOT NULL CHECK (length(sha256) = 64), -- of its content, hex
  room     INTEGER NOT NULL REFERENCES rooms(id),
  state    TEXT NOT NULL CHECK (state IN ('importing', 'done')),
  started  INTEGER NOT NULL
);
-- is this file imported already: the newest import of a path
CREATE INDEX imports_by_path ON imports(path);
)sql",
};

} // namespace hlswarm
