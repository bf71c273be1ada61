import type Database from 'better-sqlite3';

/**
 * The tables of one atSign's database. `user_version` numbers the schema so later versions can migrate.
 * - records: the key store (key as stored, lowercased; metadata as JSON with epoch-ms dates; see version 4),
 *   with each key's latest commit-log entry (see version 5);
 * - commits: the rest of the commit log: entries of keys that have no record carrying them (deletes), one
 *   row per key, ids never reused (see versions 3 and 5);
 * - access_log: who looked up what, for `stats` (topKeys, topAtSigns);
 * - notifications: the notification log (sent, received and self notifications).
 */
const version1 = `
CREATE TABLE records (
  key TEXT PRIMARY KEY,
  value TEXT,
  metadata TEXT NOT NULL,
  expires_at INTEGER,
  available_at INTEGER
) WITHOUT ROWID;
CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE commits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  op TEXT NOT NULL
);
CREATE TABLE access_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  from_atsign TEXT,
  verb TEXT NOT NULL,
  key TEXT
);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  to_atsign TEXT NOT NULL,
  from_atsign TEXT NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX notifications_by_time ON notifications (type, created_at);
`;

/** Version 2: expired notifications are found by their expiry (the notification log's compaction). */
const version2 = `
CREATE INDEX notifications_expiry ON notifications (expires_at) WHERE expires_at IS NOT NULL;
`;

/**
 * Version 3: the commit log drops AUTOINCREMENT, whose sequence table cost an extra page write on every
 * commit. Ids stay unique and increasing because `KeyStore` hands them out itself, starting above the
 * highest id ever stored: the newest entry is only ever replaced by a newer one, so `max(id)` is always the
 * last id issued.
 */
const version3 = `
CREATE TABLE commits_v3 (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  op TEXT NOT NULL
);
INSERT INTO commits_v3 (id, key, op) SELECT id, key, op FROM commits;
DROP TABLE commits;
ALTER TABLE commits_v3 RENAME TO commits;
`;

/**
 * Version 4: records move from a WITHOUT ROWID table to a rowid table with the key in its own index, and the
 * value goes last. A WITHOUT ROWID row is its own b-tree key, and a row of a 1 KiB value does not fit in a
 * 4 KiB page's share, so every comparison on the way down to a key read the whole row from its overflow page:
 * a point read of such a record cost three times what it does with a separate index of keys alone. With the
 * value last, reading a row's key, metadata or expiry (scans, the expiry job) does not touch its overflow pages.
 */
const version4 = `
CREATE TABLE records_v4 (
  key TEXT NOT NULL PRIMARY KEY,
  metadata TEXT NOT NULL,
  expires_at INTEGER,
  available_at INTEGER,
  value TEXT
);
INSERT INTO records_v4 (key, metadata, expires_at, available_at, value)
  SELECT key, metadata, expires_at, available_at, value FROM records ORDER BY key;
DROP TABLE records;
ALTER TABLE records_v4 RENAME TO records;
CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
`;

/**
 * Version 5: a record carries its key's commit-log entry (`commit_id`, `commit_op`), and `commits` keeps only
 * the entries of keys without a record (deletes, records removed without a commit). An update then writes one
 * row, whose commit-index entries sit on the index's newest pages, instead of also a row of a separate log and
 * its key-index entry at a random place: one statement less and fewer pages logged per update, about a
 * third less time in the store. The log reads both tables merged by id; each key's latest entry is in exactly
 * one of them.
 */
const version5 = `
CREATE TABLE records_v5 (
  key TEXT NOT NULL PRIMARY KEY,
  metadata TEXT NOT NULL,
  expires_at INTEGER,
  available_at INTEGER,
  commit_id INTEGER,
  commit_op TEXT,
  value TEXT
);
INSERT INTO records_v5 (key, metadata, expires_at, available_at, commit_id, commit_op, value)
  SELECT records.key, metadata, expires_at, available_at, commits.id, commits.op, value
  FROM records LEFT JOIN commits ON commits.key = records.key ORDER BY records.key;
DELETE FROM commits WHERE key IN (SELECT key FROM records);
DROP TABLE records;
ALTER TABLE records_v5 RENAME TO records;
CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX records_commits ON records (commit_id) WHERE commit_id IS NOT NULL;
`;

/**
 * Version 6: the commit index holds each entry whole (id, key, op), so the log's reads — a `sync:from` window
 * above all — come from the index alone instead of fetching each record's row (mostly its value) to learn the
 * key: a sync page's window costs about 40% less.
 */
const version6 = `
DROP INDEX records_commits;
CREATE INDEX records_commits ON records (commit_id, key, commit_op) WHERE commit_id IS NOT NULL;
`;

const migrations = [version1, version2, version3, version4, version5, version6];

/** Brings a database to the newest schema (or to version `upTo`, for migration tests); safe to run on every open. */
export function migrate(db: Database.Database, upTo: number = migrations.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < upTo; version++) {
    db.transaction(() => {
      db.exec(migrations[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
