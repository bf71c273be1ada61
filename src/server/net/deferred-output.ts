/** What {@link DeferredOutput} writes to: a socket. */
export interface OutputTarget {
  write(text: string): unknown;
}

/** Text held past this length is written at once, so a client that pipelines meets back-pressure as before. */
const holdLimit = 16 * 1024;

/** Outputs holding text, flushed together once the event loop has handled every read of its current turn. */
const holding = new Set<DeferredOutput>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const output of holding) {
    try {
      output.flush();
    } catch {
      // A socket that throws loses its own output, not the other connections' (and does not crash the host).
      output.discard();
    }
  }
}

/**
 * A connection's output, written at the end of the event loop's turn instead of at once, as Redis writes its
 * replies before it sleeps. Every reply and notification a connection produces while the loop handles the reads
 * that arrived together leaves in one write (one TLS record, one system call), and replies to many connections
 * leave in one burst: clients in lockstep then answer in bursts too, and both sides handle many sockets per
 * wake-up instead of being woken for each. Order is kept: everything goes through the same buffer.
 */
export class DeferredOutput {
  readonly #target: OutputTarget;
  #held = '';

  constructor(target: OutputTarget) {
    this.#target = target;
  }

  /** Characters held, not yet handed to the socket. */
  get heldLength(): number {
    return this.#held.length;
  }

  write(text: string): void {
    this.#held += text;
    if (this.#held.length >= holdLimit) return this.flush();
    holding.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      // Immediates run after the poll phase: every read that has arrived this turn has been handled by then.
      setImmediate(flushAll);
    }
  }

  /** Hands what is held to the socket now (before it is ended, for instance). */
  flush(): void {
    holding.delete(this);
    if (this.#held === '') return;
    const text = this.#held;
    this.#held = '';
    this.#target.write(text);
  }

  /** Drops what is held (the socket is being destroyed). */
  discard(): void {
    holding.delete(this);
    this.#held = '';
  }
}
