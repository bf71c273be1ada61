/**
 * A Transport carries the atProtocol's text both ways over one open connection: a WebSocket through the
 * gateway in the browser, TLS in Node. Framing, prompts and lock-step are the connection's business
 * (`connection.ts`); a transport only moves text.
 */

/** Where a transport delivers what happens to it. */
export interface TransportReceiver {
  /** Text as it arrives, in order; a UTF-8 sequence split between network chunks arrives whole. */
  text(chunk: string): void;
  /** The connection has closed, from either side. Called once, last; `reason` says why when it failed. */
  closed(reason?: Error): void;
}

/**
 * One open connection to an atServer or atDirectory.
 *
 * @example
 * const transport = await openTlsTransport({ host: 'localhost', port: 6465, ca });
 * transport.listen({ text: (chunk) => reader.push(chunk), closed: () => console.log('gone') });
 * transport.send('from:@alice\n');
 */
export interface Transport {
  /**
   * Starts delivering to `receiver`, beginning with whatever arrived since the transport opened (so the
   * server's greeting is never missed). Call once.
   */
  listen(receiver: TransportReceiver): void;
  /** Writes text as UTF-8. Ignored once the transport is closed. */
  send(text: string): void;
  /** Closes the connection; the receiver's `closed` follows. */
  close(): void;
  readonly isClosed: boolean;
}

/**
 * The receiving half every transport shares: holds what arrives until {@link Transport.listen} is called,
 * then passes it on, and reports the close exactly once.
 */
export class TransportInbox implements TransportReceiver {
  #receiver: TransportReceiver | undefined;
  #early: string[] = [];
  #closed: { reason?: Error } | undefined;

  get isClosed(): boolean {
    return this.#closed !== undefined;
  }

  listen(receiver: TransportReceiver): void {
    if (this.#receiver) throw new Error('a transport has one receiver');
    this.#receiver = receiver;
    for (const chunk of this.#early.splice(0)) receiver.text(chunk);
    if (this.#closed) receiver.closed(this.#closed.reason);
  }

  text(chunk: string): void {
    if (this.#closed || chunk === '') return;
    if (this.#receiver) this.#receiver.text(chunk);
    else this.#early.push(chunk);
  }

  closed(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = reason === undefined ? {} : { reason };
    this.#receiver?.closed(reason);
  }
}
