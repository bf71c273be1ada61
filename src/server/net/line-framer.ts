/**
 * Splits a byte stream into `\n`-terminated lines with a hard cap on the bytes buffered before a newline,
 * so a peer that never sends one cannot make the server buffer without bound (the reference caps an
 * atServer request at 10,240,000 bytes, atprotocol.md §1.3, and a directory request at 255 chars, §2).
 *
 * The reference treats everything up to a chunk that *ends* in `\n` as one command; splitting on every
 * `\n` is a safe superset that also serves clients which pipeline.
 */
export class LineFramer {
  readonly #maxBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onOverflow: () => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #overflowed = false;

  /**
   * @param maxBytes most bytes a line may hold before its newline; one more calls `onOverflow` once and
   *   drops all further input.
   * @param onLine receives each line without its `\n` (a trailing `\r` is kept; callers trim).
   */
  constructor(maxBytes: number, onLine: (line: string) => void, onOverflow: () => void) {
    this.#maxBytes = maxBytes;
    this.#onLine = onLine;
    this.#onOverflow = onOverflow;
  }

  /** Bytes held while waiting for a newline. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds one chunk from the socket. */
  push(chunk: Buffer): void {
    if (this.#overflowed) return;
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.#pendingBytes + piece.length > this.#maxBytes) return this.#overflow();
      if (this.#pendingBytes === 0) {
        this.#onLine(piece.toString('utf8'));
      } else {
        this.#pending.push(piece);
        const line = Buffer.concat(this.#pending, this.#pendingBytes + piece.length).toString('utf8');
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#onLine(line);
      }
      if (this.#overflowed) return;
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.#pendingBytes + rest.length > this.#maxBytes) return this.#overflow();
      // Copy: the socket may reuse the chunk's memory once this callback returns.
      this.#pending.push(Buffer.from(rest));
      this.#pendingBytes += rest.length;
    }
  }

  /** Drops buffered input and stops framing, e.g. when the connection closes. */
  stop(): void {
    this.#overflowed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #overflow(): void {
    this.stop();
    this.#onOverflow();
  }
}
