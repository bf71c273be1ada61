/**
 * The gateway's end of one WebSocket (RFC 6455), after the opening handshake: frames in through the
 * {@link FrameParser}, binary frames out in single writes, pings answered, and the closing handshake. It is
 * as small as a relay needs: no messages are assembled, no text is decoded, nothing is compressed. (The `ws`
 * package does all this and more; measured here, its per-message stream and event layers cost more CPU than
 * the gateway's whole budget for a relayed round trip, so the data path is this file instead.)
 */
import type { Socket } from 'node:net';
import { FrameParser, opcodes, type ControlOpcode } from './frame-parser';
import { binaryFrame, closeFrame, controlFrame } from './frames';

export interface WebSocketEvents {
  /** A data frame begins. */
  frame(): void;
  /** Payload bytes from the browser, unmasked. The buffer is the socket's chunk: use it or keep it. */
  data(payload: Buffer): void;
  pong(): void;
  /** The browser broke the protocol (1002) or sent a message over the limit (1009); a close frame is on its way. */
  violation(code: 1002 | 1009, reason: string): void;
  /** The socket is gone. `code` is the browser's close code: 1005 for a close frame without one, 1006 for none. */
  closed(code: number): void;
}

/** Close codes a peer may send (RFC 6455 §7.4; 1004–1006 and 1015 are reserved, 1012–1014 registered since). */
const validCloseCode = (code: number) =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export class WebSocketConnection {
  readonly #socket: Socket;
  readonly #parser: FrameParser;
  readonly #on: WebSocketEvents;
  #closeSent = false;
  #closeReceived = false;
  #peerCode = 1006;

  /** @param socket the upgraded socket; the 101 response has been written. */
  constructor(socket: Socket, maxMessageBytes: number, events: WebSocketEvents) {
    this.#socket = socket;
    this.#on = events;
    this.#parser = new FrameParser(maxMessageBytes, {
      frame: events.frame,
      data: events.data,
      control: (opcode, payload) => this.#control(opcode, payload),
      error: (code, reason) => this.#violation(code, reason),
    });
  }

  /** Starts reading; `head` holds bytes that arrived together with the upgrade request. */
  start(head: Buffer): void {
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#parser.push(chunk));
    // An HTTP server's sockets are half-open capable: a browser that hangs up must be answered with our FIN.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.#on.closed(this.#peerCode));
    if (head.length > 0) this.#parser.push(head);
  }

  /** True until a close frame has been sent: data may still be sent. */
  get open(): boolean {
    return !this.#closeSent && !this.#socket.destroyed;
  }

  /** Bytes written to the socket and not yet flushed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Sends `source[0, length)` as one binary message. False when the socket now holds its high-water mark
   * unflushed: stop producing until {@link WebSocketConnection.onDrain}.
   */
  send(source: Buffer, length: number): boolean {
    if (this.#closeSent) return true;
    return this.#socket.write(binaryFrame(source, length));
  }

  ping(): void {
    if (this.open) this.#socket.write(controlFrame(opcodes.ping));
  }

  /** Calls `listener` once the socket has flushed what it held. */
  onDrain(listener: () => void): void {
    this.#socket.once('drain', listener);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Starts the closing handshake: the socket ends once the browser's close frame arrives (or at once if it has). */
  close(code: number, reason: string): void {
    if (!this.open) return;
    this.#closeSent = true;
    this.#socket.write(closeFrame(code, reason));
    if (this.#closeReceived) this.#socket.end();
  }

  /** Drops the connection without a close frame (the browser sees 1006). */
  terminate(): void {
    this.#socket.destroy();
  }

  #control(opcode: ControlOpcode, payload: Buffer): void {
    if (opcode === opcodes.ping) {
      if (this.open) this.#socket.write(controlFrame(opcodes.pong, payload));
    } else if (opcode === opcodes.pong) {
      this.#on.pong();
    } else {
      this.#closeFrame(payload);
    }
  }

  #closeFrame(payload: Buffer): void {
    this.#closeReceived = true;
    this.#parser.stop();
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    if (payload.length === 1 || (payload.length >= 2 && (!validCloseCode(code) || !isUtf8(payload.subarray(2))))) {
      return this.#violation(1002, 'invalid close frame');
    }
    this.#peerCode = code;
    if (this.#closeSent) return void this.#socket.end();
    // Echo the browser's code, as the closing handshake asks (§5.5.1); no code is answered without one.
    this.#closeSent = true;
    this.#socket.write(code === 1005 ? controlFrame(opcodes.close) : closeFrame(code, ''));
    this.#socket.end();
  }

  #violation(code: 1002 | 1009, reason: string): void {
    this.#parser.stop();
    this.#on.violation(code, reason);
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#socket.write(closeFrame(code, reason));
    }
    // Failing the connection (§7.1.7): nothing more will be parsed, so do not wait for the browser's close.
    this.#socket.end();
    this.#socket.resume();
  }
}
