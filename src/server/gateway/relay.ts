/**
 * One browser's WebSocket relayed to one TLS connection, as an explicit state machine:
 *
 * ```
 * resolving ──▶ connecting ──▶ relaying ──▶ closing ──▶ closed
 *     └─────────────┴──────────────┴──────────▲
 * ```
 *
 * The target arrives with the upgrade request (the WebSocket path, see `target.ts`), so a relay starts in
 * `resolving`: the directory is asked and the answer vetted; `connecting` opens the verified TLS connection;
 * `relaying` moves bytes, unparsed, both ways; `closing` closes both sockets with one entry of the endings
 * table and waits (at most `closeTimeoutMs`) until both are gone: then `closed`. Every way out goes through
 * {@link Relay.end}, once.
 *
 * Memory is bounded both ways: the browser's socket is not read while the relay is not yet relaying, while the
 * TLS socket holds `maxBufferedBytes` unwritten, or while the address is over its message rate; the TLS socket
 * is not read while the browser's socket holds `maxBufferedBytes` unwritten.
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import WebSocket from 'ws';
import type { Clock } from '../clock';
import type { GatewayLimits } from '../config';
import { endings, GatewayRefusal, type EndingName } from './endings';
import type { MessageBucket } from './rate-limiter';
import type { TargetConnector, TlsTarget } from './target-connector';
import type { Target } from './target';

export type RelayState = 'resolving' | 'connecting' | 'relaying' | 'closing' | 'closed';

/** Where a target's TLS connection goes and which connector (trust store) opens it. */
export interface Destination {
  readonly connector: TargetConnector;
  readonly target: TlsTarget;
}

/** What a relay needs from its gateway. */
export interface RelayContext {
  /** Resolves and vets `target`; throws {@link GatewayRefusal} to end the relay with a named entry. */
  resolve(target: Target): Promise<Destination>;
  readonly limits: GatewayLimits;
  readonly clock: Clock;
  /** Called once, when the TLS connection is up and bytes start to flow. */
  relaying(relay: Relay): void;
  /** Called once, when the relay starts closing: count and log the ending. */
  ended(relay: Relay, name: EndingName, detail: string | undefined): void;
  /** Called once, when both sockets are gone. */
  closed(relay: Relay): void;
}

const wsErrorEndings: Record<string, EndingName> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'messageTooBig',
};

export class Relay {
  readonly id: number;
  /** The client address the per-address limits count under. */
  readonly clientKey: string;
  readonly target: Target;
  readonly openedAt: number;
  bytesFromBrowser = 0;
  bytesToBrowser = 0;
  messagesFromBrowser = 0;

  readonly #ws: WebSocket;
  /** The browser's TCP (or TLS) socket under the WebSocket: its write buffer is what back-pressure watches. */
  readonly #browser: Socket;
  readonly #bucket: MessageBucket;
  readonly #ctx: RelayContext;
  readonly #maxBuffered: number;
  readonly #abort = new AbortController();
  #state: RelayState = 'resolving';
  #server: tls.TLSSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Messages that arrived before the TLS connection was up (few: the socket is paused meanwhile). */
  #early: Buffer[] = [];
  #browserOpen = true;
  #serverOpen = false;
  #serverError: string | undefined;
  #throttled = false;
  #serverBusy = false;
  #pongSeen = true;
  #activityMark = 0;
  #quietSince: number;

