import { CryptoError } from './crypto-error';
import { base64ToBytes, bytesToBase64, type Bytes } from './encoding';

const keyBytes = 32;
const ivBytes = 16;

/**
 * Creates a fresh AES-256 key as the atProtocol carries it: base64 of 32 random bytes (44 characters), like
 * Dart's `AESKey.generate(32)`.
 *
 * @example
 * const selfEncryptionKey = generateAesKey(); // 'UaQFluEF…NGA='
 */
export function generateAesKey(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(keyBytes)));
}

/**
 * Creates a random `ivNonce`: base64 of 16 random bytes (24 characters). Send one with every shared, self and
 * notified value; the zero IV is only for `.atKeys` and enrollment blobs (crypto.md §8, security notes).
 *
 * @example
 * const ivNonce = generateIvNonce(); // 'ABEiM0RVZneImaq7zN3u/w=='
 */
export function generateIvNonce(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(ivBytes)));
}

/**
 * Decodes an AES key string to its 32 bytes.
 *
 * @throws {CryptoError} `bad-key` unless `key` is base64 of exactly 32 bytes.
 * @example
 * aesKeyBytes(generateAesKey()).length; // 32
 */
export function aesKeyBytes(key: string): Bytes {
  let bytes: Bytes;
  try {
    bytes = base64ToBytes(key);
  } catch (cause) {
    throw new CryptoError('bad-key', 'an AES key must be base64 of 32 bytes', { cause });
  }
  if (bytes.length !== keyBytes) {
    throw new CryptoError('bad-key', `an AES key must be 32 bytes, got ${bytes.length}`);
  }
  return bytes;
}

/**
 * The 16-byte initial counter for an `ivNonce`, or the legacy zero IV when there is none (Dart's
 * `IV(Uint8List(16))`, crypto.md §1).
 *
 * @throws {CryptoError} `bad-iv` unless `ivNonce` is absent or base64 of exactly 16 bytes.
 * @example
 * ivFromNonce(undefined); // 16 zero bytes
 * ivFromNonce('ABEiM0RVZneImaq7zN3u/w==');
 */
export function ivFromNonce(ivNonce?: string | null): Bytes {
  if (ivNonce === undefined || ivNonce === null) return new Uint8Array(ivBytes);
  let bytes: Bytes;
  try {
    bytes = base64ToBytes(ivNonce);
  } catch (cause) {
    throw new CryptoError('bad-iv', 'an ivNonce must be base64 of 16 bytes', { cause });
  }
  if (bytes.length !== ivBytes) throw new CryptoError('bad-iv', `an ivNonce must be 16 bytes, got ${bytes.length}`);
  return bytes;
}
