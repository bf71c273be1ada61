import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import type { AtServerHost } from '../atserver/host';
import type { Logger } from '../log';
import { LineFramer } from '../net/line-framer';
import { askAdmin } from './client';
import { handleAdminRequest } from './operations';
import { maxAdminRequestBytes, parseAdminRequest, type AdminResponse, type StackAddress } from './protocol';

export interface AdminServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Opens the admin channel of a running stack on the Unix socket `path`, mode 0600 inside the owner-only
 * data folder, so only the user who runs the stack can create or delete its atSigns. Requests are
 * answered one at a time per connection. Neither requests nor answers are logged: `create` answers carry
 * the CRAM secret. A stale socket left by a killed stack is replaced; a live one means another stack
 * already serves this data folder, and starting fails.
 */
export async function startAdminServer(
  path: string,
  host: AtServerHost,
  address: StackAddress,
  log: Logger,
): Promise<AdminServer> {
  await claimAdminSocket(path);
  const server = net.createServer((socket) => {
    let queue = Promise.resolve();
    const answer = (response: AdminResponse) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
    };
    const framer = new LineFramer(
      maxAdminRequestBytes,
      (line) => {
        queue = queue.then(async () => {
          let request;
          try {
            request = parseAdminRequest(line);
          } catch (error) {
            return answer({ ok: false, error: `bad admin request: ${(error as Error).message}`, usage: true });
          }
          log.info('admin request', { op: request.op });
          answer(await handleAdminRequest(host, request, address));
        });
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => framer.stop());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Unlinking first lets a new stack start at once, even while an old CLI connection drains.
        unlink(path).catch(() => {});
      }),
  };
}

/**
 * Makes sure no other stack serves this data folder: removes a socket file nobody listens on (left by a
 * killed stack) and fails when a live stack answers on it. Run it before starting any listener.
 */
export async function claimAdminSocket(path: string): Promise<void> {
  const live = await askAdmin(path, { op: 'list' }, { connectTimeoutMs: 1_000, answerTimeoutMs: 5_000 }).catch(
    () => true,
  );
  if (live) throw new Error(`another atstack is already running with this data folder (${path} answers)`);
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
