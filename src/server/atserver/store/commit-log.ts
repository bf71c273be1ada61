import type Database from 'better-sqlite3';
import type { CommitOp } from './keystore';

/** The highest commit id in either table, or -1 when the log is empty (each max is one index lookup). */
export const lastCommitIdQuery = `SELECT max(coalesce((SELECT max(commit_id) FROM records), -1),
  coalesce((SELECT max(id) FROM commits), -1)) AS id`;

/** One commit-log entry: the latest change of one key. */
export interface CommitEntry {
  id: number;
  key: string;
  op: CommitOp;
}

/**
 * The commit log as one list ordered by id: the entries records carry and those of keys without a record
 * (schema version 5), merged.
 */
const entries = (where: string) =>
  `SELECT commit_id AS id, key, commit_op AS op FROM records WHERE commit_id ${where}
   UNION ALL SELECT id, key, op FROM commits WHERE id ${where}`;

/** Reads of the commit log (writes happen with the records they describe, in `KeyStore`). */
export class CommitLog {
  readonly #after: Database.Statement<{ after: number; limit: number }, CommitEntry>;
  readonly #oldestFirstAfter: Database.Statement<{ after: number }, CommitEntry>;
  readonly #newestFirst: Database.Statement<[], CommitEntry>;
  readonly #last: Database.Statement<[], { id: number }>;

  constructor(db: Database.Database) {
    this.#after = db.prepare(`${entries('> @after')} ORDER BY id LIMIT @limit`);
    this.#oldestFirstAfter = db.prepare(`${entries('> @after')} ORDER BY id`);
    this.#newestFirst = db.prepare(`${entries('IS NOT NULL')} ORDER BY id DESC`);
    this.#last = db.prepare(lastCommitIdQuery);
  }

  /** Entries with an id greater than `afterId`, oldest first, at most `limit`. */
  entriesAfter(afterId: number, limit: number): CommitEntry[] {
    return this.#after.all({ after: afterId, limit });
  }

  /**
   * Entries with an id greater than `afterId` whose key passes `accept`, oldest first, at most `limit`
   * (sync:from's window and stats:15). `accept` must not touch the database: it runs while rows stream.
   */
  entriesAfterWhere(afterId: number, accept: (key: string) => boolean, limit = Infinity): CommitEntry[] {
    const entries: CommitEntry[] = [];
    if (limit <= 0) return entries;
    for (const entry of this.#oldestFirstAfter.iterate({ after: afterId })) {
      if (!accept(entry.key)) continue;
      entries.push(entry);
      if (entries.length >= limit) break;
    }
    return entries;
  }

  /** The highest commit id, or -1 when the log is empty. */
  lastCommitId(): number {
    return this.#last.get()?.id ?? -1;
  }

  /** The highest commit id whose key passes `accept`, or null when none does (stats:3 with a regex). */
  lastCommitIdWhere(accept: (key: string) => boolean): number | null {
    for (const entry of this.#newestFirst.iterate()) if (accept(entry.key)) return entry.id;
    return null;
  }

  /** Every key's latest entry, newest first (stats:15). */
  latestEntries(): IterableIterator<CommitEntry> {
    return this.#newestFirst.iterate();
  }
}
