import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../../support/raw-client';
import { startStack, type Stack, type TestConnection } from './harness';

const overflowError =
  'error:AT0005-Exception: InboundBuffer overflow: server received request which exceeded the buffer size limit. ' +
  'Terminating the connection.\n@';

/** Everything the server wrote after its `@` until it closed the connection. */
async function untilClosed(connection: TestConnection): Promise<string> {
  await connection.raw.closed;
  return connection.raw.drain();
}

describe('request size limit (maxRequestBytes, atprotocol.md §1.3)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { maxRequestBytes: 1_024 } });
  });
  afterAll(() => stack.stop());

  it('answers AT0005 and closes as soon as a request passes the limit, before any newline arrives', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('a'.repeat(1_025));
    expect(await untilClosed(alice)).toBe(overflowError);
  });

  it('counts bytes across chunks of one unfinished request', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('a'.repeat(600));
    alice.raw.write('b'.repeat(600));
    expect(await untilClosed(alice)).toBe(overflowError);
  });

  it('counts bytes, not characters', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('é'.repeat(513));
    expect(await untilClosed(alice)).toBe(overflowError);
  });

  it('serves a request of exactly the limit', async () => {
    const alice = await stack.connect('@alice');
    expect(await alice.send(`noop:${'0'.repeat(1_019)}`)).toBe('data:ok');
    expect(alice.raw.isClosed).toBe(false);
  });
});

describe('inbound connection limit (maxInboundConnections, atprotocol.md §1.2)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'], limits: { maxInboundConnections: 2 } });
  });
  afterAll(() => stack.stop());

  it('answers one connection too many with exactly the AT0012 line and closes it', async () => {
    const [first] = [await stack.connect('@alice'), await stack.connect('@alice')];
    const extra = await RawClient.connect(stack.port('@alice'), { ca: stack.tls.caPem });
    await extra.closed;
    expect(extra.drain()).toBe('error:AT0012-Inbound connection limit exceeded\n');

    first!.close();
    const server = stack.host.server('@alice')!;
    await vi.waitFor(() => expect([...server.connections()]).toHaveLength(1));
    const again = await stack.connect('@alice');
    expect(await again.send('info:brief')).toMatch(/^data:\{"version"/);
  });
});

describe('idle connections (atprotocol.md §1.7)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      atSigns: ['@alice'],
      limits: {
        maxInboundConnections: 4,
        unauthenticatedIdleMs: 100_000,
        minUnauthenticatedIdleMs: 10_000,
        authenticatedIdleMs: 1_000_000,
        minAuthenticatedIdleMs: 100_000,
        // Reaping is driven by the tests below, never by the timer.
        idleSweepMs: 3_600_000,
      },
    });
  });
  afterAll(() => stack.stop());
  const server = () => stack.host.server('@alice')!;

  it('closes an unauthenticated connection idle past its allowance, writing nothing', async () => {
    const stranger = await stack.connect('@alice');
    stack.clock.advance(100_001);
    expect(server().reapIdle()).toBe(1);
    expect(await untilClosed(stranger)).toBe('');
  });

  it('keeps an authenticated connection idle for as long as that closes a stranger', async () => {
    const [stranger, owner] = [await stack.connect('@alice'), await stack.owner('@alice')];
    stack.clock.advance(100_001);
    expect(server().reapIdle()).toBe(1);
    await stranger.raw.closed;
    expect(await owner.send('info:brief')).toMatch(/^data:\{"version"/);
    stack.clock.advance(1_000_001);
    server().reapIdle();
    expect(await untilClosed(owner)).toBe('');
  });

  it('counts idle time from the last answer the server wrote', async () => {
    const stranger = await stack.connect('@alice');
    stack.clock.advance(90_000);
    expect(await stranger.send('info:brief')).toMatch(/^data:/);
    stack.clock.advance(90_000);
    expect(server().reapIdle()).toBe(0);
    stranger.close();
  });

  it('closes without an answer a connection that speaks after its allowance has passed', async () => {
    const stranger = await stack.connect('@alice');
    stack.clock.advance(100_001);
    stranger.raw.write('info:brief\n');
    expect(await untilClosed(stranger)).toBe('');
  });

  it('shortens the allowance as the pool fills (progressive reduction)', async () => {
    const early = await stack.connect('@alice');
    stack.clock.advance(20_000);
    const later = [await stack.connect('@alice'), await stack.connect('@alice'), await stack.connect('@alice')];
    // Four of four open: the allowance is down to its 10 s floor, which `early` has passed and the others not.
    expect(server().reapIdle()).toBe(1);
    expect(await untilClosed(early)).toBe('');
    for (const connection of later) expect(await connection.send('info:brief')).toMatch(/^data:/);
    for (const connection of later) connection.close();
  });

  it('makes room for a new connection in a full pool by closing an idle one', async () => {
    await vi.waitFor(() => expect([...server().connections()]).toHaveLength(0));
    const idle = await stack.connect('@alice');
    stack.clock.advance(20_000);
    const busy = [await stack.connect('@alice'), await stack.connect('@alice'), await stack.connect('@alice')];
    const newcomer = await stack.connect('@alice');
    expect(await newcomer.send('info:brief')).toMatch(/^data:/);
    expect(await untilClosed(idle)).toBe('');
    for (const connection of [...busy, newcomer]) connection.close();
  });
});

