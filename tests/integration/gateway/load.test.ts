import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, waitFor, type Browser, type Rig } from './harness';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Open TCP sockets of this process (pages, gateway, target and directory all live here). */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
}

async function openMany(rig: Rig, count: number, path = '@alice'): Promise<Browser[]> {
  const pages: Browser[] = [];
  // A hundred handshakes at a time keep the listen backlog short; all of them stay open together.
  for (let i = 0; i < count; i += 100) {
    pages.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => rig.open(path)))));
  }
  return pages;
}

describe('gateway under load', () => {
  let rig: Rig;
  let baselineSockets: number;
  beforeAll(async () => {
    rig = await startRig({
      limits: { maxConnectionsPerIp: 5_000, messagesPerSecondPerIp: 1e9, messageBurstPerIp: 1e9 },
    });
    baselineSockets = openSockets();
  });
  afterAll(() => rig.stop());

  /** Every relay, place, bucket and socket is gone on both sides. */
  const settled = async () => {
    await waitFor(() => rig.gateway.stats().relays === 0 && rig.gateway.stats().admitted === 0);
    await waitFor(() => rig.target.sockets.size === 0 && rig.directory.activeConnections === 0);
    await waitFor(() => openSockets() === baselineSockets);
    rig.gateway.sweep();
    expect(rig.gateway.stats()).toEqual({ relays: 0, admitted: 0, addresses: 0, rateBuckets: 0, bufferedBytes: 0 });
  };

  it('relays 1,000 concurrent connections and leaves no socket behind when they close', async () => {
    const pages = await openMany(rig, 1_000);
    await Promise.all(pages.map((page) => page.readUntil(/@/)));
    expect(rig.gateway.stats().relays).toBe(1_000);
    expect(rig.target.sockets.size).toBe(1_000);
    pages.forEach((page, i) => page.send(`hello from ${i}\n`));
    const answers = await Promise.all(pages.map((page) => page.readUntil(/\n/)));
    expect(answers.every((answer, i) => answer === `hello from ${i}\n`)).toBe(true);
    // Half close properly, half vanish.
    pages.forEach((page, i) => (i % 2 === 0 ? page.close() : page.ws.terminate()));
    await settled();
    expect(rig.gateway.health().connections.open).toBe(0);
  }, 180_000);

  it('survives pages vanishing at every stage: before the relay is up, mid-transfer, and servers dropping', async () => {
    // Before the TLS connection to the atServer exists.
    const early = await openMany(rig, 300);
    for (const page of early) page.ws.terminate();
    // In the middle of a transfer the page never reads.
    const streaming = await openMany(rig, 300);
    await Promise.all(streaming.map((page) => page.readUntil(/@/)));
    for (const page of streaming) page.send('big:262144\n');
    await waitFor(() => rig.gateway.health().bytes.toBrowsers > 300 * 262_144 * 0.1);
    for (const page of streaming) page.ws.terminate();
    // The atServer side drops every connection without a word.
    const dropped = await openMany(rig, 300);
    await Promise.all(dropped.map((page) => page.readUntil(/@/)));
    for (const socket of rig.target.sockets) socket.destroy();
    for (const page of dropped) expect((await page.closed).code).toBe(1000);
    await settled();
  }, 180_000);

  it('does not grow its heap over rounds of 1,000 connections', async () => {
    const round = async () => {
      const pages = await openMany(rig, 1_000);
      await Promise.all(pages.map((page) => page.readUntil(/@/)));
      pages.forEach((page, i) => (i % 2 === 0 ? page.close() : page.ws.terminate()));
      await settled();
    };
    const heap = () => {
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    await round();
    const before = heap();
    for (let i = 0; i < 3; i++) await round();
    // A relay that leaked would keep its WebSocket, two sockets and their buffers: tens of KB each.
    expect(heap() - before).toBeLessThan(16 * 1024 * 1024);
  }, 300_000);
});
