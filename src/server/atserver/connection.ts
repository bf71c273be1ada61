import type tls from 'node:tls';
import { AtError } from '$lib/at/errors';
import { formatError, formatReply } from '$lib/at/response';
import { LineFramer } from '../net/line-framer';
import type { AtSignContext, VerbContext } from './context';
import { dispatch } from './dispatch';
import type { InboundConnection, InboundPool } from './inbound-pool';
import { Session } from './session';
import type { VerbTable } from './verbs/table';

/** Lines a client may have queued before the server stops reading its socket (back-pressure). */
const maxQueuedLines = 16;
/** A first line like this is a web client on the wrong port: close at once (STYLE.md §2.7). */
const httpRequestLine = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|TRACE) \S+ HTTP\/\d/i;

/**
 * Serves one inbound connection of an atSign's atServer, byte for byte as the reference (atprotocol.md §1):
 * `@` on connect, then one command per line in strict order, each answered with its reply and prompt.
 * Errors are written in the connection's error style and close the connection when their code says so.
 */
export function serveConnection(
  socket: tls.TLSSocket,
  server: AtSignContext,
  table: VerbTable,
  pool: InboundPool,
): void {
  const session = new Session(server.atSign, server.clock.now(), () => socket.getPeerCertificate());
  const ctx: VerbContext = { server, session };
  let queue = Promise.resolve();
  let queued = 0;
  let firstLine = true;

  const write = (text: string) => {
    if (text === '' || socket.destroyed || !socket.writable) return;
    session.lastWriteAt = server.clock.now();
    socket.write(text);
  };
  const connection: InboundConnection = { session, drop: () => socket.destroy(), push: write };

  if (!pool.admit(connection)) {
    socket.end('error:AT0012-Inbound connection limit exceeded\n');
    return;
  }
  socket.once('close', () => {
    framer.stop();
    pool.remove(connection);
  });

  const fail = (error: unknown) => {
    const atError =
      error instanceof AtError ? error : new AtError('AT0011', `InternalServerException(${String(error)})`);
    if (!(error instanceof AtError)) {
      server.log.error('verb failed', { error: error instanceof Error ? error.stack : String(error) });
    }
    write(formatError(atError, session.errorStyle, session.errorPrompt));
    if (atError.closesConnection) socket.end();
  };

  const run = async (line: string) => {
    const command = line.trim();
    if (command === '@exit') return void socket.end();
    if (firstLine && httpRequestLine.test(command)) return void socket.destroy();
    firstLine = false;
    try {
      write(formatReply(await dispatch(command, table, ctx), session.prompt));
    } catch (error) {
      fail(error);
    }
  };

  const framer = new LineFramer(
    server.limits.maxRequestBytes,
    (line) => {
      queued += 1;
      if (queued > maxQueuedLines) socket.pause();
      queue = queue
        .then(() => (socket.destroyed ? undefined : run(line)))
        .finally(() => {
          queued -= 1;
          if (queued <= maxQueuedLines && socket.isPaused()) socket.resume();
        });
    },
    () =>
      fail(
        new AtError(
          'AT0005',
          'InboundBuffer overflow: server received request which exceeded the buffer size limit. Terminating the connection.',
        ),
      ),
  );
  socket.on('data', (chunk: Buffer) => framer.push(chunk));
  write('@');
}
