import { aesKeyBytes, ivFromNonce } from './aes-key';
import { asBytes, base64ToBytes, bytesToBase64, bytesToUtf8, utf8ToBytes, type Bytes } from './encoding';
import { KeyCache } from './key-cache';
import { pkcs7Pad, pkcs7Unpad, requireWholeBlocks } from './pkcs7';

/**
 * AES-256-CTR with PKCS#7 padding through WebCrypto: the main, asynchronous path for every symmetric operation of
 * the atProtocol (crypto.md §1). The counter is the whole 16-byte IV incremented big-endian over all 128 bits,
 * as Dart's SIC mode does; `length: 64` would diverge after a low-64-bit wrap (vectors `counterWrap`).
 * {@link ./aes-ctr-sync} gives the same results synchronously.
 */

/**
 * An AES-256 key: the base64 string the atProtocol carries, or a CryptoKey from {@link importAesKey}. A string is
 * imported on first use and cached; passing the CryptoKey skips that lookup and keeps the raw key out of JS.
 */
export type AesKey = string | CryptoKey;

// Importing a raw key costs about as much as encrypting a 1 KiB record, so keys are imported once (npm run bench).
const importedKeys = new KeyCache<CryptoKey>(256);

/**
 * Imports an AES-256 key string as a non-extractable AES-CTR CryptoKey (not cached: the caller holds it).
 *
 * @throws {CryptoError} `bad-key` for a key that is not base64 of 32 bytes.
 * @example
 * const selfKey = await importAesKey(atKeys.selfEncryptionKey);
 * await decryptAes(ciphertext, selfKey, ivNonce);
 */
export async function importAesKey(key: string): Promise<CryptoKey> {
  const raw = aesKeyBytes(key);
  return crypto.subtle.importKey('raw', raw, { name: 'AES-CTR' }, false, ['encrypt', 'decrypt']);
}

async function ctr(key: AesKey, iv: Bytes, data: Bytes): Promise<Bytes> {
  const cryptoKey = typeof key === 'string' ? await importedKeys.get(key, () => importAesKey(key)) : key;
  const params: AesCtrParams = { name: 'AES-CTR', counter: iv, length: 128 };
  return new Uint8Array(await crypto.subtle.encrypt(params, cryptoKey, data));
}

/**
 * Pads and encrypts bytes. `iv` is the 16-byte initial counter; omit it for the legacy zero IV.
 *
 * @throws {CryptoError} `bad-key` for a key that is not base64 of 32 bytes; `bad-iv` for an IV that is not 16 bytes.
 * @example
 * const ciphertext = await encryptAesBytes(fileChunk, sharedKey, ivFromNonce(ivNonce));
 */
export async function encryptAesBytes(plaintext: Uint8Array, key: AesKey, iv?: Uint8Array): Promise<Bytes> {
  const counter = iv === undefined ? ivFromNonce() : checkedIv(iv);
  return ctr(key, counter, pkcs7Pad(plaintext));
}

/**
 * Decrypts bytes and removes the padding.
 *
 * @throws {CryptoError} `bad-length` for a ciphertext that is empty or not a multiple of 16 bytes; `bad-padding`
 *   when the padding is invalid (the usual sign of a wrong key or IV); `bad-key`, `bad-iv` as for encryption.
 * @example
 * const chunk = await decryptAesBytes(ciphertext, sharedKey, ivFromNonce(ivNonce));
 */
export async function decryptAesBytes(ciphertext: Uint8Array, key: AesKey, iv?: Uint8Array): Promise<Bytes> {
  requireWholeBlocks(ciphertext.length);
  const counter = iv === undefined ? ivFromNonce() : checkedIv(iv);
  return pkcs7Unpad(await ctr(key, counter, asBytes(ciphertext)));
}

/**
 * Encrypts a string as the atProtocol does: `base64(AES-256-CTR(key, iv, pkcs7(utf8(plaintext))))`, with the IV
 * taken from `ivNonce` or the zero IV when it is absent.
 *
 * @throws {CryptoError} `bad-key`, `bad-iv` (see {@link encryptAesBytes}).
 * @example
 * const ivNonce = generateIvNonce();
 * const value = await encryptAes('+1 555 0100', sharedKey, ivNonce); // 'RIkVZy3ofHAtE7zMuZx0cw=='
 */
export async function encryptAes(plaintext: string, key: AesKey, ivNonce?: string | null): Promise<string> {
  return bytesToBase64(await ctr(key, ivFromNonce(ivNonce), pkcs7Pad(utf8ToBytes(plaintext))));
}

/**
 * Decrypts a base64 ciphertext to its string.
 *
 * @throws {CryptoError} `bad-encoding` for text that is not base64 or a plaintext that is not UTF-8; `bad-length`,
 *   `bad-padding`, `bad-key`, `bad-iv` (see {@link decryptAesBytes}).
 * @example
 * await decryptAes('RIkVZy3ofHAtE7zMuZx0cw==', sharedKey, 'ABEiM0RVZneImaq7zN3u/w=='); // '+1 555 0100'
 */
export async function decryptAes(ciphertext: string, key: AesKey, ivNonce?: string | null): Promise<string> {
  const data = base64ToBytes(ciphertext);
  requireWholeBlocks(data.length);
  return bytesToUtf8(pkcs7Unpad(await ctr(key, ivFromNonce(ivNonce), data)));
}

function checkedIv(iv: Uint8Array): Bytes {
  return ivFromNonce(bytesToBase64(iv));
}
