import { ctr } from '@noble/ciphers/aes.js';
import { aesKeyBytes, ivFromNonce } from './aes-key';
import { base64ToBytes, bytesToBase64, bytesToUtf8, utf8ToBytes, type Bytes } from './encoding';
import { pkcs7Pad, pkcs7Unpad, requireWholeBlocks } from './pkcs7';

/**
 * AES-256-CTR with PKCS#7 padding, synchronously, through `@noble/ciphers` (whose `ctr` increments the full
 * 128-bit counter, as Dart does). Same inputs, outputs and errors as {@link ./aes-ctr}; use it where nothing may
 * await, where `crypto.subtle` is missing (an insecure context), or as a cross-check.
 */

function run(key: string, iv: Bytes, data: Bytes): Bytes {
  return new Uint8Array(ctr(aesKeyBytes(key), iv).encrypt(data));
}

/**
 * Pads and encrypts bytes synchronously. `iv` is the 16-byte initial counter; omit it for the zero IV.
 *
 * @throws {CryptoError} `bad-key`, `bad-iv`.
 * @example
 * const ciphertext = encryptAesBytesSync(bytes, key, ivFromNonce(ivNonce));
 */
export function encryptAesBytesSync(plaintext: Uint8Array, key: string, iv?: Uint8Array): Bytes {
  const counter = ivFromNonce(iv === undefined ? undefined : bytesToBase64(iv));
  return run(key, counter, pkcs7Pad(plaintext));
}

/**
 * Decrypts bytes synchronously and removes the padding.
 *
 * @throws {CryptoError} `bad-length`, `bad-padding`, `bad-key`, `bad-iv`.
 * @example
 * const bytes = decryptAesBytesSync(ciphertext, key, ivFromNonce(ivNonce));
 */
export function decryptAesBytesSync(ciphertext: Uint8Array, key: string, iv?: Uint8Array): Bytes {
  requireWholeBlocks(ciphertext.length);
  const counter = ivFromNonce(iv === undefined ? undefined : bytesToBase64(iv));
  return pkcs7Unpad(run(key, counter, new Uint8Array(ciphertext)));
}

/**
 * Encrypts a string synchronously: `base64(AES-256-CTR(key, iv, pkcs7(utf8(plaintext))))`.
 *
 * @throws {CryptoError} `bad-key`, `bad-iv`.
 * @example
 * encryptAesSync('secret diary entry', selfEncryptionKey, ivNonce);
 */
export function encryptAesSync(plaintext: string, key: string, ivNonce?: string | null): string {
  return bytesToBase64(run(key, ivFromNonce(ivNonce), pkcs7Pad(utf8ToBytes(plaintext))));
}

/**
 * Decrypts a base64 ciphertext to its string synchronously.
 *
 * @throws {CryptoError} `bad-encoding`, `bad-length`, `bad-padding`, `bad-key`, `bad-iv`.
 * @example
 * decryptAesSync('IK2QgbVQnvLf8snbBS8n119vJ1HMv3R46Goi/MLSViY=', selfEncryptionKey, ivNonce);
 */
export function decryptAesSync(ciphertext: string, key: string, ivNonce?: string | null): string {
  const data = base64ToBytes(ciphertext);
  requireWholeBlocks(data.length);
  return bytesToUtf8(pkcs7Unpad(run(key, ivFromNonce(ivNonce), data)));
}
