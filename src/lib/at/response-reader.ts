/**
 * Reading what an atServer writes to a client, as text arrives in chunks split anywhere (atprotocol.md
 * §1.4, §1.9). No I/O: a connection pushes text in and gets complete pieces out. Both the server's own
 * outbound `ProtocolClient` and the browser/Node atClient read through this one reader.
 */
import { stripPrompt } from './response';

/**
 * A complete piece of server output:
 * - `greeting`: the `@` a server writes when the connection opens;
 * - `response`: one response, prompt stripped as Dart clients strip it (`data:…`, `error:…`, or a bare
 *   `@bob@`, which `pol` answers and which is kept whole);
 * - `notification`: the JSON of one `notification: {…}` line (monitor connections).
 */
export type ServerOutput =
  | { readonly kind: 'greeting' }
  | { readonly kind: 'response'; readonly text: string }
  | { readonly kind: 'notification'; readonly json: string };

/**
 * What was left when the connection closed: a last `response` written without its prompt
 * (`error:AT0024-…` before a paused server hangs up), or a `refusal` written instead of the greeting
 * (`error:AT0012-Inbound connection limit exceeded`).
 */
export type ClosingRemainder =
  { readonly kind: 'response'; readonly text: string } | { readonly kind: 'refusal'; readonly text: string };

/** A `pol` answer: the bare prompt `@bob@`, with no `data:` and no newline (§1.4). */
const bareAtSignPrompt = /^@[^@\s:]+@$/;
const notificationPrefix = 'notification:';

/**
 * Splits server output into greeting, responses and notifications. A response is complete at a newline
 * followed by the next prompt's `@` (§1.9), so an error text that spans lines (§5.3 FormatException)
 * arrives whole; the rest of that prompt (`alice@`) is stripped from the front of what follows.
 *
 * @example
 * const reader = new ResponseReader();
 * reader.push('@');                      // [{ kind: 'greeting' }]
 * reader.push('data:_6f1c@alice:9b');     // []
 * reader.push('2e\n@');                  // [{ kind: 'response', text: 'data:_6f1c@alice:9b2e' }]
 * reader.push('notification: {"id":"1"}\n'); // [{ kind: 'notification', json: '{"id":"1"}' }]
 */
export class ResponseReader {
  #buffer = '';
  #greeted = false;
  // Where the searches resume: no `\n` lies before #newlineFrom, no `\n@` starts before #endFrom. A large
  // response arriving in many chunks is then scanned once, not once per chunk.
  #newlineFrom = 0;
  #endFrom = 0;

  /** Whether the server's `@` has arrived. */
  get greeted(): boolean {
    return this.#greeted;
  }

  /** Takes the next chunk of text and returns every piece it completes, in order. */
  push(text: string): ServerOutput[] {
    this.#buffer += text;
    const outputs: ServerOutput[] = [];
    if (!this.#greeted) {
      if (!this.#buffer.startsWith('@')) return outputs;
      this.#consume(1);
      this.#greeted = true;
      outputs.push({ kind: 'greeting' });
    }
    for (let output = this.#next(); output; output = this.#next()) outputs.push(output);
    return outputs;
  }

  /**
   * The connection closed: returns what was left, if anything (a prompt's remainder alone is nothing),
   * and empties the reader.
   */
  end(): ClosingRemainder | undefined {
    const rest = this.#buffer.trim();
    this.#consume(this.#buffer.length);
    if (rest === '') return undefined;
    if (!this.#greeted) return { kind: 'refusal', text: rest };
    const text = stripPrompt(rest);
    return text === '' ? undefined : { kind: 'response', text };
  }

  #next(): ServerOutput | undefined {
    const buffer = this.#buffer;
    const newline = buffer.indexOf('\n', this.#newlineFrom);
    if (newline === -1) {
      this.#newlineFrom = buffer.length;
      if (!bareAtSignPrompt.test(buffer)) return undefined;
      this.#consume(buffer.length);
      return { kind: 'response', text: buffer };
    }
    this.#newlineFrom = newline;
    // A notification line may follow the remainder of a prompt (`alice@notification: {…}`).
    const line = stripPrompt(buffer.slice(0, newline).trim());
    if (line.startsWith(notificationPrefix)) {
      this.#consume(newline + 1);
      return { kind: 'notification', json: line.slice(notificationPrefix.length).trimStart() };
    }
    const end = buffer.indexOf('\n@', Math.max(this.#endFrom, newline));
    if (end === -1) {
      // A `\n` at the very end may yet be followed by the prompt's `@`.
      this.#endFrom = buffer.length - 1;
      return undefined;
    }
    this.#consume(end + 2);
    return { kind: 'response', text: stripPrompt(buffer.slice(0, end).trim()) };
  }

  #consume(length: number): void {
    this.#buffer = this.#buffer.slice(length);
    this.#newlineFrom = 0;
    this.#endFrom = 0;
  }
}
