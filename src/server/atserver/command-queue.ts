/** One queued command: returns a promise only when it has to wait (a durable write, a remote lookup, a drain). */
export type QueuedCommand = () => void | Promise<void>;

/**
 * Runs one connection's commands one at a time, in arrival order. A command that finishes synchronously runs
 * at once, inside the read that delivered it: a read such as `llookup` costs no promise and no microtask hop,
 * which at tens of thousands of commands a second is a measurable share of the server's CPU. A command that
 * returns a promise holds the queue until it settles. Commands must not throw: the connection answers errors.
 */
export class CommandQueue {
  readonly #waiting: QueuedCommand[] = [];
  #unfinished = 0;
  #running = false;
  readonly #afterEach: () => void;

  /** @param afterEach called after each command has finished (the connection resumes a paused socket there). */
  constructor(afterEach: () => void = () => {}) {
    this.#afterEach = afterEach;
  }

  /** Commands not finished yet: the waiting ones and the one running. */
  get size(): number {
    return this.#unfinished;
  }

  push(command: QueuedCommand): void {
    this.#waiting.push(command);
    this.#unfinished += 1;
    if (!this.#running) this.#drain();
  }

  #drain(): void {
    this.#running = true;
    for (let command = this.#waiting.shift(); command; command = this.#waiting.shift()) {
      const pending = command();
      if (pending) {
        void pending.then(this.#resume, this.#resume);
        return;
      }
      this.#finished();
    }
    this.#running = false;
  }

  /** Made once: tsx names every function made in a method, an Object.defineProperty per pending command. */
  readonly #resume = () => {
    this.#finished();
    this.#drain();
  };

  #finished(): void {
    this.#unfinished -= 1;
    this.#afterEach();
  }
}
