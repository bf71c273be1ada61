/**
 * The gateway's view of its atDirectory: answers are reused for a while (as the reference client caches them,
 * atprotocol.md §2) and concurrent questions about one atSign share one lookup, so a thousand pages opening
 * `@alice` cost the directory one connection, and a page retrying an unknown atSign costs it nothing.
 */
import type { Clock } from '../clock';

/** Asks the directory: `host:port`, or null when it does not know the name. */
export type DirectoryLookup = (name: string) => Promise<string | null>;

interface Entry {
  readonly address: string | null;
  readonly until: number;
}

export interface DirectoryCacheOptions {
  /** How long a `host:port` answer is reused. */
  hitMs: number;
  /** How long a `null` answer is reused. */
  missMs: number;
  /** Most names remembered; the oldest answer is forgotten first. */
  maxEntries?: number;
  clock: Clock;
}

export class DirectoryCache {
  readonly #lookup: DirectoryLookup;
  readonly #options: DirectoryCacheOptions;
  readonly #answers = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<string | null>>();

  constructor(lookup: DirectoryLookup, options: DirectoryCacheOptions) {
    this.#lookup = lookup;
    this.#options = options;
  }

  /**
   * The address of directory name `name` (an atSign without `@`, as the directory stores it).
   *
   * @throws whatever the lookup throws (nothing is cached then).
   * @example await cache.resolve('alice'); // 'localhost:6465'
   */
  resolve(name: string): Promise<string | null> {
    const now = this.#options.clock.now();
    const cached = this.#answers.get(name);
    if (cached && cached.until > now) return Promise.resolve(cached.address);
    const pending = this.#inFlight.get(name);
    if (pending) return pending;
    const asked = this.#lookup(name)
      .then((address) => {
        const keepMs = address === null ? this.#options.missMs : this.#options.hitMs;
        this.#remember(name, { address, until: this.#options.clock.now() + keepMs });
        return address;
      })
      .finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, asked);
    return asked;
  }

  /** Names currently remembered (for tests and the health report). */
  get size(): number {
    return this.#answers.size;
  }

  #remember(name: string, entry: Entry): void {
    this.#answers.delete(name);
    this.#answers.set(name, entry);
    const max = this.#options.maxEntries ?? 10_000;
    for (const oldest of this.#answers.keys()) {
      if (this.#answers.size <= max) break;
      this.#answers.delete(oldest);
    }
  }
}
