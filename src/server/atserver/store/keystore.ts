import type Database from 'better-sqlite3';
import type { Metadata } from '$lib/at/metadata';
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
  readonly #get: Database.Statement<[string], Row>;
  readonly #put: Database.Statement<[string, string | null, string, number | null, number | null]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #commit: Database.Statement<[number, string, string]>;
  readonly #activeKeys: Database.Statement<[number, number], { key: string }>;
  readonly #expiredKeys: Database.Statement<[number, number], { key: string }>;
  #nextCommitId: number;

  constructor(db: Database.Database, writes: GroupCommit) {
    this.#db = db;
    this.#writes = writes;
    this.#get = db.prepare('SELECT key, value, metadata FROM records WHERE key = ?');
    this.#put = db.prepare(
      `INSERT INTO records (key, value, metadata, expires_at, available_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         expires_at = excluded.expires_at, available_at = excluded.available_at`,
    );
    this.#delete = db.prepare('DELETE FROM records WHERE key = ?');
    // REPLACE drops the key's previous entry: the log keeps only each key's latest change (§8.1).
    this.#commit = db.prepare('INSERT OR REPLACE INTO commits (id, key, op) VALUES (?, ?, ?)');
    this.#activeKeys = db.prepare(
      `SELECT key FROM records WHERE (expires_at IS NULL OR expires_at >= ?) AND (available_at IS NULL OR available_at <= ?)
       ORDER BY key`,
    );
    this.#expiredKeys = db.prepare('SELECT key FROM records WHERE expires_at < ? ORDER BY expires_at LIMIT ?');
    // The reference's first commit id is 0. The newest entry is never removed, only replaced by a newer
    // one, so one above the highest stored id is above every id ever issued (schema version 3).
    const last = db.prepare('SELECT max(id) AS id FROM commits').get() as { id: number | null };
    this.#nextCommitId = last.id === null ? 0 : last.id + 1;
  }

  /**
   * The record stored under `key` (already normalised), active or not. `keep: false` leaves a record read from
   * SQLite out of the cache: for scans such as sync pages, which would otherwise push out the records in use.
   */
  get(key: string, options: { keep?: boolean } = {}): StoredRecord | undefined {
    const record = this.#records.get(key) ?? this.#read(key, options.keep ?? true);
    // A copy, as callers may change the record they are given; metadata is flat, so a shallow copy is whole.
    return record && { key: record.key, value: record.value, metadata: { ...record.metadata } };
  }

  /** Stores a record; resolves with its commit id once durable, or -1 for keys that are not committed. */
  put(record: StoredRecord, op: CommitOp, options: WriteOptions = {}): Promise<number> {
    const { key, value, metadata } = record;
    const json = JSON.stringify(metadata);
    return this.#writes.submit(
      () => {
        this.#forget(key);
        this.#put.run(key, value, json, metadata.expiresAt ?? null, metadata.availableAt ?? null);
        return this.#logCommit(key, op, options);
      },
      // What a read would now give: the metadata as stored, through JSON (no undefined fields).
      () => this.#remember({ key, value, metadata: asStored(metadata, json) }),
    );
  }

  /**
   * Deletes a record; resolves with the commit id once durable. Like the reference, a delete of a key that
   * never existed still writes a `-` commit (atprotocol.md §5.11).
   */
  remove(key: string, options: WriteOptions = {}): Promise<number> {
    return this.#writes.submit(() => {
      this.#forget(key);
      this.#delete.run(key);
      return this.#logCommit(key, '-', options);
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

  #read(key: string, keep: boolean): StoredRecord | undefined {
    const row = this.#get.get(key);
    if (!row) return undefined;
    const record = { key: row.key, value: row.value, metadata: JSON.parse(row.metadata) as Metadata };
    // Inside a write batch the row may yet be rolled back: only committed rows are kept.
    if (keep && !this.#db.inTransaction) this.#remember(record);
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
    const record = this.#records.get(key);
    if (record === undefined) return;
    this.#records.delete(key);
    this.#recordBytes -= cachedSize(record);
  }

  #logCommit(key: string, op: CommitOp, options: WriteOptions): number {
    if (options.skipCommit || !isCommitted(key)) return -1;
    const id = this.#nextCommitId;
    this.#commit.run(id, key, op);
    // Counted only once written; an id lost to a rolled-back batch leaves a gap, never a reuse.
    this.#nextCommitId = id + 1;
    return id;
  }
}
