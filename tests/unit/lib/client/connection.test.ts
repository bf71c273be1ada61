import { describe, expect, it } from 'vitest';
import { AtError } from '$lib/at/errors';
import { AtConnection, ConnectionClosedError } from '$lib/client/connection';
import { FakeTransport, settle } from './fake-transport';

const echo = (line: string) => `data:${line}\n@alice@`;

describe('AtConnection.open', () => {
  it('resolves only once the server’s @ has arrived', async () => {
    const transport = new FakeTransport(undefined, null);
    let opened = false;
    const opening = AtConnection.open(transport).then((connection) => {
      opened = true;
      return connection;
    });
    await settle();
    expect(opened).toBe(false);
    transport.write('@');
    expect((await opening).isClosed).toBe(false);
  });

  it('rejects with the server’s own error when it refuses the connection instead of greeting', async () => {
    const transport = new FakeTransport(undefined, null);
    const opening = AtConnection.open(transport);
    transport.write('error:AT0012-Inbound connection limit exceeded\n');
    transport.drop();
    const failure = await opening.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AtError);
    expect(failure).toMatchObject({ code: 'AT0012' });
  });

  it('rejects with a not-sent ConnectionClosedError carrying the transport’s reason when it closes first', async () => {
    const transport = new FakeTransport(undefined, null);
    const opening = AtConnection.open(transport);
    const reason = new Error('WebSocket closed with 4404 (atSign not found)');
    transport.drop(reason);
    const failure = await opening.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionClosedError);
    expect(failure).toMatchObject({ code: 'AT0004', sent: false, cause: reason });
    expect((failure as Error).message).toContain('4404');
  });

  it('gives up with AT0023 and closes when no greeting comes in time', async () => {
    const transport = new FakeTransport(undefined, null);
    await expect(AtConnection.open(transport, { greetingTimeoutMs: 5 })).rejects.toMatchObject({ code: 'AT0023' });
    expect(transport.isClosed).toBe(true);
  });
});

describe('AtConnection requests', () => {
  it('writes one command at a time and answers each with its own response', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport);
    const answers = [connection.send('a'), connection.send('b'), connection.exchange('c')];
    expect(transport.lines).toEqual(['a']);
    transport.write('data:1\n@alice@');
    await settle();
    expect(transport.lines).toEqual(['a', 'b']);
    transport.write('error:AT0015-Exception: b@alice does not exist\n@alice@');
    await settle();
    transport.write('data:3\n@alice@');
    expect(await Promise.all(answers)).toEqual([
      { kind: 'data', data: '1' },
      { kind: 'error', code: 'AT0015', description: 'Exception: b@alice does not exist' },
      { text: 'data:3', response: { kind: 'data', data: '3' } },
    ]);
  });

  it('writes a command at once when nothing is ahead of it', async () => {
    const transport = new FakeTransport(echo);
    const connection = await AtConnection.open(transport);
    const answer = connection.send('noop:0');
    expect(transport.lines).toEqual(['noop:0']);
    expect(await answer).toEqual({ kind: 'data', data: 'noop:0' });
  });

  it('hands notification lines to onNotification and still answers the command around them', async () => {
    const seen: string[] = [];
    const transport = new FakeTransport((line) => `notification: {"id":"1"}\ndata:${line}\n@alice@`);
    const connection = await AtConnection.open(transport, { onNotification: (json) => seen.push(json) });
    expect(await connection.send('x')).toEqual({ kind: 'data', data: 'x' });
    transport.write('notification: {"id":"2"}\n');
    expect(seen).toEqual(['{"id":"1"}', '{"id":"2"}']);
  });

  it('writes sendWithoutReply lines in order with the others and resolves once written', async () => {
    const transport = new FakeTransport((line) => (line.startsWith('monitor') ? undefined : echo(line)));
    const connection = await AtConnection.open(transport);
    const first = connection.send('from:@alice');
    const monitor = connection.sendWithoutReply('monitor');
    const after = connection.send('noop:0');
    expect(await first).toEqual({ kind: 'data', data: 'from:@alice' });
    await monitor;
    expect(await after).toEqual({ kind: 'data', data: 'noop:0' });
    expect(transport.lines).toEqual(['from:@alice', 'monitor', 'noop:0']);
  });

  it('times out with AT0023, closes, and rejects what was queued behind as not sent', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport, { timeoutMs: 5 });
    const slow = connection.send('noop:5000');
    const queued = connection.send('llookup:phone@alice');
    await expect(slow).rejects.toMatchObject({ code: 'AT0023' });
    await expect(queued).rejects.toMatchObject({ code: 'AT0004', sent: false });
    await connection.closed;
    expect(transport.lines).toEqual(['noop:5000']);
  });

  it('takes a per-request timeout over the connection’s', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport, { timeoutMs: 60_000 });
    await expect(connection.send('pol', { timeoutMs: 5 })).rejects.toMatchObject({ code: 'AT0023' });
  });

  it('rejects the request in flight as sent and the queued ones as not sent when the connection drops', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport);
    const written = connection.send('update:phone@alice 1');
    const waiting = connection.send('llookup:phone@alice');
    transport.drop(new Error('network gone'));
    const [writtenError, waitingError] = await Promise.all([
      written.catch((e: unknown) => e),
      waiting.catch((e: unknown) => e),
    ]);
    expect(writtenError).toBeInstanceOf(ConnectionClosedError);
    expect(writtenError).toMatchObject({ sent: true, cause: expect.objectContaining({ message: 'network gone' }) });
    expect((writtenError as AtError).isRetryable()).toBe(true);
    expect(waitingError).toMatchObject({ sent: false });
    expect(connection.closeReason?.message).toBe('network gone');
  });

  it('answers with a response the server wrote just before closing, without its prompt', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport);
    const answer = connection.send('info');
    transport.write('error:AT0024-Exception: Server is paused\n');
    transport.drop();
    expect(await answer).toMatchObject({ kind: 'error', code: 'AT0024' });
  });

  it('rejects new requests once closed, as not sent', async () => {
    const transport = new FakeTransport();
    const connection = await AtConnection.open(transport);
    connection.close();
    await connection.closed;
    await expect(connection.send('info')).rejects.toMatchObject({ code: 'AT0004', sent: false });
    await expect(connection.sendWithoutReply('monitor')).rejects.toMatchObject({ code: 'AT0004' });
    expect(transport.lines).toEqual([]);
  });
});
