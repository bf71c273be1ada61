import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startRig, waitFor, type Rig } from './harness';

describe('gateway relay', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.stop());

  it('relays the atDirectory byte for byte at /ws/directory', async () => {
    const page = await rig.open('directory');
    expect(await page.readUntil(/@/)).toBe('@');
    page.send('alice\n');
    expect(await page.readUntil(/\r\n@/)).toBe(`localhost:${rig.target.port}\r\n@`);
    page.send('nobody\n');
    expect(await page.readUntil(/\r\n@/)).toBe('null\r\n@');
    page.close();
    expect((await page.closed).code).toBe(1005);
  });

  it("relays an atSign's atServer at /ws/@alice, greeting first", async () => {
    const page = await rig.open('@alice');
    expect(await page.readUntil(/@/)).toBe('@');
    page.send('from:@alice\n');
    expect(await page.readUntil(/\n/)).toBe('from:@alice\n');
    page.close();
  });

  it('resolves the atSign as the reference does: any case, dots removed, percent-encoded emoji', async () => {
    await rig.backend.register('bob🛠', `localhost:${rig.target.port}`);
    for (const path of ['@ALICE', '@a.lice', '@bob%F0%9F%9B%A0']) {
      const page = await rig.open(path);
      expect(await page.readUntil(/@/)).toBe('@');
      page.close();
    }
  });

  it('delivers every chunk from the server as a binary message, and text or binary messages as bytes', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    page.send(Buffer.from('binary line ✓\n'));
    expect(await page.readUntil(/\n/)).toBe('binary line ✓\n');
    page.send('text line ✓\n');
    expect(await page.readUntil(/\n/)).toBe('text line ✓\n');
    expect(page.binaryOnly).toBe(true);
    page.close();
  });

  it('holds bytes sent before the atServer connection is up and delivers them in order', async () => {
    const page = await rig.open('@alice');
    page.send('first\n');
    page.send('second\n');
    expect(await page.readUntil(/second\n/)).toBe('@first\nsecond\n');
    page.close();
  });

  it('relays a message of several megabytes intact in both directions', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    const line = 'y'.repeat(3_000_000);
    page.send(`${line}\n`);
    expect((await page.readBytes(3_000_001)).toString()).toBe(`${line}\n`);
    page.close();
  });

  it('closes the WebSocket with 1000 after the server ends the connection, once its last bytes arrived', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    page.send('last words\nbye\n');
    expect(await page.readUntil(/\n/)).toBe('last words\n');
    expect(await page.closed).toEqual({ code: 1000, reason: 'closed by the server' });
  });

  it('ends the TLS connection when the page closes, after the bytes the page sent', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    await waitFor(() => rig.target.sockets.size > 0);
    const before = rig.target.bytesReceived;
    const [server] = [...rig.target.sockets].slice(-1);
    const serverClosed = new Promise((resolve) => server!.once('close', resolve));
    page.send('goodbye\n');
    page.close(1000);
    await serverClosed;
    expect(rig.target.bytesReceived - before).toBe('goodbye\n'.length);
  });

  it('ends the TLS connection when the page vanishes without a close frame', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    const [server] = [...rig.target.sockets].slice(-1);
    const serverClosed = new Promise((resolve) => server!.once('close', resolve));
    page.ws.terminate();
    await serverClosed;
    await waitFor(() => rig.gateway.stats().relays === 0);
    expect(rig.gateway.health().endings.clientClosed).toBeGreaterThan(0);
  });

  it('counts connections and bytes in the health report', async () => {
    const before = rig.gateway.health();
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    page.send('count me\n');
    await page.readUntil(/count me\n/);
    const during = rig.gateway.health();
    expect(during.connections.open).toBeGreaterThanOrEqual(1);
    expect(during.connections.relayed).toBe(before.connections.relayed + 1);
    expect(during.bytes.fromBrowsers - before.bytes.fromBrowsers).toBe('count me\n'.length);
    expect(during.bytes.toBrowsers - before.bytes.toBrowsers).toBe('@count me\n'.length);
    page.close();
  });
});

describe('gateway back-pressure', () => {
  let rig: Rig;
  const maxBufferedBytes = 65_536;
  /** What a relay may hold past the limit: one read from a socket (TLS records are at most 16 KiB). */
  const slack = 128 * 1024;
  beforeAll(async () => {
    rig = await startRig({ limits: { maxBufferedBytes } });
  });
  afterAll(() => rig.stop());

  /** Makes the gateway handle traffic on another relay: time in which an unbounded relay would keep reading. */
  const busyElsewhere = async () => {
    const other = await rig.open('@alice');
    await other.readUntil(/@/);
    for (let i = 0; i < 20; i++) {
      other.send(`ping ${i}\n`);
      await other.readUntil(/\n/);
    }
    other.close();
  };

  it('stops reading from the atServer while the page reads slowly, then delivers everything', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    const size = 32 * 1024 * 1024;
    page.ws.pause();
    page.send(`big:${size}\n`);
    await waitFor(() => rig.gateway.stats().bufferedBytes >= maxBufferedBytes);
    await busyElsewhere();
    expect(rig.gateway.stats().bufferedBytes).toBeLessThan(maxBufferedBytes + slack);
    page.ws.resume();
    expect((await page.readBytes(size)).every((byte) => byte === 0x78)).toBe(true);
    page.close();
  });

  it('stops reading from the page while the atServer reads slowly, then delivers everything', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    await waitFor(() => rig.target.sockets.size === 1);
    rig.target.pauseReading(true);
    const chunk = 'z'.repeat(1024 * 1024 - 1) + '\n';
    for (let i = 0; i < 32; i++) page.send(chunk);
    await waitFor(() => rig.gateway.stats().bufferedBytes >= maxBufferedBytes);
    await busyElsewhere();
    // One whole message may be held (the limit is checked between messages), never the whole stream.
    expect(rig.gateway.stats().bufferedBytes).toBeLessThan(maxBufferedBytes + chunk.length + slack);
    expect(page.ws.bufferedAmount).toBeGreaterThan(0);
    rig.target.pauseReading(false);
    expect((await page.readBytes(32 * chunk.length)).length).toBe(32 * chunk.length);
    page.close();
  });
});

describe('gateway with several pages', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.stop());

  it('keeps concurrent relays apart', async () => {
    const pages = await Promise.all(Array.from({ length: 20 }, () => rig.open('@alice')));
    await Promise.all(pages.map((page) => page.readUntil(/@/)));
    pages.forEach((page, i) => page.send(`page ${i}\n`));
    const answers = await Promise.all(pages.map((page) => page.readUntil(/\n/)));
    expect(answers).toEqual(pages.map((_, i) => `page ${i}\n`));
    for (const page of pages) page.close();
  });

  it('accepts a page opened with the Browser helper directly', async () => {
    const page = await Browser.open(rig.wsUrl('directory'), { origin: rig.origin });
    expect(await page.readUntil(/@/)).toBe('@');
    page.close();
  });
});
