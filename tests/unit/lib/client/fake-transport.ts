/**
 * A Transport with a scripted server behind it, for unit tests of the connection, session and dialers:
 * records every line the client writes and lets the test (or an answering function) write back.
 */
import { TransportInbox, type Transport, type TransportReceiver } from '$lib/client/transport/transport';

/** Answers one line the client wrote: text to write back (after a microtask), or nothing. */
export type Script = (line: string, transport: FakeTransport) => string | undefined;

export class FakeTransport implements Transport {
  /** Every line the client wrote, without its newline. */
  readonly lines: string[] = [];
  readonly #inbox = new TransportInbox();
  readonly #script: Script | undefined;

  /** `greeting` is written as soon as the transport exists (an atServer writes `@` on connect). */
  constructor(script?: Script, greeting: string | null = '@') {
    this.#script = script;
    if (greeting !== null) this.write(greeting);
  }

  get isClosed(): boolean {
    return this.#inbox.isClosed;
  }

  listen(receiver: TransportReceiver): void {
    this.#inbox.listen(receiver);
  }

  send(text: string): void {
    if (this.isClosed) return;
    for (const line of text.split('\n').slice(0, -1)) {
      this.lines.push(line);
      const answer = this.#script?.(line, this);
      if (answer !== undefined) queueMicrotask(() => this.write(answer));
    }
  }

  close(): void {
    this.#inbox.closed();
  }

  /** The server writes `text`. */
  write(text: string): void {
    this.#inbox.text(text);
  }

  /** The server (or the network) ends the connection. */
  drop(reason?: Error): void {
    this.#inbox.closed(reason);
  }
}

/** Resolves after pending microtasks and one macrotask: lets queued answers and their reactions run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
