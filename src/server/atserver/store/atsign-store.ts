import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AccessLog } from './access-log';
import { LogCheckpoints } from './checkpoints/checkpointer';
import { CommitLog } from './commit-log';
import { GroupCommit } from './group-commit';
import { KeyStore } from './keystore';
import { NotificationLog } from './notification-log';
import { migrate } from './schema';

export interface StoreOptions {
  /** Log length, in pages, past which the write-ahead log is checkpointed (default `defaultCheckpointFrames`). */
  readonly checkpointFrames?: number;
}

/**
 * Everything one atSign's atServer persists, in one SQLite file (WAL). Every write goes through `writes`,
 * which answers its caller only after an fdatasync of the write-ahead log, so an acknowledged write survives
 * `kill -9` and power loss. SQLite itself runs with `synchronous = NORMAL` (it syncs the log only at
 * checkpoints): waiting for the disk inside a commit would stall the event loop, and so every connection,
 * for the whole fsync. For the same reason checkpoints, which copy the log into the database, run on a
 * thread of their own (`checkpoints/`).
 */
export class AtSignStore {
  readonly path: string;
  readonly keys: KeyStore;
  readonly commits: CommitLog;
  readonly access: AccessLog;
  readonly notifications: NotificationLog;
  readonly writes: GroupCommit;
  readonly db: Database.Database;
  readonly #checkpoints: LogCheckpoints;
  /** The write-ahead log, kept open for syncing: SQLite keeps the file (same inode) while the store is open. */
  #log?: FileHandle;
  #folderSynced = false;

  private constructor(path: string, options: StoreOptions) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoints run on the checkpoint thread (`checkpoints/`), not inside a commit on the event loop.
    this.db.pragma('wal_autocheckpoint = 0');
    migrate(this.db);
    this.#checkpoints = new LogCheckpoints(path, {
      frames: options.checkpointFrames,
      holdCommits: (task) => this.writes.whileHeld(task),
      onLoop: () => this.db.pragma('wal_checkpoint(PASSIVE)'),
    });
    // One transaction function for every batch: `db.transaction(fn)` builds its wrappers anew on each call.
    let batch: () => void = () => undefined;
    const inTransaction = this.db.transaction(() => batch());
    this.writes = new GroupCommit(
      (run) => {
        batch = run;
        try {
          inTransaction();
        } finally {
          batch = () => undefined;
        }
        this.#checkpoints.afterCommit();
      },
      () => this.#syncLog(),
    );
    this.keys = new KeyStore(this.db, this.writes);
    this.commits = new CommitLog(this.db);
    this.access = new AccessLog(this.db, this.writes);
    this.notifications = new NotificationLog(this.db, this.writes);
  }

  /** Opens (creating if needed) the store at `path`. */
  static open(path: string, options: StoreOptions = {}): AtSignStore {
    return new AtSignStore(path, options);
  }

  /** Checkpoints of the write-ahead log so far, on the checkpoint thread and on the event loop. */
  get checkpoints(): { onThread: number; onLoop: number } {
    return this.#checkpoints.counts;
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

  /**
   * Makes every committed transaction durable: fdatasync of the write-ahead log, which is all that
   * `synchronous = FULL` adds at each commit. The first time, the folder is synced too, so the log's own
   * name survives a power loss (SQLite would do so on its first sync of a new log).
   */
  async #syncLog(): Promise<void> {
    this.#log ??= await open(`${this.path}-wal`, 'r');
    await this.#log.datasync();
    if (!this.#folderSynced) {
      const folder = await open(dirname(this.path), 'r');
      await folder.sync().finally(() => folder.close());
      this.#folderSynced = true;
    }
  }

  /** Waits for queued writes, then closes the database. */
  async close(): Promise<void> {
    await this.writes.submit(() => undefined);
    await this.#checkpoints.close();
    await this.#log?.close();
    this.db.close();
  }
}
