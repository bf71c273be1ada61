import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { AccessLog } from './access-log';
import { CommitLog } from './commit-log';
import { GroupCommit } from './group-commit';
import { KeyStore } from './keystore';
import { migrate } from './schema';

/**
 * Everything one atSign's atServer persists, in one SQLite file (WAL). `synchronous = FULL` makes every
 * commit durable before it returns, so an acknowledged write survives `kill -9` and power loss.
 */
export class AtSignStore {
  readonly path: string;
  readonly keys: KeyStore;
  readonly commits: CommitLog;
  readonly access: AccessLog;
  readonly writes: GroupCommit;
  readonly db: Database.Database;

  private constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.writes = new GroupCommit((run) => this.db.transaction(run)());
    this.keys = new KeyStore(this.db, this.writes);
    this.commits = new CommitLog(this.db);
    this.access = new AccessLog(this.db, this.writes);
  }

  /** Opens (creating if needed) the store at `path`. */
  static open(path: string): AtSignStore {
    return new AtSignStore(path);
  }

  /** Bytes on disk: the database file and its write-ahead log. */
  sizeBytes(): number {
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    return size(this.path) + size(`${this.path}-wal`);
  }

  /** Waits for queued writes, then closes the database. */
  async close(): Promise<void> {
    await this.writes.submit(() => undefined);
    this.db.close();
  }
}
