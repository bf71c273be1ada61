import net from 'node:net';
import type { AdminRequest, AdminResponse } from './protocol';

export interface AskOptions {
  /** Giving up on connecting within this means no stack is running (default 1 s). */
  readonly connectTimeoutMs?: number;
  /** A stack that accepted the request but has not answered within this is an error (default 60 s). */
  readonly answerTimeoutMs?: number;
}

/** Errors that mean nothing listens on the socket: no stack runs (or one was killed and left the file). */
const notRunning = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENAMETOOLONG']);

/**
 * Sends one request to the running stack's admin channel. Resolves `undefined` when no stack answers on
 * `path`, so the caller can work on the data folder directly. Once the request is sent it is never
 * silently dropped: a missing answer rejects, because the stack may have carried it out.
 *
 * @example
 * const response = await askAdmin(dataPaths(dir).adminSocket, { op: 'create', atSign: '@alice' });
 * // { ok: true, result: { atSign: '@alice', cramSecret: '9f2c…', … } } or undefined
 */
export function askAdmin(
  path: string,
  request: AdminRequest,
  options: AskOptions = {},
): Promise<AdminResponse | undefined> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    let connected = false;
    let text = '';
    const socket = net.connect(path);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    let timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, connectTimeoutMs);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => fail(new Error('the running stack did not answer the admin request')), answerTimeoutMs);
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(text.slice(0, end)) as AdminResponse);
      } catch {
        reject(new Error('the running stack answered the admin request with something unreadable'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!connected && notRunning.has(error.code ?? '')) return resolve(undefined);
      fail(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (connected) fail(new Error('the running stack closed the admin channel without answering'));
    });
  });
}
