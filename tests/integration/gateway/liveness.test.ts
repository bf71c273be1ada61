import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../support/manual-clock';
import { startRig, waitFor, type Rig } from './harness';

describe('gateway heartbeats and idle timeout', () => {
  let rig: Rig;
  const clock = new ManualClock();
  const idleMs = 60_000;
  beforeAll(async () => {
    rig = await startRig({ clock, limits: { idleMs, heartbeatMs: 10_000 } });
  });
  afterAll(() => rig.stop());

  it('keeps a quiet page that answers pings until idleMs passes without a byte, then closes with 4408', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    rig.gateway.sweep();
    await page.roundTrip();
    clock.advance(idleMs - 1);
    rig.gateway.sweep();
    await page.roundTrip();
    expect(page.ws.readyState).toBe(page.ws.OPEN);
    clock.advance(1);
    rig.gateway.sweep();
    expect(await page.closed).toEqual({ code: 4408, reason: 'idle timeout' });
  });

  it('counts relayed bytes in either direction as activity', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    rig.gateway.sweep();
    await page.roundTrip();
    clock.advance(idleMs - 1);
    page.send('still here\n');
    await page.readUntil(/still here\n/);
    rig.gateway.sweep();
    await page.roundTrip();
    clock.advance(idleMs - 1);
    rig.gateway.sweep();
    await page.roundTrip();
    expect(page.ws.readyState).toBe(page.ws.OPEN);
    page.close();
  });

  it('drops a page that does not answer a ping by the next heartbeat, without a close frame', async () => {
    const page = await rig.open('@alice', { autoPong: false });
    await page.readUntil(/@/);
    await waitFor(() => rig.target.sockets.size > 0);
    const [server] = [...rig.target.sockets].slice(-1);
    const serverClosed = new Promise((resolve) => server!.once('close', resolve));
    rig.gateway.sweep();
    await page.roundTrip();
    rig.gateway.sweep();
    expect((await page.closed).code).toBe(1006);
    await serverClosed;
    expect(rig.gateway.health().endings.heartbeatLost).toBe(1);
  });
});

describe('gateway message rate', () => {
  let rig: Rig;
  const clock = new ManualClock();
  beforeAll(async () => {
    rig = await startRig({ clock, limits: { messagesPerSecondPerIp: 10, messageBurstPerIp: 3 } });
  });
  afterAll(() => rig.stop());

  it('stops reading from an address past its burst until its bucket refills, losing nothing', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    for (const word of ['one', 'two', 'three', 'four']) {
      page.send(`${word}\n`);
      expect(await page.readUntil(/\n/)).toBe(`${word}\n`);
    }
    // The fourth message overdrew the bucket: the relay sleeps 100 ms (one token at 10/s) before reading on.
    await waitFor(() => clock.sleeping === 1);
    page.send('five\n');
    clock.advance(100);
    expect(await page.readUntil(/\n/)).toBe('five\n');
    page.close();
  });

  it('shares one bucket between the connections of an address', async () => {
    clock.advance(1_000);
    const first = await rig.open('@alice');
    const second = await rig.open('@alice');
    await first.readUntil(/@/);
    await second.readUntil(/@/);
    for (const page of [first, second, first, second]) {
      page.send('hop\n');
      await page.readUntil(/\n/);
    }
    await waitFor(() => clock.sleeping === 1);
    clock.advance(100);
    first.close();
    second.close();
  });
});

describe('gateway shutdown', () => {
  it('closes every relay with 1001 and both sides are gone once close resolves', async () => {
    const rig = await startRig();
    const pages = await Promise.all([rig.open('@alice'), rig.open('directory'), rig.open('@alice')]);
    await Promise.all(pages.map((page) => page.readUntil(/@/)));
    const closing = rig.gateway.close();
    for (const page of pages) expect(await page.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
    await closing;
    expect(rig.gateway.stats()).toMatchObject({ relays: 0, admitted: 0 });
    await waitFor(() => rig.target.sockets.size === 0);
    await rig.stop();
  });
});
