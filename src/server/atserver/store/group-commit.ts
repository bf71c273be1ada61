/**
 * Group commit: writes from every connection that arrive while the previous batch is being made durable
 * run together in one SQLite transaction (one fsync), and each caller is answered only after that commit.
 * This is what lets a durable `update` keep up with many connections (issue: ≥ 0.5× Redis `appendfsync
 * always`), the same trick Redis uses per event-loop turn.
 */
export class GroupCommit {
  readonly #transaction: (run: () => void) => void;
  #pending: { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #batches = 0;
  #writes = 0;

  /** @param transaction runs its callback inside one durable transaction (better-sqlite3 `db.transaction`). */
  constructor(transaction: (run: () => void) => void) {
    this.#transaction = transaction;
  }

  /** Queues `work` for the next batch; resolves with its result once the batch is durable. */
  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate runs after pending I/O callbacks: every request that has already arrived joins this batch.
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Batches committed and writes in them, for stats and benchmarks. */
  get counters(): { batches: number; writes: number } {
    return { batches: this.#batches, writes: this.#writes };
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
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
    batch.forEach((item, index) =>
      failures.has(index) ? item.reject(failures.get(index)) : item.resolve(results[index]),
    );
  }
}
