/**
 * Reads the frames a browser sends (RFC 6455 §5) as an explicit state machine over the bytes of one socket:
 * `header` → (`length16` | `length64`) → `mask` → `payload` → `header` …, or `failed` for good.
 *
 * Data is streamed, not assembled: each piece of a text, binary or continuation frame is unmasked in place and
 * handed on as it arrives, so relaying a 10 MB message buffers nothing, and the size limit is checked from the
 * frame header, before its payload is read (as Redis caps a request before its newline arrives). Control frames
 * (≤ 125 bytes) are collected whole. Every violation ends parsing with the close code it calls for; the
 * gateway relays bytes, so text frames are not checked for UTF-8, as `ws` does with `skipUTF8Validation`.
 */

export const opcodes = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export type ControlOpcode = typeof opcodes.close | typeof opcodes.ping | typeof opcodes.pong;

export interface FrameHandlers {
  /** A text, binary or continuation frame begins (the unit the message rate counts). */
  frame(): void;
  /** Payload bytes of a data frame, unmasked, in order. The buffer is the socket's: use it before returning. */
  data(payload: Buffer): void;
  /** A whole control frame. */
  control(opcode: ControlOpcode, payload: Buffer): void;
  /** The peer broke the protocol (1002) or sent a message over the limit (1009); nothing more is parsed. */
  error(code: 1002 | 1009, reason: string): void;
}

type State = 'header' | 'length16' | 'length64' | 'mask' | 'payload' | 'failed';

/** Bytes each header state needs before it can proceed. */
const fieldBytes: Record<Exclude<State, 'payload' | 'failed'>, number> = {
  header: 2,
  length16: 2,
  length64: 8,
  mask: 4,
};

/** XORs `data` with the 4-byte `mask`, starting at mask byte `offset`. */
function unmask(data: Buffer, mask: Uint8Array, offset: number): void {
  const [m0, m1, m2, m3] = [
    mask[offset & 3]!,
    mask[(offset + 1) & 3]!,
    mask[(offset + 2) & 3]!,
    mask[(offset + 3) & 3]!,
  ];
  const whole = data.length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    data[i]! ^= m0;
    data[i + 1]! ^= m1;
    data[i + 2]! ^= m2;
    data[i + 3]! ^= m3;
  }
  for (; i < data.length; i += 1) data[i]! ^= mask[(offset + i) & 3]!;
}

export class FrameParser {
  readonly #maxMessageBytes: number;
  readonly #on: FrameHandlers;
  #state: State = 'header';
  /** Bytes of a header field that arrived split across chunks. */
  #partial: Buffer | null = null;
  #fin = false;
  #opcode = 0;
  #remaining = 0;
  readonly #mask = new Uint8Array(4);
  #maskOffset = 0;
  /** A fragmented message is in progress: only continuation (and control) frames may follow. */
  #inMessage = false;
  #messageBytes = 0;
  #control: Buffer[] = [];

