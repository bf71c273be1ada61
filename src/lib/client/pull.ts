/**
 * Pulling remote changes: `sync:from` pages from the watermark up to the latest commit id (`stats:3`), applied to
 * the local store in batched transactions. Fetching, writing and decoding overlap: the next page is requested as
 * soon as a page arrives, pages are gathered into transactions of about {@link PullOptions.batchEntries} entries,
 * and the caller's `decode` of one batch runs while the next is written.
 */
import { AtError } from '$lib/at/errors';
import { stats } from '$lib/at/verbs/stats';
import { syncFrom } from '$lib/at/verbs/sync';
import { sendOrOffline } from './offline';
import { expectData, type Requester } from './requester';
import { readWatermark } from './store/meta';
import { applyPulled, type AppliedBatch, type PulledEntry } from './store/pulled';
import type { AtSignDatabase } from './store/schema';

/** Called with each applied batch, e.g. to decrypt and index its records. Awaited before the next call. */
export type DecodeHook = (batch: AppliedBatch) => void | Promise<void>;

export interface PullOptions {
  /** Only keys this regex matches (and those the server always syncs, §8.2). */
  readonly regex?: string;
  readonly decode?: DecodeHook;
  /**
   * Write once this many pulled entries wait (or fetching has ended): fewer, larger transactions cost the page's
   * thread less than one per page (default 250).
   */
  readonly batchEntries?: number;
  /** Stop fetching while this many pulled entries wait to be written (default 2,000). */
  readonly maxBufferedEntries?: number;
  readonly now?: () => number;
}

/** What a pull did. */
export interface PullResult {
  readonly updated: number;
  readonly deleted: number;
  readonly conflicts: number;
  readonly watermark: number;
}

/**
 * The reference takes its window of at most 25 commits before it skips any (§8.2 step 1); the `limit` a client
 * writes is ignored, so this is also what it asks for.
 */
export const referenceSyncWindow = 25;

/** Sends a command and returns its `data:`; no answer is an OfflineError, an `error:` an AtError. */
async function ask(requester: Requester, line: string): Promise<string> {
  return expectData(await sendOrOffline(requester, line), line);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AtError('AT0014', `${what} is not JSON: ${text.slice(0, 80)}`);
  }
}

/** The value of one statistic in a `stats:<id>` answer (`[{"id":"3","name":"lastCommitID","value":"12"}]`). */
async function statValue(requester: Requester, id: string, regex: string | undefined): Promise<string> {
  const answer = parseJson(await ask(requester, stats.format({ verb: 'stats', statIds: [id], regex })), 'stats');
  const stat = Array.isArray(answer) ? (answer[0] as { id?: unknown; value?: unknown } | undefined) : undefined;
  if (stat?.id !== id) throw new AtError('AT0014', `stats:${id} did not answer its statistic`);
  return String(stat.value);
}

/** The latest commit id (`stats:3`); -1 when the server has none (`"null"`). */
export async function latestCommitId(requester: Requester, regex?: string): Promise<number> {
  const value = await statValue(requester, '3', regex);
  return value === 'null' ? -1 : Number.parseInt(value, 10);
}

/**
 * After an empty page from `after`, the commit id that ends the window the server skipped entirely: the 25th
 * commit after `after` by `stats:15` (each key's latest commit), or the last one when fewer follow. Undefined when
 * none follows or the server cannot tell (a reference server may not answer `stats:15`).
 */
async function skippedWindowEnd(requester: Requester, after: number, regex?: string): Promise<number | undefined> {
  let latest: unknown;
  try {
    latest = parseJson(await statValue(requester, '15', regex), 'stats:15');
  } catch (error) {
    if (error instanceof AtError) return undefined;
    throw error;
  }
  const ids = Object.values(latest as Record<string, [number, string]>)
    .map(([id]) => id)
    .filter((id) => id > after)
    .sort((a, b) => a - b);
  return ids[Math.min(referenceSyncWindow, ids.length) - 1];
}