  constructor(options: {
    id: number;
    ws: WebSocket;
    browser: Socket;
    target: Target;
    clientKey: string;
    bucket: MessageBucket;
    context: RelayContext;
  }) {
    this.id = options.id;
    this.#ws = options.ws;
    this.#browser = options.browser;
    this.target = options.target;
    this.clientKey = options.clientKey;
    this.#bucket = options.bucket;
    this.#ctx = options.context;
    this.openedAt = this.#quietSince = this.#ctx.clock.now();
    // The socket's own high-water mark is the floor: below it, 'drain' would never be emitted.
    this.#maxBuffered = Math.max(this.#ctx.limits.maxBufferedBytes, this.#browser.writableHighWaterMark);
    this.#ws.on('message', this.#fromBrowser);
    this.#ws.on('pong', () => (this.#pongSeen = true));
    this.#ws.on('error', (error: Error & { code?: string }) =>
      this.end(wsErrorEndings[error.code ?? ''] ?? 'protocolError', error.message),
    );
    this.#ws.on('close', () => {
      this.#browserOpen = false;
      this.end('clientClosed');
      this.#settle();
    });
  }

  get state(): RelayState {
    return this.#state;
  }

  /** Bytes held for this relay right now: not yet written to either side, or read and not yet relayed. */
  get bufferedBytes(): number {
    const server = this.#server;
    const early = this.#early.reduce((total, message) => total + message.length, 0);
    return this.#browser.writableLength + early + (server ? server.writableLength + server.readableLength : 0);
  }

  /** The message bucket this relay draws from (released by the gateway once the relay is closed). */
  get bucket(): MessageBucket {
    return this.#bucket;
  }

  /** Resolves the target, connects and starts relaying; failures end the relay with their table entry. */
  start(): void {
    this.#updateBrowserFlow();
    this.#timer = setTimeout(() => this.end('targetTimeout'), this.#ctx.limits.targetTimeoutMs);
    this.#open().catch((error: unknown) => {
      if (error instanceof GatewayRefusal) this.end(error.ending, error.message);
      else this.end('internalError', String(error));
    });
  }

  async #open(): Promise<void> {
    const destination = await this.#ctx.resolve(this.target);
    if (this.#state !== 'resolving') return;
    this.#state = 'connecting';
    const server = await destination.connector.connect(destination.target, this.#abort.signal);
    if (this.#state !== 'connecting') return void server.destroy();
    clearTimeout(this.#timer);
    this.#server = server;
    this.#serverOpen = true;
    this.#state = 'relaying';
    this.#ctx.relaying(this);
    server.on('data', this.#fromServer);
    server.on('error', (error) => (this.#serverError = error.message));
    server.on('close', () => {
      this.#serverOpen = false;
      this.end('targetClosed', this.#serverError);
      this.#settle();
    });
    const early = this.#early;
    this.#early = [];
    for (const message of early) server.write(message);
    this.#checkServerBuffer();
    this.#updateBrowserFlow();
  }

  // Hot path: one WebSocket message from the browser, written to the TLS socket as it is.
  readonly #fromBrowser = (data: Buffer) => {
    this.bytesFromBrowser += data.length;
    this.messagesFromBrowser += 1;
    if (this.#state === 'relaying') {
      this.#server!.write(data);
      this.#checkServerBuffer();
    } else if (this.#state === 'resolving' || this.#state === 'connecting') {
      this.#early.push(data);
    }
    const waitMs = this.#bucket.take(this.#ctx.clock.now());
    if (waitMs > 0) this.#throttle(waitMs);
  };

  // Hot path: one chunk from the TLS socket, sent to the browser as one binary message.
  readonly #fromServer = (chunk: Buffer) => {
    if (this.#state !== 'relaying') return;
    this.bytesToBrowser += chunk.length;
    this.#ws.send(chunk);
    if (this.#browser.writableLength >= this.#maxBuffered) {
      this.#server!.pause();
      this.#browser.once('drain', this.#browserDrained);
    }
  };

  readonly #browserDrained = () => {
    if (this.#state === 'relaying') this.#server?.resume();
  };

  #checkServerBuffer(): void {
    const server = this.#server!;
    if (this.#serverBusy || server.writableLength < this.#maxBuffered) return;
    this.#serverBusy = true;
    this.#updateBrowserFlow();
    server.once('drain', () => {
      this.#serverBusy = false;
      this.#updateBrowserFlow();
    });
  }

  #throttle(waitMs: number): void {
    if (this.#throttled) return;
    this.#throttled = true;
    this.#updateBrowserFlow();
    void this.#ctx.clock.sleep(waitMs).then(() => {
      this.#throttled = false;
      this.#updateBrowserFlow();
    });
  }

  /** Reads from the browser only while relaying, with room on the TLS side and within the message rate. */
  #updateBrowserFlow(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const hold = this.#state !== 'relaying' || this.#serverBusy || this.#throttled;
    if (hold && !this.#ws.isPaused) this.#ws.pause();
    else if (!hold && this.#ws.isPaused) this.#ws.resume();
  }

  /**
   * One heartbeat round (the gateway calls it every `heartbeatMs`): ends a relay idle for `idleMs` or whose
   * browser did not answer the previous ping, then pings.
   */
  checkLiveness(now: number): void {
    if (this.#state !== 'relaying') return;
    const mark = this.bytesFromBrowser + this.bytesToBrowser;
    if (mark !== this.#activityMark) {
      this.#activityMark = mark;
      this.#quietSince = now;
    } else if (now - this.#quietSince >= this.#ctx.limits.idleMs) {
      return this.end('idleTimeout');
    }
    if (!this.#pongSeen) return this.end('heartbeatLost');
    this.#pongSeen = false;
    this.#ws.ping();
  }

  /**
   * Closes both sides with the endings-table entry `name` (once; later calls do nothing). The browser gets the
   * entry's close code after everything already relayed to it; the TLS side is ended after the bytes already
   * written to it, and both are destroyed if they are not gone within `closeTimeoutMs`.
   */
  end(name: EndingName, detail?: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    clearTimeout(this.#timer);
    this.#abort.abort(new GatewayRefusal(name, 'relay ended'));
    this.#early = [];
    this.#ctx.ended(this, name, detail);
    const ending = endings[name];
    if (ending.close === null) this.#ws.terminate();
    else if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(ending.close, ending.reason);
    // Read again, whatever held the browser back: its close frame must get through for the handshake to end.
    this.#ws.resume();
    const server = this.#server;
    if (server && this.#serverOpen) {
      server.end();
      // Whatever the server still sends has nowhere to go; reading it lets its close arrive.
      server.resume();
    }
    this.#timer = setTimeout(() => {
      this.#ws.terminate();
      this.#server?.destroy();
    }, this.#ctx.limits.closeTimeoutMs);
    this.#settle();
  }

  #settle(): void {
    if (this.#state !== 'closing' || this.#browserOpen || this.#serverOpen) return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#ctx.closed(this);
  }
}
