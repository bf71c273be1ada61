/**
 * The frames the gateway sends (RFC 6455 §5.2): never masked (a server must not mask), always final, each
 * built as one buffer so it leaves in one write.
 */
import { opcodes, type ControlOpcode } from './frame-parser';

function header(frame: Buffer, opcode: number, length: number): number {
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = length;
    return 2;
  }
  if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  frame.writeUInt32BE(length >>> 0, 6);
  return 10;
}

const headerBytes = (length: number) => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/**
 * A binary frame carrying `source[0, length)`, copied: the source may be a read buffer that is reused as soon
 * as this returns.
 *
 * @example binaryFrame(Buffer.from('@'), 1); // <82 01 40>
 */
export function binaryFrame(source: Buffer, length: number): Buffer {
  const frame = Buffer.allocUnsafe(headerBytes(length) + length);
  source.copy(frame, header(frame, opcodes.binary, length), 0, length);
  return frame;
}

/** A ping, pong or close frame with `payload` (at most 125 bytes). */
export function controlFrame(opcode: ControlOpcode, payload: Buffer = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(2 + payload.length);
  payload.copy(frame, header(frame, opcode, payload.length));
  return frame;
}

/** A close frame with `code` and `reason` (the reason cut to fit the 125-byte control frame limit). */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason).subarray(0, 123);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return controlFrame(opcodes.close, payload);
}
