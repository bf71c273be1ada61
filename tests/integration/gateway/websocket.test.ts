import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, waitFor, type Rig } from './harness';

/** A raw TCP client that speaks the opening handshake itself, to send frames no well-behaved client would. */
class RawWebSocket {
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async open(rig: Rig, path: string, headers: Record<string, string> = {}): Promise<RawWebSocket> {
    const socket = connect(rig.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const raw = new RawWebSocket(socket);
    const fields = {
      Host: 'localhost',
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      Origin: rig.origin,
      ...headers,
    };
    const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`GET /ws/${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
    return raw;
  }

  /** Everything up to the end of the HTTP response head, consumed. */
  async responseHead(): Promise<string> {
    await waitFor(() => this.received.includes('\r\n\r\n'));
    const end = this.received.indexOf('\r\n\r\n') + 4;
    const head = this.received.subarray(0, end).toString();
    this.received = this.received.subarray(end);
    return head;
  }

  /** Sends a frame with `first` as its first byte and `payload`, masked unless `masked` is false. */
  frame(first: number, payload: Buffer, masked = true): void {
    const mask = Buffer.from([1, 2, 3, 4]);
    const head = Buffer.from([first, (masked ? 0x80 : 0) | payload.length]);
    const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!)) : payload;
    this.socket.write(Buffer.concat([head, ...(masked ? [mask] : []), body]));
  }
}

/** The close frames in `bytes` (server frames are unmasked), as `code reason`. */
function closeFrames(bytes: Buffer): string[] {
  const found: string[] = [];
  for (let offset = 0; offset + 2 <= bytes.length;) {
    const opcode = bytes[offset]! & 0x0f;
    const length = bytes[offset + 1]! & 0x7f;
    const payload = bytes.subarray(offset + 2, offset + 2 + length);
    if (opcode === 0x8) found.push(`${payload.readUInt16BE(0)} ${payload.subarray(2).toString()}`);
    offset += 2 + length;
  }
  return found;
}

describe('gateway WebSocket protocol', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.stop());

  it('answers a ping with a pong that carries the same payload', async () => {
    const page = await rig.open('@alice');
    const pong = new Promise<string>((resolve) => page.ws.once('pong', (data: Buffer) => resolve(data.toString())));
    page.ws.ping('are you there');
    expect(await pong).toBe('are you there');
    page.close();
  });

  it('relays a fragmented message as one stream of bytes', async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    page.ws.send('frag', { fin: false });
    page.ws.send('mented\n', { fin: true });
    expect(await page.readUntil(/\n/)).toBe('fragmented\n');
    page.close();
  });

  it("echoes the page's close code, then ends the TLS connection", async () => {
    const page = await rig.open('@alice');
    await page.readUntil(/@/);
    await waitFor(() => rig.target.sockets.size > 0);
    const [server] = [...rig.target.sockets].slice(-1);
    const serverClosed = new Promise((resolve) => server!.once('close', resolve));
    page.ws.close(4000, 'done');
    expect((await page.closed).code).toBe(4000);
    await serverClosed;
  });

  it('fails the connection with 1002 for an unmasked frame, and ends the TLS connection', async () => {
    const raw = await RawWebSocket.open(rig, '@alice');
    expect(await raw.responseHead()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    await waitFor(() => raw.received.length > 0);
    raw.frame(0x82, Buffer.from('noop:0\n'), false);
    await raw.closed;
    expect(closeFrames(raw.received)).toEqual(['1002 WebSocket protocol error']);
    await waitFor(() => rig.gateway.stats().relays === 0);
    expect(rig.gateway.health().endings.protocolError).toBe(1);
  });

  it('fails the connection with 1002 for a close frame with a reserved code', async () => {
    const raw = await RawWebSocket.open(rig, '@alice');
    await raw.responseHead();
    raw.frame(0x88, Buffer.from([0x03, 0xee]));
    await raw.closed;
    expect(closeFrames(raw.received)).toEqual(['1002 WebSocket protocol error']);
  });

  it('answers a close frame without a code with an empty close frame', async () => {
    const raw = await RawWebSocket.open(rig, '@alice');
    await raw.responseHead();
    raw.frame(0x88, Buffer.alloc(0));
    await raw.closed;
    expect(raw.received.subarray(-2).toString('hex')).toBe('8800');
  });

  it('refuses another WebSocket version with 426, naming version 13', async () => {
    const raw = await RawWebSocket.open(rig, '@alice', { 'Sec-WebSocket-Version': '8' });
    const head = await raw.responseHead();
    expect(head).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    expect(head).toContain('Sec-WebSocket-Version: 13\r\n');
    await raw.closed;
  });

  it('refuses a malformed key with 400', async () => {
    const raw = await RawWebSocket.open(rig, '@alice', { 'Sec-WebSocket-Key': 'short' });
    expect(await raw.responseHead()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    await raw.closed;
  });

  it('reads frames that arrive together with the upgrade request', async () => {
    const socket = connect(rig.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const mask = Buffer.from([9, 8, 7, 6]);
    const payload = Buffer.from('together\n');
    const frame = Buffer.concat([
      Buffer.from([0x82, 0x80 | payload.length]),
      mask,
      Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!)),
    ]);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET /ws/@alice HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${rig.origin}\r\n\r\n`,
        ),
        frame,
      ]),
    );
    await waitFor(() => received.includes('together\n'));
    socket.destroy();
  });

  it('fails the connection when the bytes that came with the upgrade break the protocol, and forgets it', async () => {
    const socket = connect(rig.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      Buffer.concat([
        Buffer.from(
          'GET /ws/@alice HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${rig.origin}\r\n\r\n`,
        ),
        Buffer.from([0x82, 0x01, 0x78]),
      ]),
    );
    await closed;
    const frames = received.subarray(received.indexOf('\r\n\r\n') + 4);
    expect(closeFrames(frames)).toEqual(['1002 WebSocket protocol error']);
    await waitFor(() => rig.gateway.stats().relays === 0 && rig.gateway.stats().admitted === 0);
  });
});
