import { CryptoError } from './crypto-error';

/**
 * Bytes that WebCrypto accepts as a `BufferSource` (backed by a plain `ArrayBuffer`, never a shared one).
 * Everything this module returns has this type.
 */
export type Bytes = Uint8Array<ArrayBuffer>;

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// String.fromCharCode takes its bytes as arguments; stay well below every engine's argument limit.
const chunkSize = 0x8000;

/** The native base64 codec (`Uint8Array.fromBase64`, `toBase64`: Chromium 140, Node 25), where the runtime has it. */
const nativeBase64 = Uint8Array as unknown as {
  fromBase64?: (text: string) => Bytes;
  prototype: { toBase64?: () => string };
};
const nativeToBase64 = nativeBase64.prototype.toBase64;

/**
 * Encodes bytes as standard base64 with `=` padding, as Dart's `base64.encode` does.
 *
 * @example
 * bytesToBase64(new Uint8Array([0, 1, 2])); // 'AAEC'
 */
export function bytesToBase64(bytes: Uint8Array): string {
  if (nativeToBase64) return nativeToBase64.call(bytes);
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    // `apply` with the typed array itself: spreading it into arguments costs eight times as much.
    binary += String.fromCharCode.apply(null, bytes.subarray(offset, offset + chunkSize) as unknown as number[]);
  }
  return btoa(binary);
}

function notBase64(text: string): CryptoError {
  return new CryptoError('bad-encoding', `not standard padded base64 (${text.length} chars)`);
}

/**
 * Decodes standard padded base64. Stricter than `atob`: whitespace, missing padding and the URL-safe alphabet are
 * refused, so that a value Dart would reject is rejected here too.
 *
 * @throws {CryptoError} `bad-encoding` when `text` is not standard padded base64.
 * @example
 * base64ToBytes('AAEC'); // Uint8Array [0, 1, 2]
 */
export function base64ToBytes(text: string): Bytes {
  // The native decoders refuse characters outside the alphabet and padding anywhere but at the end; what they
  // forgive is whitespace (skipped) and missing padding. Whole quads and the exact byte count rule both out:
  // skipped characters always shorten the result, and a quad without its padding is not whole. This replaces a
  // regular expression that cost as much as the decoding itself.
  if (text.length % 4 !== 0) throw notBase64(text);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const length = (text.length / 4) * 3 - padding;
  let bytes: Bytes;
  try {
    bytes = nativeBase64.fromBase64 ? nativeBase64.fromBase64(text) : binaryToBytes(atob(text));
  } catch {
    throw notBase64(text);
  }
  if (bytes.length !== length) throw notBase64(text);
  return bytes;
}

function binaryToBytes(binary: string): Bytes {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Encodes a string as UTF-8.
 *
 * @example
 * utf8ToBytes('🛠').length; // 4
 */
export function utf8ToBytes(text: string): Bytes {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8, refusing malformed sequences (as Dart's `utf8.decode` does), which is also how a decryption
 * with the wrong key is often noticed.
 *
 * @throws {CryptoError} `bad-encoding` when `bytes` is not valid UTF-8.
 * @example
 * bytesToUtf8(new Uint8Array([0x68, 0x69])); // 'hi'
 */
export function bytesToUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (cause) {
    throw new CryptoError('bad-encoding', 'bytes are not valid UTF-8', { cause });
  }
}

/**
 * Encodes bytes as lowercase hex.
 *
 * @example
 * bytesToHex(new Uint8Array([0x0f, 0xa0])); // '0fa0'
 */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Decodes hex (either case).
 *
 * @throws {CryptoError} `bad-encoding` for an odd length or a non-hex character.
 * @example
 * hexToBytes('0FA0'); // Uint8Array [15, 160]
 */
export function hexToBytes(hex: string): Bytes {
  if (!hexPattern.test(hex)) throw new CryptoError('bad-encoding', 'not an even-length hex string');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Returns `bytes` itself when WebCrypto can take it directly, otherwise a copy that it can.
 *
 * @example
 * await crypto.subtle.digest('SHA-256', asBytes(view));
 */
export function asBytes(bytes: Uint8Array): Bytes {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Bytes) : new Uint8Array(bytes);
}
