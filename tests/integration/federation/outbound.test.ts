import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type TestConnection } from '../atserver/harness';
import { closedPort, startFakeAtServer, type FakeAtServer } from './peers';

/** An answer to `lookup:all:publickey@…`: none, as an atServer without an encryption key answers. */
const noPublicKey = (line: string) =>
  line.startsWith('lookup:all:publickey@') ? 'error:AT0015-Exception: public:publickey does not exist\n@' : undefined;

describe('outbound connections to other atServers (§6.1)', () => {
  let stack: Stack;
  let alice: TestConnection;
  let bob: TestConnection;
  let silent: FakeAtServer;
  let talkative: FakeAtServer;
  let talkativePort: number;

  beforeAll(async () => {
    stack = await startStack({
      atSigns: ['@alice', '@bob'],
      limits: { autoNotify: false, outboundHandshakeTimeoutMs: 300, outboundRequestTimeoutMs: 300 },
    });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
    // Answers the public key check, then nothing at all.
    silent = await startFakeAtServer(stack.tls, noPublicKey);
    await stack.directoryBackend.register('silent', `localhost:${silent.port}`);
    // Answers every public lookup with a record.
    talkative = await startFakeAtServer(
      stack.tls,
      (line) =>
        noPublicKey(line) ??
        `data:{"key":"public:x@talkative","data":"hello","metaData":{"createdBy":"@talkative","createdAt":"2024-10-24 10:00:00.123Z","updatedAt":"2024-10-24 10:00:00.123Z","version":0}}\n@`,
    );
    talkativePort = talkative.port;
    await stack.directoryBackend.register('talkative', `localhost:${talkativePort}`);
  });
  afterAll(async () => {
    await silent.close();
    await talkative.close();
    await stack.stop();
  });

  it('answers AT0007 for an atSign the atDirectory does not know, and keeps the connection', async () => {
    const unknown = 'error:AT0007-Secondary server not found : Unable to find secondary address for atSign:nobody';
    expect(await bob.send('lookup:phone@nobody')).toBe(unknown);
    expect(await bob.send('plookup:phone@nobody')).toBe(unknown);
    expect(await bob.send('scan:@nobody')).toBe(unknown);
    expect(await bob.send('noop:0')).toBe('data:ok');
  });

  it('answers AT0021 when the other atServer is down, and keeps the connection', async () => {
    const port = await closedPort();
    await stack.directoryBackend.register('ghost', `localhost:${port}`);
    expect(await bob.send('lookup:phone@ghost')).toMatch(
      new RegExp(
        `^error:AT0021-Unable to connect to secondary : Unable to connect to secondary @ghost at localhost:${port}: `,
      ),
    );
    expect(await bob.send('plookup:phone@ghost')).toMatch(/^error:AT0021-/);
    expect(await bob.send('noop:0')).toBe('data:ok');
  });

  it('answers AT0008 when the other atServer does not answer from:, and keeps the connection', async () => {
    expect(await bob.send('lookup:phone@silent')).toBe(
      `error:AT0008-Handshake failure : Exception: No response after 300 millis from remote secondary @silent at localhost:${silent.port}`,
    );
    expect(await bob.send('noop:0')).toBe('data:ok');
  });

  it('answers AT0023 when the other atServer does not answer a lookup, and keeps the connection', async () => {
    expect(await bob.send('plookup:phone@silent')).toBe(
      `error:AT0023-Timeout waiting for response : No response after 300 millis from remote secondary @silent at localhost:${silent.port}`,
    );
    expect(await bob.send('noop:0')).toBe('data:ok');
  });

  it('reuses one pooled connection per atSign for lookups that follow each other', async () => {
    expect(await bob.send('plookup:bypassCache:true:x@talkative')).toBe('data:hello');
    expect(await bob.send('plookup:bypassCache:true:x@talkative')).toBe('data:hello');
    expect(talkative.lines.filter((line) => line === 'lookup:all:publickey@talkative')).toHaveLength(1);
    expect(talkative.lines.filter((line) => line === 'lookup:all:x@talkative')).toHaveLength(2);
  });

  it('scans another atSign over pol for the keys it shared with the owner (§5.10)', async () => {
    await alice.send('update:@bob:phone.wavi@alice 1');
    await alice.send('update:@bob:email.buzz@alice 2');
    await alice.send('update:@carol:phone.wavi@alice 3');
    expect(await bob.send('scan:@alice')).toBe('data:["email.buzz@alice","phone.wavi@alice"]');
    expect(await bob.send('scan:@alice .wavi')).toBe('data:["phone.wavi@alice"]');
  });
});

describe('the outbound connection limit', () => {
  let stack: Stack;
  let silent: FakeAtServer;

  beforeAll(async () => {
    stack = await startStack({
      atSigns: ['@alice', '@bob', '@carol'],
      limits: { autoNotify: false, maxOutboundConnections: 1, outboundRequestTimeoutMs: 1_000 },
    });
    silent = await startFakeAtServer(stack.tls, noPublicKey);
    await stack.directoryBackend.register('silent', `localhost:${silent.port}`);
  });
  afterAll(async () => {
    await silent.close();
    await stack.stop();
  });

  it('closes the least recently used idle connection to make room for a new one', async () => {
    const alice = await stack.owner('@alice');
    await (await stack.owner('@bob')).send('update:public:name@bob Bob');
    await (await stack.owner('@carol')).send('update:public:name@carol Carol');
    expect(await alice.send('plookup:name@bob')).toBe('data:Bob');
    expect(await alice.send('plookup:name@carol')).toBe('data:Carol');
    expect(await alice.send('stats:2')).toBe('data: [{"id":"2","name":"activeOutboundConnections","value":"1"}]');
  });

  it('answers AT0006 while every pooled connection is busy, and keeps the connection', async () => {
    const waiting = await stack.owner('@alice');
    const alice = await stack.owner('@alice');
    const slow = waiting.send('plookup:phone@silent');
    await silent.received(/^lookup:all:phone@silent$/);
    expect(await alice.send('plookup:bypassCache:true:name@bob')).toBe(
      'error:AT0006-Outbound connection limit exceeded : max limit reached on outbound pool',
    );
    expect(await slow).toMatch(/^error:AT0023-/);
    expect(await alice.send('plookup:bypassCache:true:name@bob')).toBe('data:Bob');
  });
});
