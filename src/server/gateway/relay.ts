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
 * The data path is short on purpose: the browser's frame payloads are written to the TLS socket as they are
 * unmasked; the TLS socket reads into one buffer shared by every relay (`onread`, no allocation per read) and
 * each read leaves as one binary frame in one write.
 *
 * Memory is bounded both ways, with `maxBufferedBytes` as both sockets' high-water mark: the browser's socket is
 * not read while the relay is not yet relaying, while the TLS socket holds that much unwritten, or while the
 * address is over its message rate; the TLS socket is not read while the browser's socket holds that much.
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Clock } from '../clock';
import type { GatewayLimits } from '../config';
import { endings, GatewayRefusal, type EndingName } from './endings';
import type { MessageBucket } from './rate-limiter';
import type { TargetConnector, TlsTarget } from './target-connector';
import type { Target } from './target';
import { WebSocketConnection } from './websocket/connection';

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

export class Relay {
  readonly id: number;
  /** The client address the per-address limits count under. */
  readonly clientKey: string;
  readonly target: Target;
  readonly openedAt: number;
  bytesFromBrowser = 0;
  bytesToBrowser = 0;
  messagesFromBrowser = 0;

  readonly #browser: WebSocketConnection;
  readonly #bucket: MessageBucket;
  readonly #ctx: RelayContext;
  readonly #abort = new AbortController();
  #state: RelayState = 'resolving';
  #server: tls.TLSSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Payload that arrived before the TLS connection was up (little: the socket is paused meanwhile). */
  #early: Buffer[] = [];
  /** What the server sent in the same read as its handshake's end, before the relay saw the connection. */
  #serverFirst: Buffer[] = [];
  #browserOpen = true;
  #serverOpen = false;
  #serverError: string | undefined;
  #throttled = false;
  #serverBusy = false;
  #browserPaused = false;
  #pongSeen = true;
  #activityMark = 0;
  #quietSince: number;

  /** @param socket the browser's upgraded socket (the 101 answer already written). */
  constructor(options: {
    id: number;
    socket: Socket;
    target: Target;
    clientKey: string;
    bucket: MessageBucket;
    context: RelayContext;
  }) {
    this.id = options.id;
    this.target = options.target;
    this.clientKey = options.clientKey;
    this.#bucket = options.bucket;
    this.#ctx = options.context;
    this.openedAt = this.#quietSince = this.#ctx.clock.now();
    this.#browser = new WebSocketConnection(options.socket, this.#ctx.limits.maxMessageBytes, {
      frame: this.#browserFrame,
      data: this.#fromBrowser,
      pong: () => (this.#pongSeen = true),
      violation: (code) => this.end(code === 1009 ? 'messageTooBig' : 'protocolError'),
      closed: () => {
        this.#browserOpen = false;
        this.end('clientClosed');
        this.#settle();
      },
    });
  }

  get state(): RelayState {
    return this.#state;
  }

  /** Bytes held for this relay right now: not yet written to either side. */
  get bufferedBytes(): number {
    const early = this.#early.reduce((total, piece) => total + piece.length, 0);
    return this.#browser.bufferedBytes + early + (this.#server?.writableLength ?? 0);
  }

  /** The message bucket this relay draws from (released by the gateway once the relay is closed). */
  get bucket(): MessageBucket {
    return this.#bucket;
  }

  /**
   * Starts reading the browser (`head`: bytes that came with the upgrade request), resolves the target,
   * connects and relays; failures end the relay with their table entry.
   */
  start(head: Buffer): void {
    this.#updateBrowserFlow();
    this.#browser.start(head);
    // The bytes that came with the upgrade may already have broken the protocol.
    if (this.#state !== 'resolving') return;
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
    const server = await destination.connector.connect(destination.target, this.#abort.signal, this.#fromServer);
    if (this.#state !== 'connecting') return void server.destroy();
    clearTimeout(this.#timer);
    this.#server = server;
    this.#serverOpen = true;
    this.#state = 'relaying';
    this.#ctx.relaying(this);
    server.on('error', (error) => (this.#serverError = error.message));
    server.on('close', () => {
      this.#serverOpen = false;
      this.end('targetClosed', this.#serverError);
      this.#settle();
    });
    for (const piece of this.#serverFirst.splice(0)) this.#fromServer(piece.length, piece);
    for (const piece of this.#early.splice(0)) this.#toServer(server, piece);
    this.#updateBrowserFlow();
  }

  // Hot path: a data frame from the browser begins; it counts against the address's message rate.
  readonly #browserFrame = () => {
    this.messagesFromBrowser += 1;
    const waitMs = this.#bucket.take(this.#ctx.clock.now());
    if (waitMs > 0) this.#throttle(waitMs);
  };

  // Hot path: payload from the browser, written to the TLS socket as it is.
  readonly #fromBrowser = (payload: Buffer) => {
    this.bytesFromBrowser += payload.length;
    if (this.#state === 'relaying') {
      this.#toServer(this.#server!, payload);
    } else if (this.#state === 'resolving' || this.#state === 'connecting') {
      this.#early.push(payload);
    }
  };

  // Hot path: `length` bytes the TLS socket read into the shared `buffer`; false pauses the TLS socket.
  readonly #fromServer = (length: number, buffer: Buffer): boolean => {
    if (this.#state !== 'relaying') {
      // The buffer is shared and reused at once: keep a copy until the relay takes over the connection.
      if (this.#state === 'connecting') this.#serverFirst.push(Buffer.from(buffer.subarray(0, length)));
      return true;
    }
    this.bytesToBrowser += length;
    if (this.#browser.send(buffer, length)) return true;
    this.#browser.onDrain(this.#browserDrained);
    return false;
  };

  readonly #browserDrained = () => {
    if (this.#state === 'relaying') this.#server?.resume();
  };

  /** Writes to the TLS socket; once it holds its high-water mark (`maxBufferedBytes`), stops reading the browser. */
  #toServer(server: tls.TLSSocket, payload: Buffer): void {
    if (server.write(payload) || this.#serverBusy) return;
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
    if (hold === this.#browserPaused) return;
    this.#browserPaused = hold;
    if (hold) this.#browser.pause();
    else this.#browser.resume();
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
    this.#browser.ping();
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
    if (ending.close === null) this.#browser.terminate();
    else this.#browser.close(ending.close, ending.reason);
    // Read again, whatever held the browser back: its close frame must get through for the handshake to end.
    this.#browser.resume();
    const server = this.#server;
    if (server && this.#serverOpen) {
      server.end();
      // Whatever the server still sends has nowhere to go; reading it lets its close arrive.
      server.resume();
    }
    this.#timer = setTimeout(() => {
      this.#browser.terminate();
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
