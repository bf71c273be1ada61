import type tls from 'node:tls';
import { AtError } from '$lib/at/errors';
import { formatError, formatReply, type Reply } from '$lib/at/response';
import { DeferredOutput } from '../net/deferred-output';
import { LineFramer } from '../net/line-framer';
import { CommandQueue } from './command-queue';
import type { AtSignContext, VerbContext } from './context';
import { dispatch, SilentClose } from './dispatch';
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
  // A client certificate that does not chain to a trusted CA counts as none (the reference's TLS layer refuses it).
  const peerCertificate = () => (socket.authorized ? socket.getPeerCertificate() : undefined);
  const session = new Session(server.atSign, server.clock.now(), peerCertificate);
  const ctx: VerbContext = { server, session };
  let firstLine = true;
  /** Set once the connection is ending: commands still queued behind a closing error are not run. */
  let closing = false;
  const writable = () => !socket.destroyed && socket.writable;
  // Checked again when the held text is written: the socket may have closed in between.
  const output = new DeferredOutput({
    write: (text) => {
      if (writable()) socket.write(text);
    },
  });
  const close = () => {
    closing = true;
    output.flush();
    socket.end();
  };

  const write = (text: string) => {
    if (text === '' || !writable()) return;
    session.lastWriteAt = server.clock.now();
    output.write(text);
  };
  /**
   * When the socket's buffer is past its high-water mark (a client that pipelines but does not read), a
   * promise of its drain: the command queue then stalls behind it and reading pauses, so such a client costs
   * a bounded amount of memory (STYLE.md §2.7). Nothing to wait for otherwise.
   */
  const drained = (): Promise<void> | undefined => {
    if (socket.destroyed || !socket.writableNeedDrain) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  };
  const answer = (reply: Reply) => {
    write(formatReply(reply, session.prompt));
    return drained();
  };
  const connection: InboundConnection = {
    session,
    drop: () => socket.destroy(),
    push: write,
    writeBacklog: () => socket.writableLength + output.heldLength,
    drained: async () => drained(),
  };

  if (!pool.admit(connection)) {
    socket.end('error:AT0012-Inbound connection limit exceeded\n');
    return;
  }
  socket.once('close', () => {
    output.discard();
    framer.stop();
    pool.remove(connection);
  });

  const fail = (error: unknown) => {
    if (error instanceof SilentClose) {
      server.log.info('connection closed', { reason: error.message });
      return void socket.destroy();
    }
    const atError =
      error instanceof AtError ? error : new AtError('AT0011', `InternalServerException(${String(error)})`);
    if (!(error instanceof AtError)) {
      server.log.error('verb failed', { error: error instanceof Error ? error.stack : String(error) });
    }
    write(formatError(atError, session.errorStyle, session.errorPrompt));
    if (atError.closesConnection) close();
  };

  /** Runs one command line; returns a promise only while the command (or a drain after it) is pending. */
  const run = (line: string): Promise<void> | undefined => {
    if (socket.destroyed || closing) return undefined;
    const command = line.trim();
    if (command === '@exit') return void close();
    if (firstLine && httpRequestLine.test(command)) return void socket.destroy();
    firstLine = false;
    try {
      const reply = dispatch(command, table, ctx);
      return reply instanceof Promise ? reply.then(answer).catch(fail) : answer(reply);
    } catch (error) {
      fail(error);
      return undefined;
    }
  };
  const commands = new CommandQueue(() => {
    if (commands.size <= maxQueuedLines && socket.isPaused()) socket.resume();
  });

  const framer = new LineFramer(
    server.limits.maxRequestBytes,
    (line) => {
      commands.push(() => run(line));
      if (commands.size > maxQueuedLines) socket.pause();
    },
    () =>
      fail(
        new AtError(
          'AT0005',
          'InboundBuffer overflow: server received request which exceeded the buffer size limit. Terminating the connection.',
        ),
      ),
  );
  socket.on('data', (chunk: Buffer) => {
    // A connection past its idle allowance that speaks again is closed without an answer, as the
    // reference's lazy reaping does (atprotocol.md §1.7); the periodic sweep may not have run yet.
    if (pool.isIdleExpired(connection)) {
      pool.remove(connection);
      return void socket.destroy();
    }
    framer.push(chunk);
  });
  write('@');
}
