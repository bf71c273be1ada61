import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '$server/gateway/gateway';
import { ensureLocalCa } from '$server/tls/local-ca';
import { tempDir } from '../../support/temp-dir';
import { Browser, RefusedUpgrade, startRig, TargetServer, waitFor, type Rig } from './harness';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function refusal(opening: Promise<Browser>): Promise<RefusedUpgrade> {
  const error = await opening.then(
    () => new Error('the upgrade was accepted'),
    (reason: unknown) => reason,
  );
  if (!(error instanceof RefusedUpgrade)) throw error;
  return error;
}

describe('gateway refusals before the upgrade', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({
      limits: { maxConnections: 3, maxConnectionsPerIp: 2, handshakeTimeoutMs: 1_000 },
      gateway: { trustProxy: true },
    });
  });
  afterAll(() => rig.stop());

  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  it('answers 403 to a page from another origin, and counts it', async () => {
    const refused = await refusal(rig.open('@alice', { origin: 'https://evil.example' }));
    expect([refused.status, refused.body]).toEqual([403, 'origin not allowed']);
    expect(rig.gateway.health().endings.wrongOrigin).toBe(1);
  });

  it('answers 403 to an upgrade without an Origin header', async () => {
    const refused = await refusal(Browser.open(rig.wsUrl('@alice')));
    expect(refused.status).toBe(403);
  });

  it('answers 404 to a path that names a host and port instead of an atSign', async () => {
    for (const path of ['127.0.0.1:22', 'localhost', '']) {
      const refused = await refusal(rig.open(path));
      expect([refused.status, refused.body]).toEqual([404, 'not a gateway path: use /ws/directory or /ws/@atsign']);
    }
  });

  it('answers 429 past the per-address limit and admits the address again once one closes', async () => {
    const pages = [await rig.open('@alice', from('203.0.113.1')), await rig.open('@alice', from('203.0.113.1'))];
    const refused = await refusal(rig.open('@alice', from('203.0.113.1')));
    expect([refused.status, refused.body]).toEqual([429, 'too many connections from this address']);
    pages.pop()!.close();
    await waitFor(() => rig.gateway.stats().admitted === 1);
    pages.push(await rig.open('@alice', from('203.0.113.1')));
    for (const page of pages) page.close();
    await waitFor(() => rig.gateway.stats().admitted === 0);
  });

  it('counts an IPv6 client per /64', async () => {
    const pages = [
      await rig.open('@alice', from('2001:db8:1:2::1')),
      await rig.open('@alice', from('2001:db8:1:2:ffff::2')),
    ];
    expect((await refusal(rig.open('@alice', from('2001:db8:1:2::3')))).status).toBe(429);
    for (const page of pages) page.close();
    await waitFor(() => rig.gateway.stats().admitted === 0);
  });

  it('answers 503 once the gateway is full, whatever the address', async () => {
    const pages = [
      await rig.open('@alice', from('198.51.100.1')),
      await rig.open('@alice', from('198.51.100.1')),
      await rig.open('@alice', from('198.51.100.2')),
    ];
    const refused = await refusal(rig.open('@alice', from('198.51.100.3')));
    expect([refused.status, refused.body]).toEqual([503, 'gateway full']);
    for (const page of pages) page.close();
    await waitFor(() => rig.gateway.stats().admitted === 0);
  });

  it('drops a client that does not finish its request within handshakeTimeoutMs', async () => {
    const socket: Socket = connect(rig.gateway.port, '127.0.0.1');
    socket.write('GET /ws/@alice HTTP/1.1\r\nHost: localhost\r\n');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('gateway refusals after the upgrade', () => {
  let rig: Rig;
  let untrusted: TargetServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    rig = await startRig({ limits: { maxMessageBytes: 4_096 } });
    const other = await tempDir('atstack-other-ca-');
    untrusted = await TargetServer.start(await ensureLocalCa(other.path, ['localhost', '127.0.0.1']));
    cleanup = other.remove;
    await rig.backend.register('evil', 'evil.example.com:7000');
    await rig.backend.register('lowport', 'localhost:22');
    await rig.backend.register('gone', `localhost:${await closedPort()}`);
    await rig.backend.register('mallory', `localhost:${untrusted.port}`);
  });
  afterAll(async () => {
    await rig.stop();
    await untrusted.close();
    await cleanup();
  });

  it('closes with 4400 for a path whose atSign breaks the reference rules', async () => {
    for (const path of ['@b%20ob', '@a@b', '@%E0%A4%A', '@']) {
      const page = await rig.open(path);
      expect(await page.closed).toEqual({ code: 4400, reason: 'not an atSign' });
    }
  });

  it('closes with 4404 when the directory does not know the atSign', async () => {
    const page = await rig.open('@nobody');
    expect(await page.closed).toEqual({ code: 4404, reason: 'atSign not found' });
  });

  it('closes with 4403 when the directory names a host off the allow-list', async () => {
    const page = await rig.open('@evil');
    expect(await page.closed).toEqual({ code: 4403, reason: 'atServer not on the allow-list' });
    expect(rig.gateway.health().endings.targetNotAllowed).toBe(1);
  });

  it('closes with 4403 when the directory names a port outside the allowed ranges', async () => {
    const page = await rig.open('@lowport');
    expect(await page.closed).toEqual({ code: 4403, reason: 'atServer not on the allow-list' });
  });

  it('closes with 4503 when the atServer does not accept connections', async () => {
    const page = await rig.open('@gone');
    expect(await page.closed).toEqual({ code: 4503, reason: 'atServer unreachable' });
  });

  it("closes with 4503 when the atServer's certificate does not verify, before any byte is relayed", async () => {
    const page = await rig.open('@mallory');
    expect(await page.closed).toEqual({ code: 4503, reason: 'atServer unreachable' });
    expect(page.pendingBytes).toBe(0);
  });

  it('closes with 1009 for a message over maxMessageBytes and ends the TLS connection', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    await waitFor(() => rig.target.sockets.size === 1);
    const [server] = [...rig.target.sockets];
    const serverClosed = new Promise((resolve) => server!.once('close', resolve));
    page.send(`${'x'.repeat(4_096)}`);
    page.send(`${'x'.repeat(4_097)}`);
    expect((await page.closed).code).toBe(1009);
    await serverClosed;
    expect(rig.target.bytesReceived).toBe(4_096);
    expect(rig.gateway.health().endings.messageTooBig).toBe(1);
  });
});