  /** @param maxMessageBytes the most payload bytes one message (all its fragments) may carry. */
  constructor(maxMessageBytes: number, handlers: FrameHandlers) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#on = handlers;
  }

  /** Feeds bytes from the socket. Their payload parts are unmasked in place. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.#state;
      if (state === 'payload') {
        offset = this.#payload(chunk, offset);
      } else if (state === 'failed') {
        return;
      } else if (state === 'header' && this.#partial === null && this.#wholeHeader(chunk, offset)) {
        // The common case: a whole header in this chunk, read in place.
        offset += this.#headerBytes(chunk[offset + 1]!);
      } else {
        offset = this.#collect(state, chunk, offset);
      }
    }
  }

  /** Bytes of a whole header (with the mask) whose second byte is `second`. */
  #headerBytes(second: number): number {
    const length = second & 0x7f;
    return length < 126 ? 6 : length === 126 ? 8 : 14;
  }

  /** Parses a header held whole in `chunk` at `offset`; false (nothing consumed) when it is not all there. */
  #wholeHeader(chunk: Buffer, offset: number): boolean {
    if (chunk.length - offset < 2) return false;
    const size = this.#headerBytes(chunk[offset + 1]!);
    if (chunk.length - offset < size) return false;
    this.#header(chunk[offset]!, chunk[offset + 1]!);
    if (this.#state === 'length16') this.#length(chunk.readUInt16BE(offset + 2));
    else if (this.#state === 'length64') this.#length64(chunk.readUInt32BE(offset + 2), chunk.readUInt32BE(offset + 6));
    if (this.#state === 'mask') this.#maskField(chunk, offset + size - 4);
    return true;
  }

  /** Gathers the bytes of header field `state`, across chunks if need be; returns the new offset. */
  #collect(state: Exclude<State, 'payload' | 'failed'>, chunk: Buffer, offset: number): number {
    const need = fieldBytes[state];
    const have = this.#partial ?? Buffer.alloc(0);
    const take = Math.min(need - have.length, chunk.length - offset);
    const field = Buffer.concat([have, chunk.subarray(offset, offset + take)]);
    if (field.length < need) {
      this.#partial = field;
      return offset + take;
    }
    this.#partial = null;
    if (state === 'header') this.#header(field[0]!, field[1]!);
    else if (state === 'length16') this.#length(field.readUInt16BE(0));
    else if (state === 'length64') this.#length64(field.readUInt32BE(0), field.readUInt32BE(4));
    else this.#maskField(field, 0);
    return offset + take;
  }

  #length64(high: number, low: number): void {
    // The most significant bit must be 0 (§5.2); anything past 2^53 bytes is over any limit anyway.
    if (high & 0x8000_0000) return this.#fail(1002, 'invalid payload length');
    this.#length(high * 2 ** 32 + low);
  }

  #maskField(bytes: Buffer, at: number): void {
    const mask = this.#mask;
    mask[0] = bytes[at]!;
    mask[1] = bytes[at + 1]!;
    mask[2] = bytes[at + 2]!;
    mask[3] = bytes[at + 3]!;
    this.#maskOffset = 0;
    this.#state = 'payload';
    if (this.#remaining === 0) this.#endFrame();
  }

  #header(first: number, second: number): void {
    this.#fin = (first & 0x80) !== 0;
    this.#opcode = first & 0x0f;
    if (first & 0x70) return this.#fail(1002, 'reserved bits set');
    if (!(second & 0x80)) return this.#fail(1002, 'client frames must be masked');
    const length = second & 0x7f;
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      if (opcode > opcodes.pong) return this.#fail(1002, `unknown opcode ${opcode}`);
      if (!this.#fin) return this.#fail(1002, 'fragmented control frame');
      if (length > 125) return this.#fail(1002, 'control frame too long');
    } else if (opcode === opcodes.continuation) {
      if (!this.#inMessage) return this.#fail(1002, 'continuation frame without a message');
    } else if (opcode === opcodes.text || opcode === opcodes.binary) {
      if (this.#inMessage) return this.#fail(1002, 'new message inside a fragmented one');
    } else {
      return this.#fail(1002, `unknown opcode ${opcode}`);
    }
    if (length === 126) this.#state = 'length16';
    else if (length === 127) this.#state = 'length64';
    else this.#length(length);
  }

  #length(length: number): void {
    if (this.#opcode < 0x8) {
      if (this.#messageBytes + length > this.#maxMessageBytes) return this.#fail(1009, 'message too big');
      this.#messageBytes += length;
      this.#on.frame();
    }
    this.#remaining = length;
    this.#state = 'mask';
  }

  #payload(chunk: Buffer, offset: number): number {
    const count = Math.min(this.#remaining, chunk.length - offset);
    const piece = chunk.subarray(offset, offset + count);
    unmask(piece, this.#mask, this.#maskOffset);
    this.#maskOffset = (this.#maskOffset + count) & 3;
    this.#remaining -= count;
    if (this.#opcode >= 0x8) this.#control.push(piece);
    else if (count > 0) this.#on.data(piece);
    if (this.#remaining === 0) this.#endFrame();
    return offset + count;
  }

  #endFrame(): void {
    this.#state = 'header';
    if (this.#opcode >= 0x8) {
      const payload = this.#control.length === 1 ? this.#control[0]! : Buffer.concat(this.#control);
      this.#control = [];
      this.#on.control(this.#opcode as ControlOpcode, payload);
      return;
    }
    this.#inMessage = !this.#fin;
    if (this.#fin) this.#messageBytes = 0;
  }

  #fail(code: 1002 | 1009, reason: string): void {
    this.#state = 'failed';
    this.#partial = null;
    this.#control = [];
    this.#on.error(code, reason);
  }

  /** Stops parsing for good (after a close frame, nothing more is read). */
  stop(): void {
    this.#state = 'failed';
  }
}
