import { Worker } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './messages';
import { WalFrames } from './wal-frames';

/** A request as a store makes it; the thread's channel numbers it. */
type Unnumbered = CheckpointRequest extends infer Each ? (Each extends unknown ? Omit<Each, 'request'> : never) : never;

/**
 * The process's checkpoint thread (`thread.ts`), started on first use and shared by every store. It holds the
 * process open only while it owes answers. If it stops, what it owed fails and no new one is started: the
 * stores then checkpoint on the event loop, as SQLite itself would.
 */
class CheckpointThread {
  #worker?: Worker;
  #stopped = false;
  #nextRequest = 1;
  readonly #waiting = new Map<number, { resolve: (reply: CheckpointReply) => void; reject: (error: Error) => void }>();

  /** Sends `request`; resolves with its answer, rejects if the thread has stopped or stops first. */
  send(request: Unnumbered): Promise<CheckpointReply> {
    const worker = this.#started();
    if (!worker) return Promise.reject(new Error('the checkpoint thread has stopped'));
    const number = this.#nextRequest++;
    return new Promise<CheckpointReply>((resolve, reject) => {
      if (this.#waiting.size === 0) worker.ref();
      this.#waiting.set(number, { resolve, reject });
      worker.postMessage({ ...request, request: number } satisfies CheckpointRequest);
    });
  }

  #started(): Worker | undefined {
    if (this.#worker || this.#stopped) return this.#worker;
    const worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), { execArgv: [] });
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => {
      const waiting = this.#waiting.get(reply.request);
      this.#waiting.delete(reply.request);
      if (this.#waiting.size === 0) worker.unref();
      waiting?.resolve(reply);
    });
    // An error inside the thread ends it: the exit below answers everyone still waiting.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      this.#worker = undefined;
      this.#stopped = true;
      const error = new Error(`the checkpoint thread stopped (exit code ${code})`);
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    });
    this.#worker = worker;
    return worker;
  }
}

const thread = new CheckpointThread();

/**
 * Log length, in frames (pages), past which a store's log is checkpointed: SQLite's automatic checkpoint would
 * run at 1000. A longer log means fewer checkpoints, so hot pages are copied into the database less often.
 */
export const defaultCheckpointFrames = 4000;

/**
 * Keeps one store's write-ahead log short. After each commit the store calls `afterCommit`, which looks at the
 * log's length and, past the threshold, has the checkpoint thread copy the log into the database, one
 * checkpoint at a time. SQLite's automatic checkpoint is off on the store's connection, since it would do
 * this inside a commit, on the event loop. When the thread cannot do it, `onLoop` does.
 *
 * SQLite starts the log over (rather than growing it) only at a commit that finds every frame copied. Under
 * steady writes a checkpoint running beside them never finds that, so each ends in two steps: the bulk of the
 * log is copied while commits go on, then the few frames committed meanwhile while `holdCommits` holds them,
 * for the time that small copy takes.
 */
export class LogCheckpoints {
  readonly #path: string;
  readonly #log: WalFrames;
  readonly #options: CheckpointOptions;
  #running?: Promise<void>;
  #usedThread = false;
  #onThreadCount = 0;
  #onLoopCount = 0;

  /** @param path the database file. */
  constructor(path: string, options: CheckpointOptions) {
    this.#path = path;
    this.#log = new WalFrames(path);
    this.#options = options;
  }

  /** Checkpoints done on the thread and, when it failed, on the event loop: for tests and benchmarks. */
  get counts(): { onThread: number; onLoop: number } {
    return { onThread: this.#onThreadCount, onLoop: this.#onLoopCount };
  }

  /** Asks for a checkpoint if the log has grown past the threshold and none is running. */
  afterCommit(): void {
    if (this.#running || this.#log.count() < (this.#options.frames ?? defaultCheckpointFrames)) return;
    this.#usedThread = true;
    this.#running = this.#checkpoint()
      .catch(() => this.#checkpointOnLoop())
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Waits for a checkpoint under way and lets go of the thread's connection; call before closing the store's. */
  async close(): Promise<void> {
    await this.#running;
    if (this.#usedThread) await thread.send({ kind: 'release', path: this.#path }).catch(() => undefined);
    this.#log.close();
  }

  async #checkpoint(): Promise<void> {
    const bulk = await this.#onThread();
    if (this.#log.count() > bulk) await this.#options.holdCommits(() => this.#onThread());
    this.#onThreadCount += 1;
  }

  /** One PASSIVE checkpoint on the thread; resolves with how many frames of the log it left copied. */
  async #onThread(): Promise<number> {
    const reply = await thread.send({ kind: 'checkpoint', path: this.#path });
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.checkpointed ?? 0;
  }

  #checkpointOnLoop(): void {
    try {
      this.#options.onLoop();
      this.#onLoopCount += 1;
    } catch {
      // The store is closing or its disk failing: the next commit tries again.
    }
  }
}

export interface CheckpointOptions {
  /** Log length, in frames, past which a checkpoint starts (default {@link defaultCheckpointFrames}). */
  readonly frames?: number;
  /** Runs its task with the store's commits held. */
  readonly holdCommits: (task: () => Promise<unknown>) => Promise<unknown>;
  /** Checkpoints on the store's own connection, when the thread cannot. */
  readonly onLoop: () => void;
}
