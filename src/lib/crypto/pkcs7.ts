import { CryptoError } from './crypto-error';
import type { Bytes } from './encoding';

/** The AES block size in bytes; PKCS#7 pads to a multiple of it. */
export const blockSize = 16;

/**
 * Appends PKCS#7 padding: 1 to 16 bytes, each holding the pad length, so an aligned input gains a full block.
 * This is what Dart's `PaddedBlockCipher('AES/SIC/PKCS7')` adds before CTR encryption (crypto.md §1).
 *
 * @example
 * pkcs7Pad(utf8ToBytes('hello')).length; // 16
 */
export function pkcs7Pad(data: Uint8Array): Bytes {
  const pad = blockSize - (data.length % blockSize);
  const padded = new Uint8Array(data.length + pad);
  padded.set(data);
  padded.fill(pad, data.length);
  return padded;
}

/**
 * Checks the length and removes PKCS#7 padding, refusing what Dart's decryption refuses.
 *
 * @throws {CryptoError} `bad-length` when `data` is empty or not a whole number of blocks;
 *   `bad-padding` when the last byte is not 1–16 or the pad bytes differ.
 * @example
 * pkcs7Unpad(pkcs7Pad(bytes)); // equal to bytes
 */
export function pkcs7Unpad(data: Bytes): Bytes {
  requireWholeBlocks(data.length);
  const pad = data[data.length - 1] ?? 0;
  let bad = pad < 1 || pad > blockSize ? 1 : 0;
  for (let i = data.length - Math.min(Math.max(pad, 1), blockSize); i < data.length; i++) {
    bad |= (data[i] ?? 0) ^ pad;
  }
  if (bad !== 0) throw new CryptoError('bad-padding', 'invalid PKCS#7 padding (wrong key or IV?)');
  return data.subarray(0, data.length - pad);
}

/**
 * Refuses a ciphertext length that PKCS#7-padded CTR can never produce, before any key is touched.
 *
 * @throws {CryptoError} `bad-length` when `length` is 0 or not a multiple of 16.
 * @example
 * requireWholeBlocks(ciphertext.length);
 */
export function requireWholeBlocks(length: number): void {
  if (length === 0 || length % blockSize !== 0) {
    throw new CryptoError('bad-length', `AES ciphertext must be a non-empty multiple of 16 bytes, got ${length}`);
  }
}
