/**
 * What the client's operations need from a connection: send one command line, get its parsed response.
 * An authenticated {@link AtConnection} or {@link AtSession} is one; so is the server's own
 * `ProtocolClient` in Node tests. Keeping operations on this one method keeps them transport-blind.
 */
import { AtError } from '$lib/at/errors';
import { errorFromResponse, type Response } from '$lib/at/response';

/** Options of one request. */
export interface RequestOptions {
  /** Its response must arrive within this instead of the connection's default. */
  readonly timeoutMs?: number;
}

/** Sends one command and resolves with its parsed response (an `error:` response resolves too). */
export interface Requester {
  send(line: string, options?: RequestOptions): Promise<Response>;
}

/**
 * The `data:` of a response, or the server's error thrown as an {@link AtError}.
 *
 * @example const value = expectData(await requester.send('llookup:phone@alice'), 'llookup');
 */
export function expectData(response: Response, step: string): string {
  if (response.kind === 'data') return response.data;
  if (response.kind === 'error') throw errorFromResponse(response);
  throw new AtError('AT0014', `unexpected answer to ${step}`);
}

/** Sends a command and returns its `data:`; the server's error is thrown as an {@link AtError}. */
export async function request(requester: Requester, line: string, options?: RequestOptions): Promise<string> {
  return expectData(await requester.send(line, options), line.slice(0, line.indexOf(':') + 1 || undefined));
}
