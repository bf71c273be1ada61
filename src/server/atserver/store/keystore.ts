import type Database from 'better-sqlite3';
import type { Metadata } from '$lib/at/metadata';
import { lastCommitIdQuery } from './commit-log';
import type { GroupCommit } from './group-commit';

/** Commit-log operations, with the reference's symbols (atprotocol.md §8.1). */
export type CommitOp = '+' | '-' | '#' | '*';

/** A record as the key store holds it. `value` is null for keys created by `update:meta`. */
export interface StoredRecord {
  key: string;
  value: string | null;
  metadata: Metadata;
}

export interface WriteOptions {
  /** Enrollment and APKAM keys are stored without a commit (the reference's skipCommit). */
  skipCommit?: boolean;
}

/**
 * Whether changes to a key go to the commit log (and so sync to devices): never for `private:`,
 * `privatekey:`, `local:` or hidden public keys `public:_x` — but `public:__x` is committed (§8.1).
 */
export function isCommitted(key: string): boolean {
  if (key.startsWith('public:__')) return true;
  return !/^(private:|privatekey:|public:_|local:)/.test(key);
}

/** Whether a write of `key` goes to the commit log. */
const logged = (key: string, options: WriteOptions) => !options.skipCommit && isCommitted(key);

interface Row {
  key: string;
  value: string | null;
  metadata: string;
}

/**
 * Records kept in memory after a read or a write, so that a hot key costs neither an SQLite query nor a JSON
 * parse (a third of an `llookup`'s server time, and of an `update`'s, which reads the record it replaces).
 * Every write to `records` goes through this class: it drops the key's record inside the transaction and
 * keeps the new one once that has committed, so the copy is never stale. Large values are not kept.
 *
 * The cache is bounded by an estimate of its size rather than a count, so that it holds tens of thousands of
 * small records (a working set larger than the cache misses on every access, as oldest-first eviction of keys
 * written in a cycle always drops the next one wanted) while large values cannot make it big.
 */
const cachedBytes = 16 * 1024 * 1024;
const maxCachedValueLength = 16_384;
/** A rough per-record cost beyond the key and value text: the metadata object, the map entry. */
const recordOverheadBytes = 512;

const cachedSize = (record: StoredRecord) => recordOverheadBytes + record.key.length + (record.value?.length ?? 0);

/**
 * The metadata as a read of `json` would give it (no undefined fields), without parsing: a shallow copy when
 * every field is a string, boolean or finite number (metadata is flat), else the JSON round trip itself.
 */
function asStored(metadata: Metadata, json: string): Metadata {
  const copy: Record<string, unknown> = {};
  for (const field in metadata) {
    const value: unknown = metadata[field as keyof Metadata];
    if (value === undefined) continue;
    if (typeof value === 'object' || (typeof value === 'number' && !Number.isFinite(value))) {
      return JSON.parse(json) as Metadata;
    }
    copy[field] = value;
  }
  return copy as unknown as Metadata;
}

/** Keys read by one query of {@link KeyStore.getMany}: a sync page's at most 25, in one go. */
const manyKeys = 32;

const recordOf = (row: Row): StoredRecord => ({
  key: row.key,
  value: row.value,
  metadata: JSON.parse(row.metadata) as Metadata,
});

/** A copy, as callers may change the record they are given; metadata is flat, so a shallow copy is whole. */
const copyOf = (record: StoredRecord): StoredRecord => ({
  key: record.key,
  value: record.value,
  metadata: { ...record.metadata },
});

