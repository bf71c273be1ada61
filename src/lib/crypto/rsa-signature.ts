import { base64ToBytes, bytesToBase64, utf8ToBytes, type Bytes } from './encoding';
import { importRsaSigningKey, importRsaVerifyingKey, type HashingAlgo } from './rsa-keys';

/**
 * Signs the UTF-8 of `message` with RSASSA-PKCS1-v1_5 (SHA256withRSA by default, or SHA512withRSA) and returns
 * base64 of the 256-byte signature. Deterministic, so the output equals Dart's byte for byte. `privateKey` is a
 * base64 PKCS#8 key or an already imported signing CryptoKey (which may be non-extractable).
 *
 * @throws {CryptoError} `bad-key` when a key string is not a base64 PKCS#8 RSA key.
 * @example
 * const signature = await signRsa(challenge, atKeys.pkamPrivateKey, 'sha256');
 */
export async function signRsa(
  message: string,
  privateKey: string | CryptoKey,
  hashingAlgo: HashingAlgo = 'sha256',
): Promise<string> {
  const key = typeof privateKey === 'string' ? await importRsaSigningKey(privateKey, hashingAlgo) : privateKey;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, utf8ToBytes(message));
  return bytesToBase64(new Uint8Array(signature));
}

/**
 * Checks an RSASSA-PKCS1-v1_5 signature over the UTF-8 of `message`. A signature that is not base64 is simply
 * not valid, so it answers `false` rather than throwing.
 *
 * @throws {CryptoError} `bad-key` when `publicKey` is not a base64 SPKI RSA key.
 * @example
 * await verifyRsa(challenge, signature, pkamPublicKey, 'sha512'); // true
 */
export async function verifyRsa(
  message: string,
  signature: string,
  publicKey: string,
  hashingAlgo: HashingAlgo = 'sha256',
): Promise<boolean> {
  const key = await importRsaVerifyingKey(publicKey, hashingAlgo);
  const bytes = decodeOrNull(signature);
  if (bytes === null) return false;
  return crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, bytes, utf8ToBytes(message));
}

function decodeOrNull(text: string): Bytes | null {
  try {
    return base64ToBytes(text);
  } catch {
    return null;
  }
}
