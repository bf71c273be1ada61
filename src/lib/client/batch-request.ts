/**
 * Several commands in one round trip, without pipelining: `batch:[{"id":0,"command":…},…]` (atprotocol.md §5.16)
 * is one line, so it keeps the strict lock-step every atServer expects (§1.3), the reference's included, and
 * its answer carries each command's reply.
 */
import { AtError } from '$lib/at/errors';
import type { Response } from '$lib/at/response';
import { batch, type BatchResponse } from '$lib/at/verbs/batch';
import { sendOrOffline } from './offline';
import { expectData, type Requester } from './requester';

/**
 * A command the server left out of its batch answer: the reference leaves out one that failed without an error
 * code, and ours the commands it did not run once the answer reached its size limit. Asking again alone is safe
 * for a read.
 */
export class LeftOutOfBatch extends AtError {
  constructor(command: string) {
    super('AT0014', `unexpected batch answer: no reply to ${command.slice(0, 40)}`, { close: false });
    this.name = 'LeftOutOfBatch';
  }
}

function unexpected(what: string): AtError {
  return new AtError('AT0014', `unexpected batch answer: ${what}`, { close: false });
}

/** The replies in a `batch` answer's data, by the `id` each command was sent with. */
function repliesById(data: string): Map<number, Response> {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    throw unexpected(`not JSON: ${data.slice(0, 80)}`);
  }
  if (!Array.isArray(body)) throw unexpected('not a list');
  const replies = new Map<number, Response>();
  for (const element of body as { id?: unknown; response?: BatchResponse }[]) {
    const { id, response } = element ?? {};
    if (typeof id !== 'number' || typeof response !== 'object' || response === null) {
      throw unexpected(JSON.stringify(element).slice(0, 80));
    }
    const { data: value, error_code: code, error_message: message } = response;
    replies.set(
      id,
      typeof code === 'string'
        ? { kind: 'error', code, description: message ?? '' }
        : { kind: 'data', data: value ?? 'null' },
    );
  }
  return replies;
}

/**
 * Sends `lines` as one `batch` command and gives each line's reply, in order. A command the server left out of
 * its answer is a {@link LeftOutOfBatch}; an answer that is not a list of replies is AT0014; no answer at all is an
 * `OfflineError`; and an error answer to the batch itself is every line's error.
 *
 * @example
 * const [first, second] = askBatch(session, ['sync:from:-1:limit:25', 'sync:from:24:limit:25']);
 * // one line out: batch:[{"id":0,"command":"sync:from:-1:limit:25"},{"id":1,"command":"sync:from:24:limit:25"}]
 */
export function askBatch(requester: Requester, lines: readonly string[]): Promise<Response>[] {
  const line = batch.format({ verb: 'batch', requests: lines.map((command, id) => ({ id, command })) });
  const replies = sendOrOffline(requester, line).then((response) => repliesById(expectData(response, 'batch:')));
  return lines.map((command, id) =>
    replies.then((byId) => {
      const reply = byId.get(id);
      if (!reply) throw new LeftOutOfBatch(command);
      return reply;
    }),
  );
}
