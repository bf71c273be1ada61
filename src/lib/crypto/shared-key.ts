import { aesKeyBytes, generateAesKey } from './aes-key';
import { CryptoError } from './crypto-error';
import { rsaDecrypt, rsaEncrypt } from './rsa-encryption';

/** A fresh shared key and its two RSA-wrapped copies (crypto.md §6.1). */
export interface SharedKeyEnvelope {
  /** The AES-256 key itself, base64 (44 characters). Keep it in memory only. */
  readonly sharedKey: string;
  /** Encrypted for the sharer's own public key: the value of `shared_key.bob@alice`. */
  readonly myCopy: string;
  /** Encrypted for the recipient's public key: the value of `@bob:shared_key@alice`, and of `sharedKeyEnc`. */
  readonly theirCopy: string;
}

/**
 * Creates the AES key that alice uses for everything she shares with bob, wrapped once for her own encryption
 * public key and once for his. Both copies are RSAES-PKCS1-v1_5 over the UTF-8 of the 44-character key string.
 *
 * @throws {CryptoError} `bad-key` when either public key is not a base64 SPKI RSA key.
 * @example
 * const { sharedKey, myCopy, theirCopy } = await createSharedKey(atKeys.encryptionPublicKey, publicKeyOfBob);
 */
export async function createSharedKey(myPublicKey: string, theirPublicKey: string): Promise<SharedKeyEnvelope> {
  const sharedKey = generateAesKey();
  const [myCopy, theirCopy] = await Promise.all([
    rsaEncrypt(sharedKey, myPublicKey),
    rsaEncrypt(sharedKey, theirPublicKey),
  ]);
  return { sharedKey, myCopy, theirCopy };
}

/**
 * Opens a wrapped shared key (a my copy, a their copy, a `sharedKeyEnc` or an `encryptedAPKAMSymmetricKey`) with
 * the encryption private key it was made for, and checks that what comes out is an AES-256 key.
 *
 * @throws {CryptoError} `decrypt-failed` when the copy was made for another key or does not hold an AES-256 key;
 *   `bad-key` when `privateKey` is not a base64 PKCS#8 RSA key; `bad-encoding` when the copy is not base64.
 * @example
 * const sharedKey = await openSharedKey(notification.metadata.sharedKeyEnc, atKeys.encryptionPrivateKey);
 */
export async function openSharedKey(encryptedCopy: string, privateKey: string): Promise<string> {
  const sharedKey = await rsaDecrypt(encryptedCopy, privateKey);
  try {
    aesKeyBytes(sharedKey);
  } catch (cause) {
    throw new CryptoError('decrypt-failed', 'the decrypted copy is not an AES-256 key', { cause });
  }
  return sharedKey;
}
