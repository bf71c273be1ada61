/**
 * Pulling remote changes: `sync:from` pages from the watermark up to the latest commit id (`stats:3`), applied to
 * the local store in batched transactions. Fetching, writing and decoding overlap: several pages are asked for in
 * one `batch:` command ({@link PagePlan} says which, and what each answer settles), the next request waits
 * queued behind the one on the wire, pages are gathered into transactions of about
 * {@link PullOptions.batchEntries} entries, and the caller's `decode` of one batch runs while the next is written.
 */
import { AtError } from '$lib/at/errors';
import type { Response } from '$lib/at/response';
import { stats } from '$lib/at/verbs/stats';
import { syncFrom } from '$lib/at/verbs/sync';
import { askBatch, LeftOutOfBatch } from './batch-request';
import { sendOrOffline } from './offline';
import { PagePlan, referenceSyncWindow } from './page-plan';
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
  /**
   * Pages asked for in one request (default 4): a `batch:` of that many `sync:from` commands, one round trip
   * for all of them. Two such requests are kept asked: one on the wire, the next queued behind it.
   */
  readonly pagesPerRequest?: number;
  readonly now?: () => number;
}

/** What a pull did. */
export interface PullResult {
  readonly updated: number;
  readonly deleted: number;
  readonly conflicts: number;
  readonly watermark: number;
}

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

/** The entries of a `sync:from` answer; errors as {@link ask} gives them. */
async function pageOf(answer: Promise<Response>, line: string): Promise<PulledEntry[]> {
  const page = parseJson(expectData(await answer, line), 'sync:from');
  if (!Array.isArray(page)) throw new AtError('AT0014', 'sync:from did not answer a list');
  return page as PulledEntry[];
}

/**
 * Asks for the `sync:from` pages after each of `froms` in one request, and gives each page's entries. A page the
 * server left out of its batch answer (ours stops at a size limit) is asked for again on its own.
 */
function askPages(requester: Requester, froms: readonly number[], regex?: string): Promise<PulledEntry[]>[] {
  const lines = froms.map((from) =>
    syncFrom.format({ verb: 'sync:from', fromCommitId: from, limit: referenceSyncWindow, regex }),
  );
  if (lines.length === 1) return [pageOf(sendOrOffline(requester, lines[0]!), lines[0]!)];
  return askBatch(requester, lines).map((answer, i) => {
    const alone = () => sendOrOffline(requester, lines[i]!);
    const reply = answer.catch((error: unknown) => (error instanceof LeftOutOfBatch ? alone() : Promise.reject(error)));
    return pageOf(reply, lines[i]!);
  });
}

interface Page {
  readonly entries: PulledEntry[];
  /** The watermark once this page is applied. */
  readonly end: number;
}

/**
 * Pulls every change after the store's watermark up to the server's latest commit id at the start, and applies it.
 * Pages applied before a failure stay applied (with their watermark); the failure is then thrown:
 * `OfflineError` when the connection failed, {@link AtError} for a server error.
 *
 * @example
 * const result = await pullChanges(db, session, { decode: (batch) => index(batch.updated) });
 * // stats:3, then batch:[{"id":0,"command":"sync:from:-1:limit:25"},…,{"id":3,"command":"sync:from:74:limit:25"}], …
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

  // Pages go out `group` to a request, the next request as soon as one is answered: while the server answers one,
  // the other waits its turn on the client, so the server never waits for the client between them.
  const group = Math.max(1, options.pagesPerRequest ?? 4);
  const depth = 2 * group;
  const plan = new PagePlan(start, latest);
  const fetcher = (async () => {
    const asked: { from: number; entries: Promise<PulledEntry[]> }[] = [];
    try {
      while (!stopping) {
        // Up to two requests asked: the one the server is answering and the next, queued behind it.
        while (asked.length === 0 || depth - asked.length >= group) {
          const froms: number[] = [];
          const room = () => buffered + (asked.length + froms.length) * referenceSyncWindow < maxBuffered;
          while (plan.wantsPage && froms.length < group && room()) froms.push(plan.nextPage());
          if (froms.length === 0) break;
          askPages(requester, froms, regex).forEach((entries, i) => {
            // Awaited below in order; after a failure the rest are left unread.
            entries.catch(() => undefined);
            asked.push({ from: froms[i]!, entries });
          });
        }
        const next = asked.shift();
        if (!next) {
          if (!plan.wantsPage) break;
          await nextSignal();
          continue;
        }
        const taken = plan.take(next.from, await next.entries);
        if (!taken) continue;
        pages.push({ entries: taken.entries, end: taken.watermark });
        buffered += taken.entries.length;
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
