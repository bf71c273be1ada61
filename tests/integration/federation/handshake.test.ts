import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestConnection, type Stack } from '../atserver/harness';
import { RawClient } from '../../support/raw-client';
import { issueCertificate, readProof, signAs, untrustedCertificate } from './peers';

/** Two atSigns on one host: each atServer reaches the other through the atDirectory and mutual TLS (§6.1). */
describe('the from/pol handshake between two atServers', () => {
  let stack: Stack;
  let alice: TestConnection;
  let bob: TestConnection;

  /** A connection to `atSign`'s atServer presenting `material` as its client certificate, after the `@`. */
  async function peerConnection(atSign: string, material: { certPem: string; keyPem: string }) {
    const raw = await RawClient.connect(stack.port(atSign), {
      ca: stack.tls.caPem,
      cert: material.certPem,
      key: material.keyPem,
    });
    await raw.readUntil(/^@/);
    return new TestConnection(raw);
  }

  /** Plays @bob's atServer towards @alice's: `from:@bob`, then the proof stored where @bob's atServer serves it. */
  async function proveAsBob(signer = '@bob'): Promise<TestConnection> {
    const connection = await peerConnection('@alice', stack.tls);
    const { sessionKey, challenge } = readProof(await connection.send('from:@bob'));
    const signature = await signAs(stack, signer, challenge);
    expect(await bob.send(`update:public:${sessionKey} ${signature}`)).toBe('data:-1');
    return connection;
  }

  beforeAll(async () => {
    stack = await startStack({ atSigns: ['@alice', '@bob'], limits: { autoNotify: false } });
    alice = await stack.owner('@alice');
    bob = await stack.owner('@bob');
    await alice.send('update:@bob:phone@alice +1 555 0100');
  });
  afterAll(() => stack.stop());

  it('lets the owner of @bob read what @alice shared with @bob, through @alice’s atServer', async () => {
    expect(await bob.sendExact('lookup:phone@alice')).toBe('data:+1 555 0100\n@bob@');
  });

  it('answers from:@bob from an atServer with a proof challenge for @bob (§12.3)', async () => {
    const connection = await peerConnection('@alice', stack.tls);
    expect(await connection.sendExact('from:@bob')).toMatch(/^data:proof:_[0-9a-f-]{36}@bob:[0-9a-f-]{36}\n@$/);
  });

  it('answers pol with the bare prompt @bob@ once @bob’s atServer serves the signed challenge', async () => {
    const connection = await proveAsBob();
    connection.raw.write('pol\n');
    expect(await connection.raw.readUntil(/@bob@/)).toBe('@bob@');
    expect(connection.raw.drain()).toBe('');
  });

  it('serves the pol-authenticated peer what was shared with it, with the @bob@ prompt', async () => {
    const connection = await proveAsBob();
    connection.raw.write('pol\n');
    await connection.raw.readUntil(/@bob@/);
    expect(await connection.sendExact('lookup:phone@alice')).toBe('data:+1 555 0100\n@bob@');
    expect(await connection.sendExact('scan')).toBe('data:["phone@alice"]\n@bob@');
  });

  it('counts each pol for stats:5 (topAtSigns)', async () => {
    const before = await alice.send('stats:5');
    const connection = await proveAsBob();
    connection.raw.write('pol\n');
    await connection.raw.readUntil(/@bob@/);
    await stack.host.server('@alice')!.context.store.writes.submit(() => undefined);
    const count = (text: string) => Number(/\\"@bob\\":(\d+)/.exec(text)?.[1] ?? 0);
    expect(count(await alice.send('stats:5'))).toBe(count(before) + 1);
  });

  it('refuses a proof signed with another key with AT0401 Pol Authentication Failed, keeping the connection', async () => {
    const connection = await proveAsBob('@alice');
    expect(await connection.sendExact('pol')).toBe('error:AT0401-Exception: Pol Authentication Failed\n@');
    expect(await connection.send('lookup:phone@alice')).toBe(
      'error:AT0015-Exception: public:phone@alice does not exist in keystore',
    );
  });

  it('passes on @bob’s AT0015 when @bob’s atServer holds no proof', async () => {
    const connection = await peerConnection('@alice', stack.tls);
    const { sessionKey } = readProof(await connection.send('from:@bob'));
    expect(await connection.send('pol')).toBe(
      `error:AT0015-Exception: Exception: public:${sessionKey.toLowerCase()} does not exist in keystore`,
    );
  });

  it('closes the connection on pol without a prior from:@bob, with AT0011', async () => {
    const connection = await peerConnection('@alice', stack.tls);
    expect(await connection.sendExact('pol')).toBe(
      "error:AT0011-Exception: Exception: You must execute a 'from:' command before you may run the pol command\n@",
    );
    await connection.raw.closed;
  });

  it('closes the connection on pol after the owner’s own from, with AT0011', async () => {
    const connection = await stack.connect('@alice');
    await connection.send('from:@alice');
    expect(await connection.send('pol')).toMatch(/^error:AT0011-Exception: Exception: You must execute/);
    await connection.raw.closed;
  });

  it('refuses from:@bob with a certificate for another host, with AT0401 Certificate Verification Failed', async () => {
    const impostor = await issueCertificate(stack, ['impostor.example']);
    const connection = await peerConnection('@alice', impostor);
    expect(await connection.sendExact('from:@bob')).toBe('error:AT0401-Exception: Certificate Verification Failed\n@');
    expect(await connection.send('pol')).toMatch(/^error:AT0011-/);
    await impostor.remove();
  });

  it('refuses from:@bob with a certificate from a CA it does not trust, even one naming the host', async () => {
    const stranger = await untrustedCertificate(['localhost', '127.0.0.1']);
    const connection = await peerConnection('@alice', stranger);
    expect(await connection.send('from:@bob')).toBe('error:AT0401-Exception: Certificate Verification Failed');
    await stranger.remove();
  });

  it('refuses from: for an atSign the atDirectory does not know with AT0007, before looking at the certificate', async () => {
    const connection = await stack.connect('@alice');
    expect(await connection.send('from:@nobody')).toBe(
      'error:AT0007-Exception: Unable to find secondary address for atSign:nobody',
    );
  });

  it('answers the owner AT0008 when the other atServer refuses the handshake, and keeps the connection', async () => {
    const carol = await stack.owner((await stack.create('@carol')).atSign);
    await carol.send('update:@bob:phone@carol 7');
    expect(await carol.send('config:block:add:@bob')).toBe('data:success');
    expect(await bob.send('lookup:phone@carol')).toBe(
      'error:AT0008-Handshake failure : Exception: Exception: Unable to connect',
    );
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1 555 0100');
  });

  it('stores the signed challenge as public:_<session>@bob for 60 s, where the other atServer reads it', async () => {
    const dave = await stack.owner((await stack.create('@dave')).atSign);
    await dave.send('update:@bob:phone@dave 8');
    const bobStore = stack.host.server('@bob')!.context.store;
    const proofs = () =>
      bobStore.keys.activeKeys(stack.clock.now()).filter((key) => /^public:_[0-9a-f-]{36}@bob$/.test(key));
    const before = new Set(proofs());
    expect(await bob.send('lookup:phone@dave')).toBe('data:8');
    const added = proofs().filter((key) => !before.has(key));
    expect(added).toHaveLength(1);
    expect(bobStore.keys.get(added[0]!)!.metadata).toMatchObject({
      ttl: 60_000,
      expiresAt: stack.clock.now() + 60_000,
    });
  });

  it('reports pooled outbound connections in stats:2 and closes them once idle for 10 minutes', async () => {
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1 555 0100');
    expect(await bob.send('stats:2')).toMatch(/"name":"activeOutboundConnections","value":"[1-9]\d*"/);
    stack.clock.advance(600_001);
    expect(stack.host.server('@bob')!.reapIdleOutbound()).toBeGreaterThan(0);
    expect(await bob.send('stats:2')).toBe('data: [{"id":"2","name":"activeOutboundConnections","value":"0"}]');
    expect(await bob.send('lookup:phone@alice')).toBe('data:+1 555 0100');
  });
});
