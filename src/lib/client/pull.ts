/**
 * Pulling remote changes: `sync:from` pages from the watermark up to the latest commit id (`stats:3`), applied to
 * the local store in batched transactions. Fetching, writing and decoding overlap: pages are asked for several at
 * a time when the requester can pipeline ({@link PagePlan} says which, and what each answer settles), pages are
 * gathered into transactions of about {@link PullOptions.batchEntries} entries, and the caller's `decode` of one
 * batch runs while the next is written.
 */
import { AtError } from '$lib/at/errors';
import type { Response } from '$lib/at/response';
import { stats } from '$lib/at/verbs/stats';
import { syncFrom } from '$lib/at/verbs/sync';
import { OfflineError, sendOrOffline } from './offline';
import { PagePlan, referenceSyncWindow } from './page-plan';
import { expectData, type Requester } from './requester';
import { readWatermark } from './store/meta';
import { applyPulled, type AppliedBatch, type PulledEntry } from './store/pulled';
import type { AtSignDatabase } from './store/schema';

/** Called with each applied batch, e.g. to decrypt and index its records. Awaited before the next call. */
export type DecodeHook = (batch: AppliedBatch) => void | Promise<void>;

/**
 * A requester that can also write commands without waiting for each answer: an `AtConnection` to an atServer known
 * to accept pipelining (ours; not the reference, atprotocol.md §1.3). `AtSession` is not one, so the app pages in
 * lock-step.
 */
export interface PipeliningRequester extends Requester {
  pipeline(lines: readonly string[]): Promise<{ readonly response: Response }>[];
}

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
  /** Pages asked for at once when the requester can pipeline (default 6; 1 without pipelining). */
  readonly pagesInFlight?: number;
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

function canPipeline(requester: Requester): requester is PipeliningRequester {
  return typeof (requester as Partial<PipeliningRequester>).pipeline === 'function';
}

/** The entries of a `sync:from` answer; errors as {@link ask} gives them. */
async function pageOf(answer: Promise<Response>, line: string): Promise<PulledEntry[]> {
  const page = parseJson(expectData(await answer, line), 'sync:from');
  if (!Array.isArray(page)) throw new AtError('AT0014', 'sync:from did not answer a list');
  return page as PulledEntry[];
}

/**
 * Asks for the `sync:from` pages after each of `froms` — all in one write when the requester pipelines, else
 * (one page at a time) as a plain request — and gives each page's entries as it comes.
 */
function askPages(requester: Requester, froms: readonly number[], regex?: string): Promise<PulledEntry[]>[] {
  const lines = froms.map((from) =>
    syncFrom.format({ verb: 'sync:from', fromCommitId: from, limit: referenceSyncWindow, regex }),
  );
  if (!canPipeline(requester)) return lines.map((line) => pageOf(sendOrOffline(requester, line), line));
  return requester.pipeline(lines).map((answer, i) =>
    pageOf(
      answer.then(
        ({ response }) => response,
        (error: unknown) => Promise.reject(new OfflineError(error)),
      ),
      lines[i]!,
    ),
  );
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

  // With pipelining, pages go out in groups of half of `pagesInFlight`, as soon as that many answers are in: one
  // write (one WebSocket message, which costs the client's thread far more than its few bytes) for several pages.
  const depth = canPipeline(requester) ? Math.max(1, options.pagesInFlight ?? 6) : 1;
  const group = Math.ceil(depth / 2);
  const plan = new PagePlan(start, latest);
  const fetcher = (async () => {
    const asked: { from: number; entries: Promise<PulledEntry[]> }[] = [];
    try {
      while (!stopping) {
        if (asked.length === 0 || depth - asked.length >= group) {
          const froms: number[] = [];
          const room = () => buffered + (asked.length + froms.length) * referenceSyncWindow < maxBuffered;
          while (plan.wantsPage && asked.length + froms.length < depth && room()) froms.push(plan.nextPage());
          if (froms.length > 0)
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
