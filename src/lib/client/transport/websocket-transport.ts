/**
 * A {@link Transport} over a WebSocket to the atstack gateway, which relays it to an atServer's or the
 * atDirectory's TLS port. The gateway sends each TLS chunk as one binary message, which may end inside a
 * UTF-8 sequence, so messages go through one streaming TextDecoder.
 */
import { AtError } from '$lib/at/errors';
import { TransportInbox, type Transport, type TransportReceiver } from './transport';

/** The part of the WebSocket API this transport uses: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/** `new WebSocket(url)`: the global one in browsers; Node tests pass the `ws` package's. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /** The upgrade must complete within this (default 10 s). */
  readonly timeoutMs?: number;
}

/** How a WebSocket ended when it ended otherwise than normally: the close code and reason the gateway sent. */
export class WebSocketClosedError extends Error {
  override name = 'WebSocketClosedError';
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(`WebSocket closed with ${code}${reason === '' ? '' : ` (${reason})`}`);
    this.code = code;
    this.reason = reason;
  }
}

/** Close codes that mean an orderly end: normal closure, and no status given. */
const orderlyCloses = new Set([1000, 1005]);

class WebSocketTransport implements Transport {
  readonly #socket: WebSocketLike;
  readonly #inbox = new TransportInbox();
  readonly #decoder = new TextDecoder();

  constructor(socket: WebSocketLike) {
    this.#socket = socket;
    socket.addEventListener('message', ({ data }) => {
      if (typeof data === 'string') this.#inbox.text(data);
      else if (data instanceof ArrayBuffer) this.#inbox.text(this.#decoder.decode(data, { stream: true }));
    });
    // An error is always followed by a close, which reports it; without a listener `ws` would throw.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', ({ code, reason }) => {
      this.#inbox.text(this.#decoder.decode());
      this.#inbox.closed(orderlyCloses.has(code) ? undefined : new WebSocketClosedError(code, reason));
    });
  }

  get isClosed(): boolean {
    return this.#inbox.isClosed;
  }

  listen(receiver: TransportReceiver): void {
    this.#inbox.listen(receiver);
  }

  send(text: string): void {
    if (!this.isClosed) this.#socket.send(text);
  }

  close(): void {
    this.#socket.close(1000);
  }
}

/**
 * The gateway address of an atSign's atServer (`/ws/@alice`, the name percent-encoded) or of the
 * atDirectory (`/ws/directory`). `gateway` is the gateway's origin; http(s) becomes ws(s).
 *
 * @example
 * gatewayUrl('https://gw.example.com', '@alice🛠'); // 'wss://gw.example.com/ws/@alice%F0%9F%9B%A0'
 * gatewayUrl('http://localhost:8064', 'directory'); // 'ws://localhost:8064/ws/directory'
 */
export function gatewayUrl(gateway: string | URL, target: string): string {
  const url = new URL(gateway);
  url.protocol = url.protocol.replace(/^http/, 'ws');
  const path = target.startsWith('@') ? `@${encodeURIComponent(target.slice(1))}` : target;
  return new URL(`/ws/${path}`, url).href;
}

/**
 * Opens a WebSocket to `url` and resolves once it is open.
 *
 * @throws AtError AT0021 when the socket cannot be opened (refused upgrade, network, timeout).
 * @example
 * const transport = await openWebSocketTransport(gatewayUrl(location.origin, '@alice'));
 */
export function openWebSocketTransport(url: string, options: WebSocketTransportOptions = {}): Promise<Transport> {
  const WebSocketClass = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
  if (!WebSocketClass) return Promise.reject(new Error('no WebSocket implementation: pass options.WebSocket'));
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(url);
    socket.binaryType = 'arraybuffer';
    const transport = new WebSocketTransport(socket);
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new AtError('AT0021', `Unable to connect to ${url}: ${why}`));
    };
    const timer = setTimeout(() => {
      fail('no answer in time');
      socket.close();
    }, options.timeoutMs ?? 10_000);
    socket.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(transport);
    });
    socket.addEventListener('close', ({ code, reason }) => fail(`closed with ${code} ${reason}`.trim()));
  });
}
