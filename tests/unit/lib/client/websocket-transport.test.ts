import { describe, expect, it } from 'vitest';
import { gatewayDialer } from '$lib/client/dialer';
import {
  gatewayUrl,
  openWebSocketTransport,
  WebSocketClosedError,
  type WebSocketLike,
} from '$lib/client/transport/websocket-transport';
import { settle } from './fake-transport';

type Listener = (event: never) => void;

/** A WebSocket whose server side the test drives. */
class FakeWebSocket implements WebSocketLike {
  static last: FakeWebSocket | undefined;
  binaryType = 'blob';
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1005, reason = ''): void {
    this.emit('close', { code, reason });
  }

  emit(type: string, event: object = {}): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event as never);
  }

  /** The gateway relays bytes as a binary message. */
  receive(bytes: Uint8Array): void {
    this.emit('message', { data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
}

const opened = async (url = 'ws://gw/ws/@alice') => {
  const opening = openWebSocketTransport(url, { WebSocket: FakeWebSocket });
  const socket = FakeWebSocket.last!;
  socket.emit('open');
  return { transport: await opening, socket };
};

describe('gatewayUrl', () => {
  it('names an atSign’s relay with the name percent-encoded and the scheme turned to ws(s)', () => {
    expect(gatewayUrl('https://gw.example.com', '@alice🛠')).toBe('wss://gw.example.com/ws/@alice%F0%9F%9B%A0');
    expect(gatewayUrl('http://localhost:8064/app/', '@bob')).toBe('ws://localhost:8064/ws/@bob');
    expect(gatewayUrl('ws://127.0.0.1:9/', 'directory')).toBe('ws://127.0.0.1:9/ws/directory');
  });
});

describe('the WebSocket transport', () => {
  it('asks for binary messages as ArrayBuffers and decodes UTF-8 split between messages', async () => {
    const { transport, socket } = await opened();
    expect(socket.binaryType).toBe('arraybuffer');
    const chunks: string[] = [];
    transport.listen({ text: (chunk) => chunks.push(chunk), closed: () => undefined });
    const bytes = new TextEncoder().encode('@data:🛠\n@');
    socket.receive(bytes.subarray(0, 8));
    socket.receive(bytes.subarray(8));
    expect(chunks.join('')).toBe('@data:🛠\n@');
  });

  it('keeps what arrives before listen and delivers it first', async () => {
    const { transport, socket } = await opened();
    socket.receive(new TextEncoder().encode('@'));
    const chunks: string[] = [];
    transport.listen({ text: (chunk) => chunks.push(chunk), closed: () => undefined });
    expect(chunks).toEqual(['@']);
  });

  it('reports an orderly close without a reason and a gateway close code as WebSocketClosedError', async () => {
    const first = await opened();
    const reasons: (Error | undefined)[] = [];
    first.transport.listen({ text: () => undefined, closed: (reason) => reasons.push(reason) });
    first.socket.emit('close', { code: 1000, reason: 'closed by the server' });
    const second = await opened();
    second.transport.listen({ text: () => undefined, closed: (reason) => reasons.push(reason) });
    second.socket.emit('close', { code: 4503, reason: 'atServer unreachable' });
    expect(reasons[0]).toBeUndefined();
    expect(reasons[1]).toBeInstanceOf(WebSocketClosedError);
    expect(reasons[1]).toMatchObject({ code: 4503, reason: 'atServer unreachable' });
    expect(second.transport.isClosed).toBe(true);
  });

  it('rejects with AT0021 when the socket closes before it opens', async () => {
    const opening = openWebSocketTransport('ws://gw/ws/@alice', { WebSocket: FakeWebSocket });
    FakeWebSocket.last!.emit('close', { code: 1006, reason: '' });
    await expect(opening).rejects.toMatchObject({ code: 'AT0021' });
  });

  it('sends text as it is and nothing once closed', async () => {
    const { transport, socket } = await opened();
    transport.listen({ text: () => undefined, closed: () => undefined });
    transport.send('from:@alice\n');
    transport.close();
    transport.send('late\n');
    expect(socket.sent).toEqual(['from:@alice\n']);
  });
});

describe('gatewayDialer', () => {
  it('turns the gateway’s 4404 before the greeting into AT0007 naming the atSign', async () => {
    const dialing = gatewayDialer({ url: 'http://gw', WebSocket: FakeWebSocket }).dial('@Nobody');
    const socket = FakeWebSocket.last!;
    expect(socket.url).toBe('ws://gw/ws/@nobody');
    socket.emit('open');
    await settle();
    socket.emit('close', { code: 4404, reason: 'atSign not found' });
    await expect(dialing).rejects.toThrow('@nobody is not registered in the atDirectory');
    await expect(dialing).rejects.toMatchObject({ code: 'AT0007' });
  });

  it('resolves with a connection once the relayed greeting arrives', async () => {
    const dialing = gatewayDialer({ url: 'http://gw', WebSocket: FakeWebSocket }).dial('@alice');
    const socket = FakeWebSocket.last!;
    socket.emit('open');
    await settle();
    socket.receive(new TextEncoder().encode('@'));
    expect((await dialing).isClosed).toBe(false);
  });
});