/** One `sync:from` page after `after`. */
async function fetchPage(requester: Requester, after: number, regex?: string): Promise<PulledEntry[]> {
  const line = syncFrom.format({ verb: 'sync:from', fromCommitId: after, limit: referenceSyncWindow, regex });
  const page = parseJson(await ask(requester, line), 'sync:from');
  if (!Array.isArray(page)) throw new AtError('AT0014', 'sync:from did not answer a list');
  return page as PulledEntry[];
}

interface Page {
  readonly entries: PulledEntry[];
  /** The watermark once this page is applied. */
  readonly end: number;
}

/**
 * Pulls every change after the store's watermark up to the server's latest commit id at the start, and applies it.
 * Pages applied before a failure stay applied (with their watermark); the failure is then thrown:
 * {@link OfflineError} when the connection failed, {@link AtError} for a server error.
 *
 * @example
 * const result = await pullChanges(db, session, { decode: (batch) => index(batch.updated) });
 * // stats:3, then sync:from:-1:limit:25, sync:from:24:limit:25, …
 */
export async function pullChanges(
  db: AtSignDatabase,
  requester: Requester,
  options: PullOptions = {},
): Promise<PullResult> {
  const { regex, decode } = options;
  const now = options.now ?? Date.now;
  const maxBuffered = options.maxBufferedEntries ?? 2_000;
  const batchEntries = Math.min(options.batchEntries ?? 250, maxBuffered);
  const start = await readWatermark(db);
  const latest = await latestCommitId(requester, regex);
  const result = { updated: 0, deleted: 0, conflicts: 0, watermark: start };
  if (latest <= start) return result;

  const pages: Page[] = [];
  let buffered = 0;
  let fetching = true;
  let stopping = false;
  let failure: unknown;
  let waiters: (() => void)[] = [];
  const signal = () => {
    for (const wake of waiters) wake();
    waiters = [];
  };
  const nextSignal = () => new Promise<void>((resolve) => waiters.push(resolve));

  const fetcher = (async () => {
    try {
      for (let cursor = start; cursor < latest && !stopping;) {
        if (buffered >= maxBuffered) {
          await nextSignal();
          continue;
        }
        const entries = await fetchPage(requester, cursor, regex);
        // A page can be empty although later commits exist (§8.2 quirk): step over the skipped window.
        const end = entries.at(-1)?.commitId ?? (await skippedWindowEnd(requester, cursor, regex));
        if (end === undefined || end <= cursor) break;
        pages.push({ entries, end });
        buffered += entries.length;
        cursor = end;
        signal();
      }
    } catch (error) {
      failure = error;
    } finally {
      fetching = false;
      signal();
    }
  })();

  // Holds the outcome of the batch being decoded, so a failing decode is never an unhandled rejection.
  let decoding: Promise<{ error?: unknown } | undefined> = Promise.resolve(undefined);
  const settledDecode = async (): Promise<void> => {
    const outcome = await decoding;
    if (outcome?.error !== undefined) throw outcome.error;
  };
  try {
    while (pages.length > 0 || fetching) {
      if (fetching && buffered < batchEntries) {
        await nextSignal();
        continue;
      }
      const taken = pages.splice(0);
      const last = taken.at(-1);
      if (!last) continue;
      buffered = 0;
      signal();
      const batch = await applyPulled(
        db,
        taken.flatMap((page) => page.entries),
        last.end,
        now(),
      );
      result.updated += batch.updated.length;
      result.deleted += batch.deleted.length;
      result.conflicts += batch.conflicts.length;
      result.watermark = batch.watermark;
      await settledDecode();
      decoding = (async () => decode?.(batch))().then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    }
    await settledDecode();
  } finally {
    stopping = true;
    signal();
    await fetcher;
  }
  if (failure !== undefined) throw failure;
  return result;
}
