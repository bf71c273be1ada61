/**
 * The sync engine of one atSign: local writes apply to the store at once and wait in the outbox; when a
 * connection is attached, a sync cycle pulls remote changes ({@link pullChanges}) and then pushes the outbox
 * ({@link pushOutbox}). Pulling first is what lets a change made elsewhere be seen as a conflict before our write
 * would overwrite it on the server (the conflict rule is stated in `store/pulled.ts`: remote wins in the store,
 * the local write is kept in `conflicts`). The engine reports its state for the UI through {@link SyncStatus}.
 */
import { AtError } from '$lib/at/errors';
import { OfflineError } from './offline';
import { pushOutbox } from './outbox';
import { pullChanges, type DecodeHook } from './pull';
import type { Requester } from './requester';
import { countConflicts, keepMine, keepTheirs } from './store/conflicts';
import { markSynced, readLastSyncAt, readWatermark } from './store/meta';
import { countQueued, queueWrite, type LocalWrite } from './store/outbox';
import type { AtSignDatabase, OutboxEntry } from './store/schema';

/**
 * - `offline`: no connection attached, or it failed (or the server asked us to wait): writes queue up;
 * - `syncing`: a cycle is running;
 * - `synced`: the last cycle pulled everything and emptied the outbox;
 * - `failed`: the server refused to sync (`error` says why); writes still queue.
 */
export type SyncState = 'offline' | 'syncing' | 'synced' | 'failed';

/** What the UI shows: the state, how many writes wait, how many conflicts need the user. */
export interface SyncStatus {
  readonly state: SyncState;
  readonly queued: number;
  readonly conflicts: number;
  /** The last commit id pulled. */
  readonly watermark: number;
  readonly lastSyncAt?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface SyncEngineOptions {
  readonly db: AtSignDatabase;
  /** Receives each pulled batch (server form), e.g. to decrypt and index it. */
  readonly decode?: DecodeHook;
  /** Only sync keys this regex matches (the server adds the keys it always syncs). */
  readonly regex?: string;
  readonly now?: () => number;
  /** After a failure to reach the server, try again after this many milliseconds (no automatic retry if unset). */
  readonly retryMs?: number;
}

/** A failure as the status shows it. */
function describe(error: unknown): { code: string; message: string } {
  if (error instanceof AtError) return { code: error.code, message: error.message };
  if (error instanceof OfflineError) return { code: 'OFFLINE', message: error.message };
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

/** Whether the same cycle may succeed later without anyone changing anything. */
function isTransient(error: unknown): boolean {
  return error instanceof OfflineError || (error instanceof AtError && error.isRetryable());
}

/**
 * @example
 * const engine = await SyncEngine.open({ db, decode: (batch) => decryptAndIndex(batch.updated) });
 * engine.subscribe((status) => render(status)); // { state: 'offline', queued: 0, conflicts: 0, … }
 * await engine.connect(session);                // pulls, then pushes: { state: 'synced', … }
 * await engine.write({ atKey: 'phone.wavi@alice', command: 'update:phone.wavi@alice 9Xk…', change });
 */
export class SyncEngine {
  readonly #options: SyncEngineOptions;
  readonly #db: AtSignDatabase;
  readonly #now: () => number;
  readonly #listeners = new Set<(status: SyncStatus) => void>();
  #requester: Requester | undefined;
  #status: SyncStatus;
  #running: Promise<SyncStatus> | undefined;
  #again = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  private constructor(options: SyncEngineOptions, status: SyncStatus) {
    this.#options = options;
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#status = status;
  }

  /** An engine over an open store, offline until {@link connect} gives it a connection. */
  static async open(options: SyncEngineOptions): Promise<SyncEngine> {
    const engine = new SyncEngine(options, { state: 'offline', queued: 0, conflicts: 0, watermark: -1 });
    engine.#status = await engine.#read('offline');
    return engine;
  }

  get status(): SyncStatus {
    return this.#status;
  }

  /** Calls `listener` now and on every change of status; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#status);
    return () => this.#listeners.delete(listener);
  }

  /** Attaches a connection and syncs; `undefined` detaches it (offline). */
  async connect(requester: Requester | undefined): Promise<SyncStatus> {
    this.#requester = requester;
    if (requester) return this.sync();
    await this.#publish('offline');
    return this.#status;
  }

  /**
   * Runs a cycle (pull, then push) and resolves with the status after it. Never rejects: failures show in the
   * status. A call during a cycle makes one more cycle run after it, and resolves with that one's status.
   */
  sync(): Promise<SyncStatus> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#cycle();
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
      return this.#status;
    })();
    return this.#running;
  }

  /** Applies a local write to the store at once and queues it; a sync follows when online (not awaited). */
  async write(write: LocalWrite): Promise<OutboxEntry> {
    const entry = await queueWrite(this.#db, write, this.#now());
    if (this.#requester) void this.sync();
    else await this.#publish('offline');
    return entry;
  }

  /** "Keep mine": queues the conflict's local write again, on top of the server's version. */
  async keepMine(conflictId: number): Promise<void> {
    await keepMine(this.#db, conflictId, this.#now());
    if (this.#requester) void this.sync();
    else await this.#publish(this.#status.state);
  }

  /** "Keep theirs": drops the conflict's local write. */
  async keepTheirs(conflictId: number): Promise<void> {
    await keepTheirs(this.#db, conflictId);
    await this.#publish(this.#status.state);
  }

  /** Detaches the connection and cancels a pending retry; the store stays open (its owner closes it). */
  close(): void {
    clearTimeout(this.#retry);
    this.#requester = undefined;
    this.#listeners.clear();
  }

  async #cycle(): Promise<void> {
    clearTimeout(this.#retry);
    const requester = this.#requester;
    if (!requester) return this.#publish('offline');
    await this.#publish('syncing');
    try {
      await pullChanges(this.#db, requester, {
        regex: this.#options.regex,
        decode: this.#options.decode,
        now: this.#now,
      });
      const pushed = await pushOutbox(this.#db, requester, this.#now);
      if (pushed.stopped) {
        this.#retryLater();
        return this.#publish('offline', pushed.stopped);
      }
      await markSynced(this.#db, this.#now());
      await this.#publish('synced');
    } catch (error) {
      if (!isTransient(error)) return this.#publish('failed', describe(error));
      this.#retryLater();
      await this.#publish('offline', describe(error));
    }
  }

  #retryLater(): void {
    const { retryMs } = this.#options;
    if (retryMs === undefined) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.sync(), retryMs);
  }

  async #read(state: SyncState, error?: SyncStatus['error']): Promise<SyncStatus> {
    const [queued, conflicts, watermark, lastSyncAt] = await Promise.all([
      countQueued(this.#db),
      countConflicts(this.#db),
      readWatermark(this.#db),
      readLastSyncAt(this.#db),
    ]);
    return { state, queued, conflicts, watermark, lastSyncAt, ...(error ? { error } : {}) };
  }

  async #publish(state: SyncState, error?: SyncStatus['error']): Promise<void> {
    this.#status = await this.#read(state, error);
    for (const listener of this.#listeners) listener(this.#status);
  }
}
