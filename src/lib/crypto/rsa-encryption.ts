import { PKCS1_KEM } from 'micro-rsa-dsa-dh/rsa.js';
import { CryptoError } from './crypto-error';
import { base64ToBytes, bytesToBase64, bytesToUtf8, utf8ToBytes } from './encoding';
import { rsaPrivateNumbers, rsaPublicNumbers } from './rsa-keys';

/**
 * Encrypts a string with RSAES-PKCS1-v1_5 (not OAEP) for an RSA public key, as Dart's crypton does: the input is
 * the UTF-8 of the string (for a shared key, the 44-character base64 AES key, never its 32 raw bytes) and the
 * output is base64 of exactly 256 bytes for RSA-2048. Randomised: two calls give different ciphertexts.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` is not a base64 SPKI RSA key; `unsupported` when the text is
 *   longer than the key can carry (245 bytes for RSA-2048).
 * @example
 * const theirCopy = await rsaEncrypt(sharedKey, publicKeyOfBob); // 344 base64 characters
 */
export async function rsaEncrypt(plaintext: string, publicKey: string): Promise<string> {
  const numbers = await rsaPublicNumbers(publicKey);
  try {
    return bytesToBase64(PKCS1_KEM.encrypt({ n: numbers.n, e: numbers.e }, utf8ToBytes(plaintext)));
  } catch (cause) {
    throw new CryptoError('unsupported', 'the text is too long for RSA PKCS#1 v1.5 with this key', { cause });
  }
}

/**
 * Decrypts a base64 RSAES-PKCS1-v1_5 ciphertext with a PKCS#8 private key and returns the UTF-8 string inside.
 * This runs in JavaScript bigints (about 10–20 ms for RSA-2048), so unwrap each shared key once and cache it.
 *
 * @throws {CryptoError} `bad-encoding` when `ciphertext` is not base64; `bad-key` when `privateKey` is not a base64
 *   PKCS#8 RSA key; `decrypt-failed` when the ciphertext was not made for this key (wrong length or padding, or
 *   a plaintext that is not UTF-8).
 * @example
 * const sharedKey = await rsaDecrypt(sharedKeyEnc, atKeys.encryptionPrivateKey);
 */
export async function rsaDecrypt(ciphertext: string, privateKey: string): Promise<string> {
  const data = base64ToBytes(ciphertext);
  const numbers = await rsaPrivateNumbers(privateKey);
  try {
    return bytesToUtf8(PKCS1_KEM.decrypt({ n: numbers.n, d: numbers.d }, data));
  } catch (cause) {
    throw new CryptoError('decrypt-failed', 'RSA decryption failed (was it encrypted for this key?)', { cause });
  }
}
