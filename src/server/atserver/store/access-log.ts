import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit';

/** The access log: which atSigns connected (`pol`) and which keys were looked up, for `stats` 5 and 6. */
export class AccessLog {
  readonly #writes: GroupCommit;
  readonly #insert: Database.Statement<[number, string | null, string, string | null]>;
  readonly #topAtSigns: Database.Statement<[number], { name: string; count: number }>;
  readonly #topKeys: Database.Statement<[number], { name: string; count: number }>;
  readonly #lastAt: Database.Statement<[], { at: number | null }>;
  readonly #lastAtOf: Database.Statement<[string], { at: number | null }>;

  constructor(db: Database.Database, writes: GroupCommit) {
    this.#writes = writes;
    this.#insert = db.prepare('INSERT INTO access_log (at, from_atsign, verb, key) VALUES (?, ?, ?, ?)');
    this.#topAtSigns = db.prepare(
      `SELECT from_atsign AS name, count(*) AS count FROM access_log WHERE verb = 'pol'
       GROUP BY from_atsign ORDER BY count DESC, name LIMIT ?`,
    );
    this.#topKeys = db.prepare(
      `SELECT key AS name, count(*) AS count FROM access_log WHERE verb = 'lookup' AND key IS NOT NULL
       GROUP BY key ORDER BY count DESC, name LIMIT ?`,
    );
    this.#lastAt = db.prepare('SELECT max(at) AS at FROM access_log');
    this.#lastAtOf = db.prepare('SELECT max(at) AS at FROM access_log WHERE verb = ?');
  }

  /** When the latest access (of `verb`, or of any kind) was recorded; undefined when none was (stats 8, 10). */
  lastAt(verb?: string): number | undefined {
    const row = verb === undefined ? this.#lastAt.get() : this.#lastAtOf.get(verb);
    return row?.at ?? undefined;
  }

  /**
   * Records an access; it rides along with the next batch of writes rather than costing its own fsync, and is
   * committed at once (not after a sync under way), so that `stats` asked next counts it.
   */
  record(at: number, verb: string, fromAtSign: string | null, key: string | null = null): void {
    const insert = () => this.#insert.run(at, fromAtSign, verb, key);
    this.#writes.submit(insert, undefined, { immediate: true }).catch(() => {});
  }

  /** atSigns with the most `pol` connections, as `{ "@bob": 3 }`. */
  topAtSigns(limit: number): Record<string, number> {
    return Object.fromEntries(this.#topAtSigns.all(limit).map((row) => [row.name, row.count]));
  }

  /** Keys looked up most often, as `{ "phone@alice": 7 }`. */
  topKeys(limit: number): Record<string, number> {
    return Object.fromEntries(this.#topKeys.all(limit).map((row) => [row.name, row.count]));
  }
}
