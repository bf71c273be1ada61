/**
 * Which `sync:from` pages to ask for, and what each answer settles (atprotocol.md §8.2), so that pages can be asked
 * for several at a time instead of one round trip each.
 *
 * The server takes its window — the first 25 wanted commits after `from` — before it skips any, and commit ids are
 * distinct integers, so a page from X holds or skipped every wanted commit in (X, X + 25]: that much is settled,
 * even by an empty page. A page cut short by the server's byte limit holds a prefix of its window, so every page
 * settles at least what lies up to its last entry. Hence pages from X, X + 25, X + 50, … can go out together and,
 * taken in the order asked, settle everything up to the latest commit — but a page that ends before X + 25 (cut
 * short, or its last commits skipped) settles only up to its last entry: the pages asked after it would leave a
 * gap, so they are dropped and paging resumes from that entry. A commit made meanwhile gets an id above every
 * existing one, so it never lands in a range already settled.
 */
import type { PulledEntry } from './store/pulled';

/**
 * The reference takes its window of at most 25 commits before it skips any (§8.2 step 1); the `limit` a client
 * writes is ignored, so this is also what it asks for.
 */
export const referenceSyncWindow = 25;

/** What a page adds: its entries past what was settled before, and the watermark once they are applied. */
export interface TakenPage {
  readonly entries: PulledEntry[];
  readonly watermark: number;
}

/**
 * @example
 * const plan = new PagePlan(-1, 59);
 * plan.nextPage(); plan.nextPage(); // -1, 24: ask both at once
 * plan.take(-1, firstPage);         // { entries, watermark: 24 }, if its last commit id is 24
 */
export class PagePlan {
  readonly #latest: number;
  /** Every wanted commit up to this id is taken. */
  #settled: number;
  /** Where the next page to ask for starts, unless what is settled is further on. */
  #next: number;
  #stalled = false;

  /** Pages from `watermark` (the last commit id already applied) up to `latest` (`stats:3`). */
  constructor(watermark: number, latest: number) {
    this.#settled = watermark;
    this.#next = watermark;
    this.#latest = latest;
  }

  /** Whether another page is needed: the next one would start before the latest commit. */
  get wantsPage(): boolean {
    return !this.#stalled && Math.max(this.#next, this.#settled) < this.#latest;
  }

  /** The last commit id settled so far. */
  get watermark(): number {
    return this.#settled;
  }

  /** The start of the next page to ask for; the one after it starts a window further on. */
  nextPage(): number {
    const from = Math.max(this.#next, this.#settled);
    this.#next = from + referenceSyncWindow;
    return from;
  }

  /**
   * Takes the answer of the page asked from `from`; answers must be taken in the order the pages were asked.
   * Undefined when the page is dropped: it starts past what is settled (asked before an earlier page came back
   * short), or its entries do not come after `from` (a server out of step: paging stops there).
   */
  take(from: number, entries: readonly PulledEntry[]): TakenPage | undefined {
    if (from > this.#settled || this.#stalled) return undefined;
    const last = entries.at(-1)?.commitId;
    if (last !== undefined && !(last > from)) {
      this.#stalled = true;
      return undefined;
    }
    const before = this.#settled;
    const windowEnd = Math.min(from + referenceSyncWindow, this.#latest);
    this.#settled = Math.max(before, last ?? windowEnd);
    // Short of its window: resume from what is settled; pages asked since start past it and will be dropped.
    if (this.#settled < windowEnd) this.#next = this.#settled;
    return { entries: entries.filter((entry) => entry.commitId > before), watermark: this.#settled };
  }
}
