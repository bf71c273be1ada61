/**
 * Group commit: writes from every connection that arrive in one event-loop turn (or while the previous batch
 * is being synced) run together in one SQLite transaction, and each caller is answered only once that
 * transaction is on disk. This is what lets a durable `update` keep up with many connections (issue: ≥ 0.5×
 * Redis `appendfsync always`), the same trick Redis uses per event-loop turn.
 *
 * The transaction itself does not wait for the disk: `sync` (an fdatasync of the write-ahead log on libuv's
 * thread pool) does, while the event loop goes on reading and parsing the next requests. One sync runs at a
 * time; the writes that arrive meanwhile are committed as one batch when it ends, and share the next one.
 */
export class GroupCommit {
  readonly #transaction: (run: () => void) => void;
  readonly #sync: () => Promise<void>;
  #pending: {
    work: () => unknown;
    committed?: () => void;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }[] = [];
  /** Committed batches waiting for the next sync: each settles its callers with the sync's outcome. */
  #unsynced: ((syncError?: unknown) => void)[] = [];
  #scheduled = false;
  #syncing = false;
  /** Set while commits are held (`whileHeld`): a flush then waits for the hold to end. */
  #held = false;
  #batches = 0;
  #writes = 0;
  #syncs = 0;

  /**
   * @param transaction runs its callback inside one SQLite transaction (better-sqlite3 `db.transaction`).
   * @param sync resolves once every transaction committed before it was called is durable.
   */
  constructor(transaction: (run: () => void) => void, sync: () => Promise<void> = async () => {}) {
    this.#transaction = transaction;
    this.#sync = sync;
  }

  /**
   * Queues `work` for the next batch; resolves with its result once the batch is durable. `committed` runs as
   * soon as the batch's transaction has committed (before the sync), unless `work` threw: the moment its
   * change becomes what every read sees, for caches of it. A write submitted while a sync runs waits for its
   * end, unless `immediate`: a write nobody waits for, whose effect reads should see at once (the access log).
   */
  submit<T>(work: () => T, committed?: () => void, options: { immediate?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, committed, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled && (!this.#syncing || options.immediate)) this.#schedule();
    });
  }

  /**
   * Runs `task` with commits held: no batch commits until it has settled; writes submitted meanwhile wait, and
   * then commit together. For work that needs the log to stand still (the end of a checkpoint).
   */
  async whileHeld<T>(task: () => Promise<T>): Promise<T> {
    this.#held = true;
    try {
      return await task();
    } finally {
      this.#held = false;
      if (this.#pending.length > 0 && !this.#scheduled && !this.#syncing) this.#schedule();
    }
  }

  /** Batches committed, writes in them and syncs that made them durable, for stats and benchmarks. */
  get counters(): { batches: number; writes: number; syncs: number } {
    return { batches: this.#batches, writes: this.#writes, syncs: this.#syncs };
  }

  #schedule(): void {
    this.#scheduled = true;
    // setImmediate runs after pending I/O callbacks: every request that has already arrived joins this batch.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#held) return;
    const batch = this.#pending;
    this.#pending = [];
    const results: unknown[] = [];
    const failures = new Map<number, unknown>();
    try {
      this.#transaction(() => {
        batch.forEach((item, index) => {
          // One bad write (say, a constraint) must not sink the others in its batch.
          try {
            results[index] = item.work();
          } catch (error) {
            failures.set(index, error);
          }
        });
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const item of batch) item.reject(error);
      return;
    }
    this.#batches += 1;
    this.#writes += batch.length;
    batch.forEach((item, index) => failures.has(index) || item.committed?.());
    this.#unsynced.push((syncError) =>
      batch.forEach((item, index) => {
        if (failures.has(index)) item.reject(failures.get(index));
        else if (syncError !== undefined) item.reject(syncError);
        else item.resolve(results[index]);
      }),
    );
    void this.#syncCommitted();
  }

  /** Syncs until no committed batch is left unanswered; a no-op while a sync is already running. */
  async #syncCommitted(): Promise<void> {
    if (this.#syncing) return;
    this.#syncing = true;
    while (this.#unsynced.length > 0) {
      const waiting = this.#unsynced;
      this.#unsynced = [];
      let syncError: unknown;
      this.#syncs += 1;
      try {
        await this.#sync();
      } catch (error) {
        // Not durable, though committed: the callers hear of the failure (an update answers data:null).
        syncError = error ?? new Error('sync failed');
      }
      for (const settle of waiting) settle(syncError);
    }
    this.#syncing = false;
    // The writes that arrived during the sync could not have been acknowledged before the next one anyway:
    // committed now, together, they cost one transaction instead of one per event-loop turn (fewer pages
    // written, fewer commits), once the answers just released have gone out. Those leave in an immediate of
    // their own (connections write at the end of a turn, `deferred-output.ts`), queued after this point: the
    // batch waits one more turn, and takes in the requests that arrive meanwhile.
    if (this.#pending.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => setImmediate(() => this.#flush()));
    }
  }
}