/** The records of one atSign and the commit-log writes that go with them, each durable before it resolves. */
export class KeyStore {
  readonly #db: Database.Database;
  readonly #writes: GroupCommit;
  readonly #records = new Map<string, StoredRecord>();
  /**
   * Walks the cache oldest first for eviction. Kept, not made anew: a fresh `keys()` iterator skips every
   * deleted slot before the first live entry, thousands once the cache is full, which made each eviction cost
   * more than the SQLite read it follows. A live iterator resumes where it stopped and sees keys added since.
   */
  #oldest: Iterator<string> = this.#records.keys();
  #recordBytes = 0;
  /**
   * Cached keys whose row is known to carry the key's commit, so that `commits` holds no `-` entry for them and
   * a logged write need not look there: a hot key's update skips a statement.
   */
  readonly #carriesCommit = new Set<string>();
  readonly #get: Database.Statement<[string], Row>;
  readonly #getMany: Database.Statement<(string | null)[], Row>;
  /** Writes a record with its commit (id, op); the `commits` row of an earlier delete goes with `#dropDelete`. */
  readonly #putCommitted: Database.Statement<
    [string, string | null, string, number | null, number | null, number, string]
  >;
  /** Writes a record and leaves the commit it carries, if any, as it was. */
  readonly #put: Database.Statement<[string, string | null, string, number | null, number | null]>;
  readonly #delete: Database.Statement<[string], { id: number | null; op: CommitOp | null }>;
  /** A commit of a key without a record; REPLACE drops the key's previous one (one entry per key, §8.1). */
  readonly #commit: Database.Statement<[number, string, string]>;
  readonly #dropDelete: Database.Statement<[string]>;
  readonly #activeKeys: Database.Statement<[number, number], { key: string }>;
  readonly #expiredKeys: Database.Statement<[number, number], { key: string }>;
  #nextCommitId: number;

