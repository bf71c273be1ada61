/**
 * Pushing the outbox: entries are sent one at a time, oldest first, each settled in the store before the next
 * goes. The server's answer decides what happens to an entry:
 * - `data:<commitId>`: done; the record takes the commit id;
 * - an `error:` the same command cannot fix by retrying (`AT0003`, `AT0016`, `AT0009`, …): the entry moves to
 *   `conflicts` as `rejected`, with the error, and the queue goes on — one bad write never blocks the rest;
 * - no answer (network), a retryable error (`AT0024` paused, `AT0028` too many requests) or `data:null` (the
 *   reference's answer when its store failed to write): the push stops with the entry still first in line,
 *   to be sent again later.
 */
import { errorFromResponse } from '$lib/at/response';
import { sendOrOffline } from './offline';
import type { Requester } from './requester';
import { acknowledge, firstQueued, reject } from './store/outbox';
import type { AtSignDatabase } from './store/schema';

/** What a push did, and why it stopped early if it did. */
export interface PushResult {
  readonly sent: number;
  readonly rejected: number;
  /** Set when entries remain because of a retryable failure; `OFFLINE` when no answer came. */
  readonly stopped?: { readonly code: string; readonly message: string };
}

/** The commit id in an `update`/`delete` answer; null when it names none (`data:success` of other verbs). */
function commitIdOf(data: string): number | null {
  return /^-?\d+$/.test(data) ? Number.parseInt(data, 10) : null;
}

/**
 * Sends every queued entry in order until the outbox is empty or a retryable failure stops it.
 *
 * @example
 * const { sent, rejected, stopped } = await pushOutbox(db, session);
 * // update:phone.wavi@alice 9Xk…  →  data:57, then the next entry …
 */
export async function pushOutbox(
  db: AtSignDatabase,
  requester: Requester,
  now: () => number = Date.now,
): Promise<PushResult> {
  let sent = 0;
  let rejected = 0;
  for (let entry = await firstQueued(db); entry; entry = await firstQueued(db)) {
    let response;
    try {
      response = await sendOrOffline(requester, entry.command);
    } catch (error) {
      return { sent, rejected, stopped: { code: 'OFFLINE', message: (error as Error).message } };
    }
    if (response.kind === 'data' && response.data !== 'null') {
      await acknowledge(db, entry, commitIdOf(response.data));
      sent += 1;
    } else if (response.kind === 'data') {
      return { sent, rejected, stopped: { code: 'AT0002', message: 'the server could not store the write' } };
    } else if (response.kind === 'error' && errorFromResponse(response).isRetryable()) {
      return { sent, rejected, stopped: { code: response.code, message: response.description } };
    } else {
      const refusal =
        response.kind === 'error'
          ? { code: response.code, message: response.description }
          : { code: 'AT0014', message: `unexpected answer: ${response.kind}` };
      await reject(db, entry, refusal, now());
      rejected += 1;
    }
  }
  return { sent, rejected };
}