describe('the periodic idle sweep', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      atSigns: ['@alice'],
      limits: { unauthenticatedIdleMs: 1_000, minUnauthenticatedIdleMs: 1_000, idleSweepMs: 10 },
    });
  });
  afterAll(() => stack.stop());

  it('closes idle connections without a new connection or command to trigger it', async () => {
    const stranger = await stack.connect('@alice');
    stack.clock.advance(1_001);
    expect(await untilClosed(stranger)).toBe('');
  });
});

describe('connection framing and lifecycle (atprotocol.md §1.2–§1.3)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
  });
  afterAll(() => stack.stop());

  it('closes on @exit without writing anything', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('@exit\n');
    expect(await untilClosed(alice)).toBe('');
  });

  it('closes on @exit surrounded by whitespace, also once authenticated', async () => {
    const alice = await stack.owner('@alice');
    alice.raw.write('  @exit \r\n');
    expect(await untilClosed(alice)).toBe('');
  });

  it('answers an empty line with AT0003 and keeps the connection open', async () => {
    const alice = await stack.connect('@alice');
    expect(await alice.sendExact('')).toBe('error:AT0003-Exception: invalid command\n@');
    expect(await alice.sendExact('\r')).toBe('error:AT0003-Exception: invalid command\n@');
    expect(await alice.send('info:brief')).toMatch(/^data:/);
  });

  it('closes a connection whose first line is an HTTP request, writing nothing', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await untilClosed(alice)).toBe('');
  });

  it('closes on a POST request line too', async () => {
    const alice = await stack.connect('@alice');
    alice.raw.write('POST /api HTTP/1.0\r\n');
    expect(await untilClosed(alice)).toBe('');
  });

  it('treats an HTTP-looking line after the first as an ordinary bad command', async () => {
    const alice = await stack.connect('@alice');
    await alice.send('info:brief');
    expect(await alice.send('GET / HTTP/1.1')).toMatch(/^error:AT0003-/);
  });

  it('answers pipelined commands in order', async () => {
    const alice = await stack.owner('@alice');
    alice.raw.write(
      'update:one.pipe@alice 1\nupdate:two.pipe@alice 2\nllookup:one.pipe@alice\nllookup:two.pipe@alice\n',
    );
    const answers = [await alice.read(), await alice.read(), await alice.read(), await alice.read()];
    expect(answers.slice(2)).toEqual(['data:1', 'data:2']);
    expect(answers[0]).toMatch(/^data:\d+$/);
  });

  it('does not run commands queued behind an error that closes the connection', async () => {
    const alice = await stack.owner('@alice');
    alice.raw.write('from:@b!ad\nupdate:queued.pipe@alice 1\n');
    expect(await untilClosed(alice)).toMatch(/^error:AT0011-/);
    const again = await stack.owner('@alice');
    expect(await again.send('llookup:queued.pipe@alice')).toMatch(/^error:AT0015-/);
  });
});

describe('back-pressure and fairness', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice'] });
  });
  afterAll(() => stack.stop());

  it('bounds what it buffers for a client that pipelines 1000 commands without reading, and serves others', async () => {
    const value = 'v'.repeat(50_000);
    const hog = await stack.owner('@alice');
    expect(await hog.send(`update:big.pressure@alice ${value}`)).toMatch(/^data:\d+$/);
    hog.raw.socket.pause();
    hog.raw.write('llookup:big.pressure@alice\n'.repeat(1_000));

    const other = await stack.owner('@alice');
    expect(await other.send('info:brief')).toMatch(/^data:\{"version"/);
    const server = stack.host.server('@alice')!;
    const backlog = () => Math.max(...[...server.connections()].map((c) => c.writeBacklog()));
    // 50 MB of answers are due; the server holds at most about one answer beyond the socket's buffer.
    await vi.waitFor(() => expect(backlog()).toBeGreaterThan(0));
    expect(backlog()).toBeLessThan(1_000_000);

    hog.raw.socket.resume();
    for (let i = 0; i < 1_000; i += 1) expect(await hog.read()).toBe(`data:${value}`);
  });

  it('answers one connection while another waits in a slow command', async () => {
    const slow = await stack.connect('@alice');
    const quick = await stack.connect('@alice');
    slow.raw.write('noop:5000\n');
    await vi.waitFor(() => expect(stack.clock.sleeping).toBe(1));
    expect(await quick.send('info:brief')).toMatch(/^data:/);
    stack.clock.advance(5_000);
    expect(await slow.read()).toBe('data:ok');
  });
});