describe('gateway refusal of private addresses', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ policy: { atServerHosts: ['localhost', '10.1.2.3'], allowedAddressClasses: [] } });
    await rig.backend.register('intranet', '10.1.2.3:7000');
  });
  afterAll(() => rig.stop());

  it('closes with 4403 when the allowed host name resolves to a loopback address', async () => {
    const page = await rig.open('@alice');
    expect(await page.closed).toEqual({ code: 4403, reason: 'atServer address not allowed' });
    expect(rig.target.sockets.size).toBe(0);
  });

  it('closes with 4403 for a private IP literal even when it is on the host list', async () => {
    const page = await rig.open('@intranet');
    expect(await page.closed).toEqual({ code: 4403, reason: 'atServer address not allowed' });
    expect(rig.gateway.health().endings.addressNotAllowed).toBe(2);
  });

  it('still relays /ws/directory, the one destination the operator configured', async () => {
    const page = await rig.open('directory');
    expect(await page.readUntil(/@/)).toBe('@');
    page.close();
  });
});

describe('gateway with unreachable services', () => {
  let rig: Rig;
  let silent: Server;
  beforeAll(async () => {
    rig = await startRig({ limits: { targetTimeoutMs: 500 } });
    // Accepts TCP and never answers the TLS handshake (but reads, so it sees the gateway hang up).
    silent = createServer((socket) => socket.on('error', () => {}).resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    await rig.backend.register('silent', `localhost:${(silent.address() as { port: number }).port}`);
  });
  afterAll(async () => {
    await rig.stop();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('closes with 4504 when the atServer does not finish its TLS handshake within targetTimeoutMs', async () => {
    const page = await rig.open('@silent');
    expect(await page.closed).toEqual({ code: 4504, reason: 'atServer did not answer in time' });
  });

  it('closes with 4502 when the atDirectory cannot be reached', async () => {
    const gateway = await startGateway({
      port: 0,
      directory: { host: '127.0.0.1', port: await closedPort(), ca: rig.tls.caPem },
    });
    const page = await Browser.open(`ws://127.0.0.1:${gateway.port}/ws/@alice`, {
      origin: `http://localhost:${gateway.port}`,
    });
    expect(await page.closed).toEqual({ code: 4502, reason: 'atDirectory unavailable' });
    await gateway.close();
  });
});