  constructor(db: Database.Database, writes: GroupCommit) {
    this.#db = db;
    this.#writes = writes;
    this.#get = db.prepare('SELECT key, value, metadata FROM records WHERE key = ?');
    const places = Array.from({ length: manyKeys }, () => '?').join(', ');
    this.#getMany = db.prepare<(string | null)[], Row>(
      `SELECT key, value, metadata FROM records WHERE key IN (${places})`,
    );
    this.#put = db.prepare(
      `INSERT INTO records (key, value, metadata, expires_at, available_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         expires_at = excluded.expires_at, available_at = excluded.available_at`,
    );
    this.#putCommitted = db.prepare(
      `INSERT INTO records (key, value, metadata, expires_at, available_at, commit_id, commit_op)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         expires_at = excluded.expires_at, available_at = excluded.available_at,
         commit_id = excluded.commit_id, commit_op = excluded.commit_op`,
    );
    this.#delete = db.prepare('DELETE FROM records WHERE key = ? RETURNING commit_id AS id, commit_op AS op');
    this.#dropDelete = db.prepare('DELETE FROM commits WHERE key = ?');
    this.#commit = db.prepare('INSERT OR REPLACE INTO commits (id, key, op) VALUES (?, ?, ?)');
    this.#activeKeys = db.prepare(
      `SELECT key FROM records WHERE (expires_at IS NULL OR expires_at >= ?) AND (available_at IS NULL OR available_at <= ?)
       ORDER BY key`,
    );
    this.#expiredKeys = db.prepare('SELECT key FROM records WHERE expires_at < ? ORDER BY expires_at LIMIT ?');
    // The reference's first commit id is 0. The newest entry is never removed, only replaced by a newer
    // one (or moved between the tables with its id), so one above the highest stored id is above every id
    // ever issued (schema versions 3 and 5).
    this.#nextCommitId = (db.prepare(lastCommitIdQuery).get() as { id: number }).id + 1;
  }

  /** The record stored under `key` (already normalised), active or not: a copy the caller may change. */
  get(key: string): StoredRecord | undefined {
    const record = this.peek(key);
    return record && copyOf(record);
  }

  /** {@link get} without the copy, for a caller that only reads the record (the read verbs). */
  peek(key: string): Readonly<StoredRecord> | undefined {
    return this.#records.get(key) ?? this.#read(key);
  }

  /**
   * The records stored under `keys` (a sync page's), by key; keys without a record are left out. Those not cached
   * are read in one query per {@link manyKeys} keys and not kept: a sync reads every record once, and would
   * otherwise push out of the cache the records in use.
   */
  getMany(keys: readonly string[]): Map<string, StoredRecord> {
    const found = new Map<string, StoredRecord>();
    const missing: (string | null)[] = [];
    for (const key of keys) {
      const cached = this.#records.get(key);
      if (cached) found.set(key, copyOf(cached));
      else missing.push(key);
    }
    for (let i = 0; i < missing.length; i += manyKeys) {
      const chunk = missing.slice(i, i + manyKeys);
      // Unused places are NULL, which no key equals.
      while (chunk.length < manyKeys) chunk.push(null);
      for (const row of this.#getMany.all(...chunk)) found.set(row.key, recordOf(row));
    }
    return found;
  }

  /** Stores a record; resolves with its commit id once durable, or -1 for keys that are not committed. */
  put(record: StoredRecord, op: CommitOp, options: WriteOptions = {}): Promise<number> {
    const { key, value, metadata } = record;
    const json = JSON.stringify(metadata);
    return this.#writes.submit(
      () => {
        const carried = this.#carriesCommit.has(key);
        this.#forget(key);
        const expiresAt = metadata.expiresAt ?? null;
        const availableAt = metadata.availableAt ?? null;
        if (!logged(key, options)) {
          this.#put.run(key, value, json, expiresAt, availableAt);
          return -1;
        }
        const id = this.#nextCommitId;
        this.#putCommitted.run(key, value, json, expiresAt, availableAt, id, op);
        // The key's entry is now on its record: a `-` entry of an earlier delete goes.
        if (!carried) this.#dropDelete.run(key);
        // Counted only once written; an id lost to a rolled-back batch leaves a gap, never a reuse.
        this.#nextCommitId = id + 1;
        return id;
      },
      // What a read would now give: the metadata as stored, through JSON (no undefined fields).
      () => {
        this.#remember({ key, value, metadata: asStored(metadata, json) });
        if (logged(key, options) && this.#records.has(key)) this.#carriesCommit.add(key);
      },
    );
  }

  /**
   * Deletes a record; resolves with the commit id once durable. Like the reference, a delete of a key that
   * never existed still writes a `-` commit (atprotocol.md §5.11).
   */
  remove(key: string, options: WriteOptions = {}): Promise<number> {
    return this.#writes.submit(() => {
      this.#forget(key);
      const removed = this.#delete.get(key);
      if (logged(key, options)) return this.#logDelete(key);
      // This removal is not logged, so the record's commit stays the key's latest entry: it moves to `commits`.
      if (removed && removed.id !== null && removed.op !== null) this.#commit.run(removed.id, key, removed.op);
      return -1;
    });
  }

  /** Keys that are neither unborn nor expired at `now`, in key order. */
  activeKeys(now: number): string[] {
    return this.#activeKeys.all(now, now).map((row) => row.key);
  }

  /** Up to `limit` keys whose ttl has passed, oldest first (for the expiry job). */
  expiredKeys(now: number, limit = 1000): string[] {
    return this.#expiredKeys.all(now, limit).map((row) => row.key);
  }

  #read(key: string): StoredRecord | undefined {
    const row = this.#get.get(key);
    if (!row) return undefined;
    const record = recordOf(row);
    // Inside a write batch the row may yet be rolled back: only committed rows are kept.
    if (!this.#db.inTransaction) this.#remember(record);
    return record;
  }

  #remember(record: StoredRecord): void {
    if ((record.value?.length ?? 0) > maxCachedValueLength) return;
    this.#forget(record.key);
    this.#recordBytes += cachedSize(record);
    this.#records.set(record.key, record);
    // Oldest first; the record just kept is the newest, so it stays.
    while (this.#recordBytes > cachedBytes) this.#forget(this.#oldestKey());
  }

  #oldestKey(): string {
    let next = this.#oldest.next();
    if (next.done) {
      // The walk passed the end (entries added after that are not seen): start again from the oldest.
      this.#oldest = this.#records.keys();
      next = this.#oldest.next();
    }
    return next.value as string;
  }

  #forget(key: string): void {
    this.#carriesCommit.delete(key);
    const record = this.#records.get(key);
    if (record === undefined) return;
    this.#records.delete(key);
    this.#recordBytes -= cachedSize(record);
  }

  /** Logs the `-` commit of a key whose record is gone; returns its id. */
  #logDelete(key: string): number {
    const id = this.#nextCommitId;
    this.#commit.run(id, key, '-');
    this.#nextCommitId = id + 1;
    return id;
  }
}
