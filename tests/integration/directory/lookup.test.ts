import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDirectoryBackend } from '$server/directory/memory-backend';
import { startDirectory, type DirectoryServer } from '$server/directory/server';
import { ensureLocalCa, type TlsMaterial } from '$server/tls/local-ca';
import { ManualClock } from '../../support/manual-clock';
import { RawClient } from '../../support/raw-client';
import { tempDir } from '../../support/temp-dir';

const answer = /\r\n@/;

describe('atDirectory lookups', () => {
  let tls: TlsMaterial;
  let directory: DirectoryServer;
  let cleanup: () => Promise<void>;
  const clock = new ManualClock();
  const backend = new MemoryDirectoryBackend();

  beforeAll(async () => {
    const dir = await tempDir();
    tls = await ensureLocalCa(dir.path, ['localhost', '127.0.0.1']);
    await backend.register('alice', 'localhost:6464');
    await backend.register('alice🛠', 'vip.example.com:25000');
    directory = await startDirectory({ port: 0, tls, backend, clock, limits: { maxConnectionsPerIp: 20 } });
    cleanup = dir.remove;
  });
  afterAll(async () => {
    await directory.close();
    await cleanup();
  });

  const connect = async () => {
    const client = await RawClient.connect(directory.port, { ca: tls.caPem });
    expect(await client.readUntil(/@/)).toBe('@');
    return client;
  };

  it('answers a registered atSign with host:port, CRLF and the prompt', async () => {
    const client = await connect();
    client.write('alice\n');
    expect(await client.readUntil(answer)).toBe('localhost:6464\r\n@');
    client.close();
  });

  it('lowercases the request and serves emoji atSigns', async () => {
    const client = await connect();
    client.write('ALICE\n');
    expect(await client.readUntil(answer)).toBe('localhost:6464\r\n@');
    client.write('alice🛠\r\n');
    expect(await client.readUntil(answer)).toBe('vip.example.com:25000\r\n@');
    client.close();
  });

  it('looks up the text verbatim, so an atSign sent with its @ is not found', async () => {
    const client = await connect();
    client.write('@alice\n');
    expect(await client.readUntil(answer)).toBe('null\r\n@');
    client.close();
  });

  it('closes on @exit, even before its newline', async () => {
    const client = await connect();
    client.write('@exit');
    await client.closed;
    expect(client.drain()).toBe('');
  });

  it('delays the second miss and closes on the third without answering', async () => {
    const client = await connect();
    client.write('nobody\n');
    expect(await client.readUntil(answer)).toBe('null\r\n@');
    client.write('nobody2\n');
    await waitFor(() => clock.sleeping === 1);
    expect(client.drain()).toBe('');
    clock.advance(3_000);
    expect(await client.readUntil(answer)).toBe('null\r\n@');
    client.write('nobody3\n');
    await client.closed;
    expect(client.drain()).toBe('');
  });

  it('does not count empty lines as misses', async () => {
    const client = await connect();
    for (let i = 0; i < 4; i++) {
      client.write('\n');
      expect(await client.readUntil(answer)).toBe('null\r\n@');
    }
    client.write('alice\n');
    expect(await client.readUntil(answer)).toBe('localhost:6464\r\n@');
    client.close();
  });

  it('destroys a connection whose request passes 255 bytes without a newline', async () => {
    const client = await connect();
    client.write('a'.repeat(256));
    await client.closed;
    expect(client.drain()).toBe('');
  });

  it('answers several lookups on one connection', async () => {
    const client = await connect();
    for (let i = 0; i < 5; i++) {
      client.write('alice\n');
      expect(await client.readUntil(answer)).toBe('localhost:6464\r\n@');
    }
    client.close();
  });

  it('refuses connections past the per-address limit and keeps serving others', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect()));
    await expect(RawClient.connect(directory.port, { ca: tls.caPem })).rejects.toThrow();
    clients.pop()?.close();
    await waitFor(() => directory.activeConnections < 20);
    const again = await connect();
    again.write('alice\n');
    expect(await again.readUntil(answer)).toBe('localhost:6464\r\n@');
    for (const client of [...clients, again]) client.close();
  });

  it('closes a plain-text HTTP request on the TLS port without answering', async () => {
    const net = await import('node:net');
    const socket = net.connect(directory.port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(received).not.toContain('null');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
