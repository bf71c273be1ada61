/**
 * Telling "the network failed" from "the server said no": a request whose `send` throws never got an answer, so
 * the sync engine stops and retries later; an `error:` answer is the server's verdict on that one command.
 */
import type { Response } from '$lib/at/response';
import type { Requester } from './requester';

/** A request got no answer (connection down, closed or timed out); it may or may not have reached the server. */
export class OfflineError extends Error {
  constructor(cause: unknown) {
    super(`no answer from the atServer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'OfflineError';
  }
}

/**
 * Sends `line`; whatever `send` throws becomes an {@link OfflineError}. `error:` answers resolve as responses.
 *
 * @example const response = await sendOrOffline(session, 'stats:3');
 */
export async function sendOrOffline(requester: Requester, line: string): Promise<Response> {
  try {
    return await requester.send(line);
  } catch (error) {
    throw new OfflineError(error);
  }
}
